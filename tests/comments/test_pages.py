"""The reply page and comment permalinks: only public comments are reachable."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from comments.rules import NEWEST_FIRST, OLDEST_FIRST
from tests.blog.factories import ArticleFactory, UserFactory

from .factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory(title="Kaesong")


def test_the_reply_page_shows_the_parent_and_a_form(client, article):
    parent = CommentFactory(article=article, comment="What did Hanoi change?")
    client.force_login(UserFactory())

    response = client.get(f"/comments/{parent.pk}/reply/")

    html = response.content.decode()
    assert "What did Hanoi change?" in html
    assert f'name="reply_to" value="{parent.pk}"' in html
    assert "Post Comment" in html


def test_the_reply_page_offers_login_back_to_itself(client, article):
    parent = CommentFactory(article=article)

    html = client.get(f"/comments/{parent.pk}/reply/").content.decode()

    assert "Log in to leave a reply." in html
    assert f"next=%2Fcomments%2F{parent.pk}%2Freply%2F" in html


@pytest.mark.parametrize(
    "state", [{"is_public": False}, {"is_removed": True}], ids=["held", "removed"]
)
def test_the_reply_page_of_a_comment_not_public_is_not_found(client, article, state):
    comment = CommentFactory(article=article, **state)
    client.force_login(UserFactory())

    assert client.get(f"/comments/{comment.pk}/reply/").status_code == 404


def test_the_reply_page_of_a_draft_articles_comment_is_not_found(client):
    comment = CommentFactory(article=ArticleFactory(published_at=None))
    client.force_login(UserFactory())

    assert client.get(f"/comments/{comment.pk}/reply/").status_code == 404


def test_a_permalink_leads_to_the_comment_in_place(client, article):
    comment = CommentFactory(article=article)

    response = client.get(f"/comments/{comment.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}#c{comment.pk}"


def test_a_permalink_names_the_page_of_its_thread(client, article, monkeypatch):
    from comments.models import comment
    from comments.rules import DiscussionRules

    monkeypatch.setattr(comment, "current_rules", lambda: DiscussionRules(top_level_per_page=2))
    CommentFactory.create_batch(2, article=article)
    third = CommentFactory(article=article)
    reply = CommentFactory(article=article, parent=third)

    response = client.get(f"/comments/{reply.pk}/")

    assert response["Location"] == f"{article.get_absolute_url()}?cpage=2#c{reply.pk}"


def test_a_held_comments_permalink_is_found_by_its_author_only(client, article):
    author = UserFactory()
    held = CommentFactory(article=article, user=author, is_public=False)

    assert client.get(f"/comments/{held.pk}/").status_code == 404
    client.force_login(UserFactory())
    assert client.get(f"/comments/{held.pk}/").status_code == 404
    client.force_login(author)
    assert client.get(f"/comments/{held.pk}/").status_code == 302


@pytest.mark.parametrize(
    "path",
    [
        "/comments/sent/",
        "/comments/sent.json",
        "/comments/1/reply.json",
        "/comments/reply/1/",
        "/comments/api/comment/",
        "/comments/post/",
        "/comments/cr/1/1/",
        "/comments/flag/1/",
        "/comments/like/1/",
        "/comments/confirm/abc/",
    ],
)
def test_only_the_comment_addresses_we_use_are_routed(client, path):
    assert client.get(path).status_code == 404


def test_the_site_404_page_is_ours_not_the_packages(client):
    response = client.get("/comments/nowhere/")

    assert response.status_code == 404
    assert b"There is nothing at this address." in response.content
    assert b"django-comments-xtd" not in response.content


def test_a_permalink_pages_threads_as_the_reader_sees_them(client, article, monkeypatch):
    from comments import discussion
    from comments.models import comment
    from comments.rules import DiscussionRules

    one_thread_a_page = DiscussionRules(top_level_per_page=1)
    monkeypatch.setattr(comment, "current_rules", lambda: one_thread_a_page)
    monkeypatch.setattr(discussion, "current_rules", lambda: one_thread_a_page)
    author = UserFactory()
    CommentFactory(article=article)
    CommentFactory(article=article, user=author, is_public=False)
    latest = CommentFactory(article=article, user=author)

    client.force_login(author)
    authors_url = client.get(f"/comments/{latest.pk}/")["Location"]
    client.logout()
    readers_url = client.get(f"/comments/{latest.pk}/")["Location"]

    assert authors_url.endswith(f"?cpage=3#c{latest.pk}")
    assert readers_url.endswith(f"?cpage=2#c{latest.pk}")
    client.force_login(author)
    assert f'id="c{latest.pk}"' in client.get(authors_url).content.decode()


def test_the_reply_page_names_the_account_the_reader_logged_in_with(client, article):
    parent = CommentFactory(article=article)
    client.force_login(UserFactory())
    session = client.session
    session["login_provider"] = "GitHub"
    session.save()

    html = client.get(f"/comments/{parent.pk}/reply/").content.decode()

    assert "You are commenting using your GitHub account." in html


def test_the_reply_page_tells_a_banned_reader_plainly(client, article):
    from comments.models import Commenter

    parent = CommentFactory(article=article)
    banned = UserFactory()
    Commenter.set_standing(banned, Commenter.Standing.BANNED)
    client.force_login(banned)

    html = client.get(f"/comments/{parent.pk}/reply/").content.decode()

    assert "Your account may not post comments on this site." in html
    assert 'id="commentform"' not in html


def test_the_reply_page_follows_the_rules_closing_age(client, discussion_rules):
    from datetime import timedelta

    from django.utils import timezone

    discussion_rules(close_after_days=30)
    old = ArticleFactory(published_at=timezone.now() - timedelta(days=40))
    parent = CommentFactory(article=old)
    client.force_login(UserFactory())

    html = client.get(f"/comments/{parent.pk}/reply/").content.decode()

    assert "Comments are closed." in html
    assert 'id="commentform"' not in html


@pytest.mark.parametrize("order", [OLDEST_FIRST, NEWEST_FIRST])
def test_every_permalink_names_the_page_the_discussion_shows_its_comment_on(
    client, article, moderator, discussion_rules, order
):
    """Comment.page_number() counts the threads listed before a comment's (the distinct
    threads of what the viewer may see); the discussion lists them (listed_roots()). The two
    must agree for every viewer, whatever the threads hold."""
    discussion_rules(top_level_per_page=2, order=order)
    author, other = UserFactory(), UserFactory()
    CommentFactory(article=article)
    # A removed top-level comment whose reply stays public: a placeholder thread.
    placeholder = CommentFactory(article=article)
    CommentFactory(article=article, parent=placeholder)
    CommentFactory(article=article, user=author, held=True)
    # A thread held whole: the other reader's own, which only they and moderators see.
    held_thread = CommentFactory(article=article, user=other)
    CommentFactory(article=article, user=other, parent=held_thread, held=True)
    CommentFactory(article=article, user=other, parent=CommentFactory(article=article))
    CommentFactory(article=article, held=True, removed=True, is_spam=True)
    CommentFactory(article=article, removed=True)
    CommentFactory(article=article, user=author)
    CommentFactory(article=article)
    Comment.objects.filter(pk=placeholder.pk).update(is_removed=True)
    Comment.objects.filter(pk=held_thread.pk).update(is_public=False)

    for viewer in (None, author, other, moderator):
        if viewer is None:
            client.logout()
        else:
            client.force_login(viewer)
        visible = Comment.objects.for_article(article).visible_to(viewer or AnonymousUser())
        for comment in visible:
            url = comment.url_for(viewer, article)
            html = client.get(url, headers={"Cache-Control": "no-cache"}).content.decode()
            assert f'id="{comment.anchor}"' in html, (viewer, comment, url)


def test_a_comments_page_reads_no_permission_when_readers_and_moderators_see_alike(
    article, discussion_rules
):
    discussion_rules(top_level_per_page=1)
    CommentFactory.create_batch(3, article=article)
    latest = CommentFactory(article=article)
    viewer = UserFactory()

    with CaptureQueriesContext(connection) as queries:
        url = latest.url_for(viewer, article)

    assert url.endswith(f"?cpage=4#c{latest.pk}")
    assert not [query for query in queries if "auth_permission" in query["sql"]]
