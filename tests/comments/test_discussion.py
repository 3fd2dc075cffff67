"""The discussion under an article: threads, paging, held comments, counts and queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import Comment, refresh_comment_count
from tests.blog.factories import ArticleFactory, UserFactory

from .factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory(title="Kaesong")


def page(client, article, query=""):
    response = client.get(article.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode()


def comment_ids(html):
    return [int(pk) for pk in re.findall(r'<li id="c(\d+)"', html)]


def test_an_article_open_to_comments_shows_leave_a_reply_with_login_choices(client, article):
    html = page(client, article)

    assert "Leave a Reply" in html
    assert "Log in to leave a reply." in html
    assert "Fill in your details below or click an icon to log in:" in html
    assert 'id="commentform"' not in html


def test_a_logged_in_reader_sees_the_form_in_their_account(client, article):
    client.force_login(UserFactory())

    html = page(client, article)

    assert "You are commenting using your Liaison account." in html
    assert "Log Out" in html
    assert "Change" in html
    assert "Notify me of new comments via email" in html
    assert "Post Comment" in html


def test_closed_comments_show_no_form(client):
    article = ArticleFactory(allow_comments=False)
    client.force_login(UserFactory())

    html = page(client, article)

    assert "Comments are closed." in html
    assert 'id="commentform"' not in html


def test_replies_nest_under_their_parents(client, article):
    root = CommentFactory(article=article, comment="Root")
    reply = CommentFactory(article=article, parent=root, comment="Reply")
    CommentFactory(article=article, parent=reply, comment="Reply to reply")

    html = page(client, article)

    root_item = html[html.index(f'id="c{root.pk}"') :]
    assert root_item.index("Reply to reply") > root_item.index("comment-list--children")
    assert html.count('class="comment-list comment-list--children"') == 2


def test_threads_read_oldest_first_with_replies_in_place(client, article):
    first = CommentFactory(article=article)
    second = CommentFactory(article=article)
    reply_to_first = CommentFactory(article=article, parent=first)

    assert comment_ids(page(client, article)) == [first.pk, reply_to_first.pk, second.pk]


def test_top_level_threads_are_paged_with_sub_threads_whole(client, article, monkeypatch):
    from comments import discussion
    from comments.rules import DiscussionRules

    monkeypatch.setattr(discussion, "current_rules", lambda: DiscussionRules(top_level_per_page=2))
    roots = [CommentFactory(article=article) for _ in range(3)]
    replies = [CommentFactory(article=article, parent=roots[1]) for _ in range(3)]

    first_page = comment_ids(page(client, article))
    second_page = comment_ids(page(client, article, "?cpage=2"))

    assert first_page == [roots[0].pk, roots[1].pk, *(reply.pk for reply in replies)]
    assert second_page == [roots[2].pk]


def test_a_held_comment_is_shown_to_its_author_only(client, article):
    author = UserFactory()
    held = CommentFactory(article=article, user=author, is_public=False, comment="Pending text")

    client.force_login(author)
    assert "Your comment is awaiting moderation." in page(client, article)
    client.force_login(UserFactory())
    assert "Pending text" not in page(client, article)
    client.logout()
    assert held.pk not in comment_ids(page(client, article))


def test_a_removed_comment_is_shown_to_nobody(client, article):
    author = UserFactory()
    CommentFactory(article=article, user=author, is_removed=True, comment="Removed text")

    client.force_login(author)

    assert "Removed text" not in page(client, article)


def test_counts_on_home_and_article_are_approved_comments_only(client, article):
    CommentFactory.create_batch(2, article=article)
    CommentFactory(article=article, is_public=False)
    CommentFactory(article=article, is_removed=True)
    refresh_comment_count(article.pk)

    assert "2 comments" in page(client, article)
    assert "2 comments" in client.get("/").content.decode()


def test_the_text_is_escaped_with_paragraphs_and_safe_links(client, article):
    CommentFactory(
        article=article,
        comment="<script>alert(1)</script>\n\nSee https://example.org/report for more.",
    )

    html = page(client, article)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert (
        '<a href="https://example.org/report" rel="nofollow ugc noopener">'
        "https://example.org/report</a>"
    ) in html


def test_comments_show_no_picture_from_anywhere(client, article):
    CommentFactory(article=article, user_name="Kim Yo-jong")

    html = page(client, article)

    discussion = html[html.index('class="comment-list"') : html.index('id="respond"')]
    assert "Kim Yo-jong" in discussion
    assert "<img" not in discussion
    assert "gravatar" not in html.lower()


def test_each_comment_has_a_permalink_anchor_and_a_reply_link(client, article):
    comment = CommentFactory(article=article)

    html = page(client, article)

    assert f'href="#c{comment.pk}"' in html
    assert f'href="/comments/{comment.pk}/reply/"' in html


def test_no_reply_link_at_the_maximum_depth(client, article):
    comment = CommentFactory(article=article)
    for _ in range(4):
        comment = CommentFactory(article=article, parent=comment)

    assert f'href="/comments/{comment.pk}/reply/"' not in page(client, article)


# A reader's reload: the page is built again (from the cached threads), not taken whole from
# the page cache, whose hits cost the same at any number of comments.
PAST_THE_PAGE_CACHE = {"Cache-Control": "no-cache"}


def article_page_queries(client, article, comments):
    roots = [CommentFactory(article=article) for _ in range(comments // 2)]
    for index in range(comments - len(roots)):
        CommentFactory(article=article, parent=roots[index % len(roots)])
    refresh_comment_count(article.pk)
    client.get(article.get_absolute_url())  # warms the per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url(), headers=PAST_THE_PAGE_CACHE)
        assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged in"])
def test_the_article_page_costs_the_same_queries_for_0_10_and_500_comments(client, logged_in):
    if logged_in:
        client.force_login(UserFactory())
    counts = [article_page_queries(client, ArticleFactory(), comments) for comments in (0, 10, 500)]

    # 500 comments are 250 threads, past the first page's 50: the page still costs the same.
    assert counts[0] == counts[1] == counts[2]


def thread_queries(client, article, query=""):
    """The SQL of the queries that list the article page's threads (past the page cache)."""
    refresh_comment_count(article.pk)
    url = article.get_absolute_url() + query
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=PAST_THE_PAGE_CACHE)
    listing = [q["sql"] for q in queries if '"level" = 0' in q["sql"]]
    return response.content.decode(), listing


def test_the_listed_threads_are_read_once_for_the_content_version(client, article):
    for _ in range(3):
        CommentFactory(article=article)
    assert len(thread_queries(client, article)[1]) == 1

    html, listing = thread_queries(client, article)

    assert listing == []
    assert len(comment_ids(html)) == 3


# Committed, as the site does: the content version moves once per transaction.
@pytest.mark.django_db(transaction=True)
def test_a_new_comment_lists_its_thread_at_once(client, article):
    CommentFactory(article=article)
    thread_queries(client, article)

    new = CommentFactory(article=article)

    assert new.pk in comment_ids(thread_queries(client, article)[0])


@pytest.mark.parametrize("threads", [50, 51])
def test_a_second_page_of_threads_is_linked_only_when_there_is_one(client, article, threads):
    for _ in range(threads):
        CommentFactory(article=article)

    html, _ = thread_queries(client, article)

    assert ("cpage=2" in html) is (threads > 50)


def test_a_second_page_of_threads_costs_no_more_queries(client, article):
    article_page_queries(client, article, 120)
    first = article_page_queries(client, article, 0)
    client.get(article.get_absolute_url() + "?cpage=2")  # its threads into the cache
    with CaptureQueriesContext(connection) as queries:
        client.get(article.get_absolute_url() + "?cpage=2", headers=PAST_THE_PAGE_CACHE)

    assert len(queries) == first


def test_comment_count_ignores_other_articles(client, article):
    CommentFactory(article=ArticleFactory())
    refresh_comment_count(article.pk)

    assert Comment.objects.for_article(article).count() == 0
    assert "0 comments" not in page(client, article)
