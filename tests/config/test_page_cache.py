"""The page cache for readers not logged in: every change that alters a page purges it
(the content version moves when the change commits), and nothing personal is ever kept.

These tests commit (transaction=True), as the site does: the content version moves only
once a change has committed.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import ContentVersion
from comments import services
from comments.models import Commenter, DiscussionSettings
from tests.blog.factories import ArticleFactory, ImageFactory, UserFactory
from tests.comments.factories import CommentFactory
from tests.comments.test_posting import form_data

pytestmark = pytest.mark.django_db(transaction=True)

HIT, MISS = "hit", "miss"


@pytest.fixture
def article():
    return ArticleFactory(title="Kaesong")


def cached(client, url):
    """The page's text, and whether it came from the cache."""
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), response.get("X-Page-Cache")


def warm(client, url):
    cached(client, url)
    assert cached(client, url)[1] == HIT


def test_a_page_is_kept_and_served_again_to_readers_not_logged_in(client, article):
    first, first_state = cached(client, article.get_absolute_url())
    again, again_state = cached(client, article.get_absolute_url())

    assert (first_state, again_state) == (MISS, HIT)
    assert again == first


def test_editing_an_article_purges_its_page_and_the_home_page(client, article):
    warm(client, article.get_absolute_url())
    warm(client, "/")

    article.title = "Kaesong, a year on"
    article.save()

    page, state = cached(client, article.get_absolute_url())
    assert state == MISS
    assert "Kaesong, a year on" in page
    assert "Kaesong, a year on" in cached(client, "/")[0]


def test_publishing_an_article_purges_the_listings(client, article):
    warm(client, "/")
    draft = ArticleFactory(title="The balloons", published_at=None)

    draft.published_at = timezone.now() - timedelta(minutes=1)
    draft.save()

    assert "The balloons" in cached(client, "/")[0]


def test_a_scheduled_article_purges_the_listings_when_its_time_comes(
    client, article, run_tasks, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    ArticleFactory(title="The balloons", published_at=timezone.now() + timedelta(hours=1))
    warm(client, "/")
    assert "The balloons" not in cached(client, "/")[0]

    time_machine.shift(timedelta(hours=1, seconds=1))
    run_tasks()

    page, state = cached(client, "/")
    assert state == MISS
    assert "The balloons" in page


@pytest.mark.parametrize(
    ("decision", "shown"),
    [
        (services.approve, True),
        (services.remove, False),
        (services.mark_spam, False),
    ],
)
def test_a_moderators_decision_purges_the_page(client, article, decision, shown):
    comment = CommentFactory(article=article, is_public=decision is not services.approve)
    comment.comment = "A decided comment."
    comment.save()
    warm(client, article.get_absolute_url())

    decision(comment, by=UserFactory(is_staff=True))

    page, state = cached(client, article.get_absolute_url())
    assert state == MISS
    assert ("A decided comment." in page) == shown


def test_restoring_a_removed_comment_purges_the_page(client, article):
    comment = CommentFactory(article=article, comment="Back again.")
    services.remove(comment)
    warm(client, article.get_absolute_url())

    services.restore(comment)

    assert "Back again." in cached(client, article.get_absolute_url())[0]


def test_a_posted_comment_purges_the_page(client, article):
    DiscussionSettings.objects.update_or_create(pk=1, defaults={"manual_approval": False})
    warm(client, article.get_absolute_url())
    reader = UserFactory()
    writer = type(client)()
    writer.force_login(reader)

    writer.post(f"/comments/post/{article.pk}/", form_data(article, text="Posted just now."))

    assert "Posted just now." in cached(client, article.get_absolute_url())[0]


def test_a_rule_change_purges_the_page(client, article):
    for _ in range(3):
        CommentFactory(article=article)
    warm(client, article.get_absolute_url())

    rules = DiscussionSettings.load()
    rules.top_level_per_page = 1
    rules.save()

    page, state = cached(client, article.get_absolute_url())
    assert state == MISS
    assert "Page 1 of 3" in page


def test_replacing_an_image_purges_the_page(client):
    article = ArticleFactory(featured_image=ImageFactory(alt_text="The office, before"))
    warm(client, article.get_absolute_url())

    image = article.featured_image
    image.alt_text = "The office, after"
    image.save()

    assert 'alt="The office, after"' in cached(client, article.get_absolute_url())[0]


def test_a_ban_changes_no_cached_page(client, article):
    # A ban shows only to the banned reader, who is logged in: no cached page changes.
    warm(client, article.get_absolute_url())
    version = ContentVersion.current()[0]

    Commenter.set_standing(UserFactory(), Commenter.Standing.BANNED)

    assert ContentVersion.current()[0] == version


def test_pages_for_logged_in_readers_are_never_kept(client, article):
    client.force_login(UserFactory())

    first = client.get(article.get_absolute_url())
    second = client.get(article.get_absolute_url())

    assert "X-Page-Cache" not in first
    assert "X-Page-Cache" not in second
    assert "private" in second["Cache-Control"]


def test_a_page_for_a_logged_in_reader_is_never_served_from_the_cache(client, article):
    warm(client, article.get_absolute_url())
    client.force_login(UserFactory(username="ada"))

    response = client.get(article.get_absolute_url())

    assert "X-Page-Cache" not in response
    assert "You are commenting using your" in response.content.decode()


def test_a_response_that_sets_a_cookie_is_never_kept(client):
    # The login page sets the CSRF cookie for its form.
    first = client.get("/accounts/login/")
    again = type(client)().get("/accounts/login/")

    assert first.cookies
    assert "X-Page-Cache" not in first
    assert "X-Page-Cache" not in again


def test_a_response_carrying_messages_is_never_kept(client, article):
    warm(client, article.get_absolute_url())
    # A message waits in the messages cookie (a reader was told something, then logged out).
    client.cookies["messages"] = "anything"

    response = client.get(article.get_absolute_url())

    assert "X-Page-Cache" not in response


def test_a_reload_asking_for_no_cache_renders_the_page_anew(client, article):
    warm(client, article.get_absolute_url())

    response = client.get(article.get_absolute_url(), headers={"Cache-Control": "no-cache"})

    assert response["X-Page-Cache"] == MISS


def test_anonymous_pages_let_a_proxy_keep_them_briefly_and_vary_on_cookies(client, article):
    response = client.get(article.get_absolute_url())

    assert "public" in response["Cache-Control"]
    assert "max-age=60" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


@pytest.mark.parametrize("url", ["/", "article", "/archive/", "/motives/"])
def test_pages_answer_304_to_their_etag_and_to_their_last_modified(client, article, url):
    url = article.get_absolute_url() if url == "article" else url
    response = client.get(url)

    by_etag = client.get(url, headers={"If-None-Match": response["ETag"]})
    by_date = client.get(url, headers={"If-Modified-Since": response["Last-Modified"]})

    assert (by_etag.status_code, by_date.status_code) == (304, 304)


def test_a_change_ends_the_304(client, article):
    response = client.get(article.get_absolute_url())

    CommentFactory(article=article, comment="Something new.")

    again = client.get(article.get_absolute_url(), headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 200
    assert "Something new." in again.content.decode()


def test_html_is_compressed_for_clients_that_accept_it(client, article):
    response = client.get(article.get_absolute_url(), headers={"Accept-Encoding": "gzip"})

    assert response["Content-Encoding"] == "gzip"


def test_a_hit_is_compressed_only_for_clients_that_accept_it(client, article):
    url = article.get_absolute_url()
    gzipped = {"Accept-Encoding": "gzip"}
    client.get(url, headers=gzipped)

    hit = client.get(url, headers=gzipped)
    plain = client.get(url)
    plain_again = client.get(url)

    assert hit["X-Page-Cache"] == "hit"
    assert hit["Content-Encoding"] == "gzip"
    assert "default-src 'self'" in hit["Content-Security-Policy"]
    assert "Permissions-Policy" in hit
    assert "Content-Encoding" not in plain
    assert plain_again["X-Page-Cache"] == "hit"
    assert "Content-Encoding" not in plain_again
