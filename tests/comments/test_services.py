"""The services: posting as one function with an outcome, and one table of decisions
from which the admin, the article page and the moderate view all take theirs."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser

from comments import services
from comments.admin import CommentAdmin
from comments.models import Comment, Commenter
from tests.blog.factories import ArticleFactory, UserFactory

from .factories import CommentFactory
from .test_posting import form_data

pytestmark = pytest.mark.django_db


def test_posting_without_an_account_asks_for_a_login():
    article = ArticleFactory()

    outcome = services.post_comment(article, AnonymousUser(), form_data(article), "192.0.2.1")

    assert outcome.result is services.Result.LOGIN_REQUIRED
    assert not Comment.objects.exists()


def test_a_held_comment_is_posted_with_a_message_for_its_author():
    article = ArticleFactory()

    outcome = services.post_comment(article, UserFactory(), form_data(article), "192.0.2.1")

    assert outcome.result is services.Result.POSTED
    assert outcome.comment.is_held
    assert outcome.comment.ip_address == "192.0.2.1"
    assert outcome.message == services.AWAITING_MODERATION


def test_the_same_form_posted_again_answers_the_first_comment():
    article, reader = ArticleFactory(), UserFactory()
    data = form_data(article)
    first = services.post_comment(article, reader, data, "192.0.2.1")

    again = services.post_comment(article, reader, data, "192.0.2.1")

    assert again.result is services.Result.ALREADY_POSTED
    assert again.comment == first.comment
    assert Comment.objects.count() == 1


def test_a_refusal_keeps_the_form_with_the_readers_text():
    article = ArticleFactory(allow_comments=False)

    outcome = services.post_comment(
        article, UserFactory(), form_data(article, text="Kept."), "192.0.2.1"
    )

    assert outcome.result is services.Result.REFUSED
    assert outcome.status == 403
    assert outcome.form["comment"].value() == "Kept."


def test_every_decision_in_the_table_is_an_admin_action():
    actions = [action.__name__ for action in CommentAdmin(Comment, admin.site).actions]

    assert actions == [decision.admin_action for decision in services.DECISIONS.values()]
    assert actions == [
        "approve_comments",
        "unapprove_comments",
        "spam_comments",
        "remove_comments",
        "restore_comments",
        "ban_authors",
        "trust_authors",
    ]


@pytest.mark.parametrize(
    ("state", "offered"),
    [({"held": True}, ["approve", "spam", "remove"]), ({}, ["unapprove", "spam", "remove"])],
)
def test_the_article_page_offers_the_tables_decisions_for_the_state(
    client, moderator, state, offered
):
    comment = CommentFactory(**state)
    client.force_login(moderator)

    page = client.get(comment.url_for(moderator)).content.decode()

    form = page[page.index(f'action="/comments/{comment.pk}/moderate/"') :]
    form = form[: form.index("</form>")]
    assert re.findall(r'name="action" value="(\w+)"', form) == offered
    assert offered == [decision.name for decision in services.decisions_for(comment)]


def test_the_moderate_view_takes_a_decision_about_the_author(client, moderator):
    comment = CommentFactory()
    client.force_login(moderator)

    client.post(f"/comments/{comment.pk}/moderate/", {"action": "ban"})

    assert Commenter.standing_of(comment.user) == Commenter.Standing.BANNED
