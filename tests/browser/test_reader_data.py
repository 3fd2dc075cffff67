"""A reader's data in their own hands, in a browser: the download from the account menu, then
the erasure with the password, after which their comment is signed "A former reader"."""

import json

import pytest
from playwright.sync_api import expect

from comments.rules import FORMER_READER
from tests.blog.factories import ArticleFactory

from .test_discussion import PASSWORD, approved_comment, log_in, reader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reader_downloads_their_data_then_erases_their_account(live_server, page, tmp_path):
    article = ArticleFactory(title="Kaesong liaison office")
    hortensia = reader("hortensia", "Hortensia", "Quillfeather")
    approved_comment(article, hortensia, "The leaflets were only the pretext.")

    page.goto(f"{live_server.url}/accounts/login/?next=/accounts/email/")
    log_in(page, hortensia)
    page.get_by_role("navigation", name="Your account").get_by_role(
        "link", name="Your data"
    ).click()
    expect(page.get_by_role("heading", name="Your data", level=1)).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download your data").click()
    download = download_info.value
    assert download.suggested_filename.startswith("liaison-data-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = json.loads(saved.read_text())
    assert data["account"]["username"] == "hortensia"
    assert [c["text"] for c in data["comments"]] == ["The leaflets were only the pretext."]

    page.get_by_role("link", name="Erase your account…").click()
    expect(page.get_by_text(f"signed “{FORMER_READER}”")).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Erase my account").click()
    expect(page.get_by_role("heading", name="Your account was erased")).to_be_visible()

    page.goto(live_server.url + article.get_absolute_url())
    comment = page.locator(".comment").filter(has_text="The leaflets were only the pretext.")
    expect(comment.locator(".comment__author")).to_have_text(FORMER_READER)
    expect(page.get_by_text("Hortensia")).to_have_count(0)
    # Logged out: the form asks to log in.
    expect(page.get_by_text("Log in to leave a reply.")).to_be_visible()
