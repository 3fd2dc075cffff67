"""PostgreSQL stopped under a running site: 503 with Retry-After in the site's layout, no
traceback, and the site back by itself once the database returns.

The end-to-end test runs gunicorn (3 workers, DEBUG off) on a PostgreSQL cluster of its own
(tests/config/private_postgres.py), whichever database the suite itself runs on, and stops
that cluster under it. Run with `-s` to read the figures (status codes, recovery time).

While the database is away, a page kept by the anonymous page cache is still served (the copy
made under the last content version the process read, marked `X-Page-Cache: stale`): nothing
can change meanwhile, and a reader gets the article rather than an error. Every other page
(one asked with `Cache-Control: no-cache`, one for a reader with a session, one no worker
kept) answers 503.
"""

import logging
import re
import time
from unittest import mock

import pytest
import requests
from django.db import OperationalError
from django.test import Client

from blog.models import ContentVersion
from config.errors import DATABASE_RETRY_AFTER_SECONDS
from tests.blog.factories import ArticleFactory

from .private_postgres import PrivatePostgres
from .served_site import free_port, manage, serve, served_environment

REQUEST_TIMEOUT = 10
RECOVERY_DEADLINE = 60
FRESH = {"Cache-Control": "no-cache"}


def database_away():
    return mock.patch.object(
        ContentVersion, "current", side_effect=OperationalError("connection refused")
    )


def assert_is_the_503_page(response):
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert "Back in a moment" in response.text
    assert 'class="site-title"' in response.text  # the site's layout, with its header
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_a_page_whose_database_is_away_answers_503_in_the_site_s_layout(client, caplog):
    with caplog.at_level(logging.INFO), database_away():
        response = client.get("/", headers=FRESH)

    assert_is_the_503_page(response)
    (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.name == "config.errors"
    assert warning.exc_info is None
    assert "Traceback" not in caplog.text


@pytest.mark.django_db
def test_a_database_error_raised_in_a_middleware_answers_503_too(caplog):
    client = Client(raise_request_exception=False)
    # After the view: the page cache deciding whether to keep the page.
    failing = mock.patch(
        "config.page_cache.AnonymousPageCacheMiddleware.may_be_kept",
        side_effect=OperationalError("server closed the connection unexpectedly"),
    )
    with caplog.at_level(logging.INFO), failing:
        response = client.get("/")

    assert_is_the_503_page(response)
    assert all(record.exc_info is None for record in caplog.records)
    assert [r.name for r in caplog.records if r.levelno >= logging.WARNING] == ["config.errors"]


@pytest.mark.django_db
def test_a_page_kept_for_readers_not_logged_in_is_served_while_the_database_is_away(client):
    url = ArticleFactory().get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"

    with database_away():
        kept = client.get(url)
        fresh = client.get(url, headers=FRESH)

    assert kept.status_code == 200
    assert kept["X-Page-Cache"] == "stale"
    assert_is_the_503_page(fresh)


@pytest.fixture
def private_postgres():
    cluster = PrivatePostgres(free_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def get(url, headers=None):
    return requests.get(url, headers=headers, timeout=REQUEST_TIMEOUT, allow_redirects=False)


def seconds_until_served(url, deadline_seconds):
    """Seconds until `url` answers 200 again, asking every 0.2 s."""
    started = time.monotonic()
    while time.monotonic() - started < deadline_seconds:
        try:
            if get(url, FRESH).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.2)  # polling interval, not an assertion
    raise AssertionError(f"{url} did not answer 200 within {deadline_seconds} s")


def test_postgresql_stopped_under_gunicorn_answers_503_and_the_site_recovers_by_itself(
    private_postgres, tmp_path
):
    private_postgres.create_database("liaison")
    env = served_environment(private_postgres.url("liaison"), tmp_path / "var")
    manage(env, "migrate", "--noinput", "-v0")
    (article_path,) = re.findall(r" at (/\S+/)", manage(env, "load_seed"))
    log_path = tmp_path / "gunicorn.log"
    figures = {}

    with serve(env, log_path, workers=3) as base_url:
        article = f"{base_url}{article_path}"
        # Each worker may keep the article for readers not logged in.
        before = [get(article).status_code for _ in range(6)]
        assert before == [200] * 6

        private_postgres.stop()
        fresh = get(article, FRESH)
        with_session = get(article, {"Cookie": "sessionid=a-reader-s-session"})
        home = get(f"{base_url}/", FRESH)
        health = get(f"{base_url}/healthz")
        anonymous = [get(article) for _ in range(6)]

        private_postgres.start()
        recovery_seconds = seconds_until_served(article, RECOVERY_DEADLINE)
        after = get(article, FRESH)
        health_after = get(f"{base_url}/healthz")

    log = log_path.read_text()
    figures = {
        "article before the outage": before,
        "article, no-cache, database away": fresh.status_code,
        "article, with a session, database away": with_session.status_code,
        "home, no-cache, database away": home.status_code,
        "/healthz, database away": health.status_code,
        "article for readers not logged in, database away": [
            f"{r.status_code} {r.headers.get('X-Page-Cache', '')}".strip() for r in anonymous
        ],
        "seconds until the article answered 200 after PostgreSQL started": round(
            recovery_seconds, 2
        ),
        "article and /healthz after": (after.status_code, health_after.status_code),
        "warnings logged": log.count("Database unavailable") + log.count("Health check:"),
    }
    print("\nPostgreSQL stopped under gunicorn (3 workers):")
    for name, value in figures.items():
        print(f"  {name}: {value}")

    for response in (fresh, with_session, home):
        assert_is_the_503_page(response)
    assert health.status_code == 503
    assert health.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    for response in anonymous:
        if response.status_code == 200:
            assert response.headers["X-Page-Cache"] == "stale"
        else:
            assert_is_the_503_page(response)
    assert "Traceback" not in log
    assert "Database unavailable for GET" in log
    assert after.status_code == 200
    assert health_after.status_code == 200
