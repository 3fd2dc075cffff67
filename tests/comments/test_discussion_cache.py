"""Threads are rendered once for each kind of viewer and cached: no viewer is ever shown
another viewer's controls or held comments, whoever asked first."""

import re

import pytest
from django.test import Client

from tests.blog.factories import ArticleFactory, UserFactory

from .factories import CommentFactory

pytestmark = pytest.mark.django_db

# Past the page cache, so that every request builds its page from the thread fragments.
RENDERED = {"Cache-Control": "no-cache"}


@pytest.fixture
def article():
    return ArticleFactory()


def page_for(user, article):
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(article.get_absolute_url(), headers=RENDERED)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('id="comments"') : html.index('id="respond"')]


def buttons(html, kind):
    return re.findall(rf'class="comment__{kind}"[^>]*formaction="/comments/(\d+)/', html)


def test_a_thread_opened_by_a_readers_held_comment_is_listed_for_them_after_others(article):
    author, other = UserFactory(), UserFactory()
    CommentFactory(article=article, comment="Seen by all.")
    CommentFactory(article=article, user=author, held=True, comment="My own thread, held.")
    # Others list the threads first: the list every reader shares is cached without it.
    assert "My own thread, held." not in page_for(None, article)
    assert "My own thread, held." not in page_for(other, article)

    as_author = page_for(author, article)

    assert "My own thread, held." in as_author
    assert "Seen by all." in as_author
    assert "My own thread, held." not in page_for(other, article)


def test_held_threads_are_listed_for_a_moderator_after_readers_listed_the_threads(
    article, moderator
):
    CommentFactory(article=article, held=True, comment="Held for a moderator.")
    assert "Held for a moderator." not in page_for(None, article)
    assert "Held for a moderator." not in page_for(UserFactory(), article)

    assert "Held for a moderator." in page_for(moderator, article)
    assert "Held for a moderator." not in page_for(None, article)


def test_a_readers_held_comment_is_never_shown_to_another_reader(article):
    author, other = UserFactory(), UserFactory()
    root = CommentFactory(article=article)
    CommentFactory(article=article, parent=root, user=author, held=True, comment="Mine, held.")

    as_author = page_for(author, article)
    as_other = page_for(other, article)
    as_anonymous = page_for(None, article)

    assert "Mine, held." in as_author
    assert "Your comment is awaiting moderation." in as_author
    for html in (as_other, as_anonymous):
        assert "Mine, held." not in html
        assert "awaiting moderation" not in html


def test_a_reader_never_gets_a_report_button_for_their_own_comment(article):
    author, other = UserFactory(), UserFactory()
    own = CommentFactory(article=article, user=author)

    # Another reader renders (and caches) the thread first, with a Report button on it.
    assert buttons(page_for(other, article), "report") == [str(own.pk)]

    assert buttons(page_for(author, article), "report") == []


def test_readers_not_logged_in_get_no_report_button_after_a_reader(article):
    CommentFactory(article=article)
    assert buttons(page_for(UserFactory(), article), "report")

    assert buttons(page_for(None, article), "report") == []


def test_moderators_buttons_and_held_comments_stay_with_moderators(article, moderator):
    held = CommentFactory(article=article, held=True, comment="Held for a moderator.")
    public = CommentFactory(article=article)

    as_moderator = page_for(moderator, article)
    as_reader = page_for(UserFactory(), article)
    as_anonymous = page_for(None, article)

    assert set(buttons(as_moderator, "moderate")) == {str(held.pk), str(public.pk)}
    assert "Held for a moderator." in as_moderator
    for html in (as_reader, as_anonymous):
        assert buttons(html, "moderate") == []
        assert "Held for a moderator." not in html


def test_a_reader_gets_no_moderator_buttons_after_a_moderator_rendered_the_thread(
    article, moderator
):
    CommentFactory(article=article)
    assert buttons(page_for(moderator, article), "moderate")

    html = page_for(UserFactory(), article)

    assert buttons(html, "moderate") == []
    assert buttons(html, "report")


def test_the_buttons_post_through_one_form_with_the_viewers_own_token(article):
    CommentFactory(article=article)
    client = Client()
    client.force_login(UserFactory())

    response = client.get(article.get_absolute_url())

    html = response.content.decode()
    assert html.count('<form id="comment-actions" method="post" hidden>') == 1
    assert 'form="comment-actions"' in html
    # The thread's cached HTML holds no token: the one in the page is this reader's own.
    assert html.count('name="csrfmiddlewaretoken"') == html.count("<form") - html.count(
        'method="get"'
    )


def test_a_report_through_the_shared_form_is_recorded(article):
    comment = CommentFactory(article=article)
    client = Client(enforce_csrf_checks=True)
    reader = UserFactory()
    client.force_login(reader)
    html = client.get(article.get_absolute_url()).content.decode()
    token = re.search(
        r'id="comment-actions"[^>]*>.*?name="csrfmiddlewaretoken" value="([^"]+)"', html, re.S
    ).group(1)

    response = client.post(f"/comments/{comment.pk}/report/", {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert comment.reports.filter(reporter=reader).exists()


def test_author_names_and_texts_are_isolated_for_bidirectional_text(article):
    CommentFactory(article=article, user_name="\u202eevil", comment="\u202etext")

    html = page_for(None, article)

    assert '<bdi class="comment__author">\u202eevil</bdi>' in html
    assert '<p class="comment__text" dir="auto">\u202etext</p>' in html
