"""An author edits their own comment within the editor's window and deletes it, in a browser
with JavaScript off: the Edit and Delete controls are links to pages of their own."""

import re

import pytest
from playwright.sync_api import expect

from comments.models import Comment, CommentRevision, DiscussionSettings
from tests.blog.factories import ArticleFactory

from .test_discussion import comment_box, log_in_and_open, reader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_author_posts_edits_within_the_window_and_deletes_their_comment(live_server, new_page):
    settings_row = DiscussionSettings.load()
    settings_row.manual_approval = False
    settings_row.save()
    article = ArticleFactory(title="Kaesong liaison office")
    ada = reader("ada", "Ada", "Lovelace")
    page = new_page(java_script_enabled=False)
    log_in_and_open(page, live_server, ada, article)

    # Posted, and public at once.
    comment_box(page).fill("The office was a symbol.")
    page.get_by_role("button", name="Post Comment").click()
    comment = Comment.objects.get(comment="The office was a symbol.")
    assert comment.is_public
    expect(page).to_have_url(re.compile(rf"#c{comment.pk}$"))
    item = page.locator(f"#c{comment.pk}")
    expect(item.locator(".comment__edited")).to_have_count(0)

    # Edited on its own page, at once: the flood rule limits new comments, not edits.
    item.get_by_role("link", name="Edit your comment").click()
    expect(page).to_have_url(f"{live_server.url}/comments/{comment.pk}/edit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit your comment")
    expect(page.locator(".edit-page__deadline")).to_contain_text("You can edit this comment until")
    expect(comment_box(page)).to_have_value("The office was a symbol.")
    comment_box(page).fill("The office was a symbol, and a hostage.")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(rf"{re.escape(article.get_absolute_url())}#c{comment.pk}$"))
    expect(item.locator(".comment__text")).to_have_text("The office was a symbol, and a hostage.")
    expect(item.locator(".comment__edited")).to_contain_text(re.compile(r"^edited \d+ \w+ \d{4}"))
    assert list(CommentRevision.objects.values_list("previous_text", flat=True)) == [
        "The office was a symbol."
    ]

    # Deleted, after a question: without replies, it goes.
    item.get_by_role("link", name="Delete your comment").click()
    expect(page).to_have_url(f"{live_server.url}/comments/{comment.pk}/delete/")
    expect(page.get_by_text("It will be deleted for good.")).to_be_visible()
    page.get_by_role("button", name="Delete").click()

    expect(page).to_have_url(re.compile(rf"{re.escape(article.get_absolute_url())}#comments$"))
    expect(page.get_by_text("Your comment was deleted.")).to_be_visible()
    expect(page.locator(f"#c{comment.pk}")).to_have_count(0)
    assert not Comment.objects.filter(pk=comment.pk).exists()
