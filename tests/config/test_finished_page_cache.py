"""The WSGI layer of the page cache (config.page_cache.FinishedPageCache): pages kept for
readers not logged in, served as Django finished them, before Django's handler runs.

Django's test client does not come through a WSGI application, so these tests call
config.wsgi.application, as gunicorn does. They commit (transaction=True), as the site does.
"""

from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from blog.models import ContentVersion
from config.page_cache import FinishedPageCache
from config.wsgi import application
from tests.blog.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True)

GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
def article():
    return ArticleFactory(title="Kaesong")


@contextmanager
def database_connection_kept_open():
    """As Django's test client does: a request's signals must not close the test database's
    connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class Served:
    """One GET through a WSGI application: its status, headers and body."""

    def __init__(self, url, headers=None, app=application, **environ):
        request = RequestFactory().get(url, headers=headers or {}, **environ)

        def start_response(status, response_headers, exc_info=None):
            self.status = int(status.split()[0])
            self.headers = dict(response_headers)

        with database_connection_kept_open():
            body = app(request.environ, start_response)
            try:
                self.body = b"".join(body)
            finally:
                getattr(body, "close", lambda: None)()

    @property
    def cache(self):
        return self.headers.get("X-Page-Cache")


def kept(url, headers=None, **environ):
    """The page requested twice: the second answer, from this layer."""
    Served(url, headers, **environ)
    served = Served(url, headers, **environ)
    assert served.cache == "hit"
    return served


def test_a_kept_page_is_served_without_djangos_handler_and_with_one_query(
    article, cache_of_this_process
):
    url = article.get_absolute_url()
    Served(url)
    started = []
    request_started.connect(started.append)

    try:
        with CaptureQueriesContext(connection) as queries:
            served = Served(url)
    finally:
        request_started.disconnect(started.append)

    assert (served.status, served.cache) == (200, "hit")
    assert "Kaesong" in served.body.decode()
    assert started == []
    assert [query["sql"] for query in queries] == [
        "SELECT number, changed_at, settings_number FROM blog_contentversion WHERE id = 1"
    ]


def test_the_content_version_read_here_serves_the_whole_page_it_lets_through(
    article, cache_of_this_process
):
    with CaptureQueriesContext(connection) as queries:
        served = Served(article.get_absolute_url())

    assert served.cache == "miss"
    assert [q for q in queries if "blog_contentversion" in q["sql"]] == queries[:1]


def test_a_hit_carries_every_layers_headers_compressed_only_for_clients_that_accept_it(
    article,
):
    url = article.get_absolute_url()

    compressed = kept(url, GZIP)
    plain = kept(url)

    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    for served in (compressed, plain):
        assert "default-src 'self'" in served.headers["Content-Security-Policy"]
        assert "Permissions-Policy" in served.headers
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Referrer-Policy"] == "same-origin"
        assert "ETag" in served.headers
    assert "Kaesong" in plain.body.decode()


def test_a_hit_answers_304_to_its_etag_and_to_its_last_modified(article):
    url = article.get_absolute_url()
    page = kept(url)

    by_etag = Served(url, {"If-None-Match": page.headers["ETag"]})
    by_date = Served(url, {"If-Modified-Since": page.headers["Last-Modified"]})

    assert (by_etag.status, by_etag.cache, by_etag.body) == (304, "hit", b"")
    assert (by_date.status, by_date.cache) == (304, "hit")
    assert by_etag.headers["ETag"] == page.headers["ETag"]


def test_a_change_on_the_site_ends_the_hit_and_its_304(article):
    url = article.get_absolute_url()
    page = kept(url)

    article.title = "Kaesong, a year on"
    article.save()
    served = Served(url, {"If-None-Match": page.headers["ETag"]})

    assert (served.status, served.cache) == (200, "miss")
    assert "Kaesong, a year on" in served.body.decode()


@pytest.mark.parametrize(
    "headers",
    [
        {"Cookie": "sessionid=a-readers-session"},
        {"Cookie": "messages=a-message-waiting"},
        {"Cache-Control": "no-cache"},
    ],
    ids=["session", "messages", "reload"],
)
def test_a_reader_with_a_session_or_a_message_or_a_reload_is_never_served_a_copy(article, headers):
    url = article.get_absolute_url()
    kept(url)

    served = Served(url, headers)

    assert served.cache != "hit"


def test_a_host_not_allowed_is_answered_by_django(article):
    url = article.get_absolute_url()
    kept(url)

    served = Served(url, {"Host": "liaison.example.net"})

    assert served.status == 400


def passed_through(environ, start_response):
    """The application below, for the requests this layer must leave alone."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"answered below"]


@pytest.mark.parametrize("url", ["/static/css/site.css", "/static/admin.css?v=2"])
def test_static_files_are_left_to_whitenoise_without_a_query(url):
    with CaptureQueriesContext(connection) as queries:
        served = Served(url, app=FinishedPageCache(passed_through))

    assert served.body == b"answered below"
    assert len(queries) == 0


def test_a_request_django_redirects_to_https_is_never_served_the_https_copy(article, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Middleware reads these settings when the handler is built.
    behind_tls = FinishedPageCache(get_wsgi_application())
    url = article.get_absolute_url()
    Served(url, {"X-Forwarded-Proto": "https"}, app=behind_tls)

    over_tls = Served(url, {"X-Forwarded-Proto": "https"}, app=behind_tls)
    plain_http = Served(url, app=behind_tls)

    assert (over_tls.status, over_tls.cache) == (200, "hit")
    assert plain_http.status == 301
    assert plain_http.headers["Location"].startswith("https://")


def test_only_a_page_django_kept_is_copied_here():
    Served("/no-such-page/")

    again = Served("/no-such-page/")

    assert again.status == 404
    assert again.cache is None


# With Redis, the cache every process shares ---------------------------------------------


def test_with_a_shared_cache_a_hit_asks_the_database_nothing(article, private_redis):
    url = article.get_absolute_url()
    kept(url)

    with CaptureQueriesContext(connection) as queries:
        served = Served(url)

    assert (served.status, served.cache) == (200, "hit")
    assert "Kaesong" in served.body.decode()
    assert len(queries) == 0


def test_with_a_shared_cache_a_change_ends_the_hit(article, private_redis):
    url = article.get_absolute_url()
    kept(url)

    article.title = "Kaesong, a year on"
    article.save()
    served = Served(url)

    assert served.cache == "miss"
    assert "Kaesong, a year on" in served.body.decode()
    assert kept(url).cache == "hit"


def test_a_change_committed_by_another_process_ends_the_hit(article, private_redis):
    url = article.get_absolute_url()
    kept(url)

    # What another process runs once its change commits: the row's number, then the
    # cache's copy, raised.
    ContentVersion._increment()

    assert Served(url).cache == "miss"


def test_when_the_shared_cache_has_lost_the_number_the_row_is_read_and_shared_again(
    article, private_redis
):
    url = article.get_absolute_url()
    kept(url)
    cache.delete(ContentVersion.SHARED_KEY)  # expired, or Redis restarted

    with CaptureQueriesContext(connection) as first:
        after_loss = Served(url)
    with CaptureQueriesContext(connection) as second:
        next_one = Served(url)

    assert (after_loss.cache, next_one.cache) == ("hit", "hit")
    assert [query["sql"] for query in first] == [
        "SELECT number, changed_at, settings_number FROM blog_contentversion WHERE id = 1"
    ]
    assert len(second) == 0
    assert cache.get(ContentVersion.SHARED_KEY) == ContentVersion.current()[0]
