"""The moderator's queue in a browser: a moderator logs in to the admin, approves one
pending comment and marks two others as spam in bulk; a visitor then sees only the
approved one under the article."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from comments.groups import MODERATORS
from comments.models import Comment, ModerationEvent
from tests.blog.factories import ArticleFactory, UserFactory
from tests.comments.factories import CommentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough password"


def apply_action(page, comments, action):
    for comment in comments:
        page.locator(f'input[name="_selected_action"][value="{comment.pk}"]').check()
    page.locator('select[name="action"]').select_option(label=action)
    page.get_by_role("button", name="Go").click()


def test_a_moderator_approves_one_comment_and_sends_two_to_spam_from_the_queue(
    live_server, page, new_page
):
    article = ArticleFactory(title="Kaesong liaison office")
    moderator = UserFactory(username="moderator", is_staff=True, password=PASSWORD)
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    kept = CommentFactory(article=article, held=True, comment="The office was a symbol.")
    junk = [
        CommentFactory(article=article, held=True, comment="Cheap watches here."),
        CommentFactory(article=article, held=True, comment="Win the casino jackpot."),
    ]

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("moderator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The admin index counts the pending comments and links to them.
    page.get_by_role("link", name="3 comments await moderation").click()
    expect(page.locator("#changelist-filter")).to_contain_text("Pending (3)")
    expect(page.locator("#result_list tbody tr")).to_have_count(3)

    apply_action(page, [kept], "Approve selected comments")
    expect(page.locator(".messagelist")).to_have_text("1 comment approved.")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)

    apply_action(page, junk, "Mark selected comments as spam")
    expect(page.locator(".messagelist")).to_have_text("2 comments marked as spam.")
    expect(page.locator("#changelist-filter")).to_contain_text("Spam (2)")
    expect(page.locator("#changelist-filter")).to_contain_text("Pending (0)")

    assert [Comment.objects.get(pk=c.pk).state for c in [kept, *junk]] == [
        "approved",
        "spam",
        "spam",
    ]
    assert set(ModerationEvent.objects.values_list("comment", "actor", "action")) == {
        (kept.pk, moderator.pk, "approve"),
        *((comment.pk, moderator.pk, "spam") for comment in junk),
    }

    # An anonymous visitor, in a browser context of their own.
    visitor_page = new_page()
    visitor_page.goto(live_server.url + article.get_absolute_url())
    expect(visitor_page.locator(f"#c{kept.pk} .comment__text")).to_have_text(
        "The office was a symbol."
    )
    expect(visitor_page.locator("#comments-title")).to_have_text("1 comment")
    for comment in junk:
        expect(visitor_page.locator(f"#c{comment.pk}")).to_have_count(0)
        expect(visitor_page.get_by_text(comment.comment)).to_have_count(0)
