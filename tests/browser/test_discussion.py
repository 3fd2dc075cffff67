"""The discussion under an article, in a browser: logging in to comment, moderation,
replying in place (comments/reply.js), and the reply page without JavaScript."""

import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from comments import services
from comments.models import Comment, refresh_comment_count
from tests.blog.factories import ArticleFactory, StaffFactory, UserFactory
from tests.comments.factories import CommentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough password"


def reader(username, first_name, last_name):
    """A local account that may log in: email verification is mandatory."""
    user = UserFactory(
        username=username, first_name=first_name, last_name=last_name, password=PASSWORD
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def approved_comment(article, user, text):
    comment = CommentFactory(article=article, user=user, comment=text)
    refresh_comment_count(article.pk)
    return comment


def log_in(page, user):
    """Fill in allauth's login page, wherever it was reached from (by its fields' names,
    which are allauth's; their labels belong to the site's templates)."""
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    page.locator('input[name="login"]').fill(user.username)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def log_in_and_open(page, live_server, user, article):
    page.goto(f"{live_server.url}/accounts/login/?next={article.get_absolute_url()}")
    log_in(page, user)
    expect(page).to_have_url(live_server.url + article.get_absolute_url())
    # The URL changes before the page's deferred script (reply in place) has run: a Reply
    # clicked in between would follow its link to the reply page.
    page.wait_for_load_state("load")


def comment_box(page):
    return page.get_by_label("Comment", exact=True)


def test_comment_held_approved_and_replied_to_in_place(live_server, page, new_page, screenshot_dir):
    article = ArticleFactory(title="Kaesong liaison office")
    ada = reader("ada", "Ada", "Lovelace")
    minji = reader("minji", "Min-ji", "Park")
    moderator = StaffFactory(username="moderator")

    # (a) An anonymous reader is asked to log in, and comes back to the form.
    page.goto(live_server.url + article.get_absolute_url())
    respond = page.locator("#respond")
    expect(respond.get_by_role("heading", name="Leave a Reply")).to_be_visible()
    expect(respond.get_by_text("Log in to leave a reply.")).to_be_visible()
    expect(page.locator("#commentform")).to_have_count(0)
    respond.get_by_role("link", name="Log in with your Liaison account").click()

    log_in(page, ada)
    expect(page).to_have_url(re.compile(r"#respond$"))
    expect(page.locator(".comment-form__identity")).to_contain_text(
        "You are commenting using your Liaison account."
    )
    comment_box(page).fill("The office was a symbol.\n\nBlowing it up was a message.")
    page.get_by_role("button", name="Post Comment").click()

    first = Comment.objects.get(comment__startswith="The office was a symbol.")
    assert first.is_held
    expect(page).to_have_url(re.compile(rf"#c{first.pk}$"))
    held = page.locator(f"#c{first.pk}")
    expect(held).to_have_class(re.compile(r"\bcomment--held\b"))
    expect(held.locator(".comment__awaiting")).to_have_text("Your comment is awaiting moderation.")
    expect(held.locator(".comment__text")).to_have_text(
        ["The office was a symbol.", "Blowing it up was a message."]
    )

    # (b) A moderator approves it.
    assert services.approve(first, by=moderator)

    # (c) Another reader replies to it in place.
    other = new_page()
    log_in_and_open(other, live_server, minji, article)
    parent = other.locator(f"#c{first.pk}")
    expect(parent.locator(".comment__author")).to_have_text("Ada Lovelace")
    expect(parent.locator(".comment__awaiting")).to_have_count(0)
    parent.get_by_role("link", name="Reply to Ada Lovelace").click()

    # Under the comment's own text and buttons, before its replies.
    expect(other.locator(f"#c{first.pk} > .comment__text ~ #respond")).to_have_count(1)
    expect(other.locator("#cancel-reply")).to_be_visible()
    expect(other.locator("#reply-title")).to_contain_text("Reply to Ada Lovelace")
    expect(other.locator('#commentform input[name="reply_to"]')).to_have_value(str(first.pk))
    # Nothing was loaded: the form moved.
    assert other.url == live_server.url + article.get_absolute_url()
    expect(comment_box(other)).to_be_focused()
    comment_box(other).fill("A message to Seoul, and to Pyongyang.")
    other.get_by_role("button", name="Post Comment").click()

    reply = Comment.objects.get(comment="A message to Seoul, and to Pyongyang.")
    assert reply.is_held
    assert reply.parent_id == first.pk
    expect(other).to_have_url(re.compile(rf"#c{reply.pk}$"))
    expect(other.locator(f"#c{reply.pk} .comment__awaiting")).to_be_visible()
    assert services.approve(reply, by=moderator)

    other.reload()
    nested = other.locator(f"#c{first.pk} > ol.comment-list--children > li#c{reply.pk}")
    expect(nested).to_have_count(1)
    expect(nested.locator(".comment__author")).to_have_text("Min-ji Park")
    expect(nested.locator(".comment__awaiting")).to_have_count(0)
    expect(other.locator("#comments-title")).to_have_text("2 comments")

    other.locator("#comments").scroll_into_view_if_needed()
    screenshot = Path(screenshot_dir) / "discussion.png"
    other.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes().startswith(b"\x89PNG")


def test_cancel_reply_puts_the_form_back(live_server, page):
    article = ArticleFactory()
    ada = reader("ada", "Ada", "Lovelace")
    first = approved_comment(article, reader("minji", "Min-ji", "Park"), "First.")
    log_in_and_open(page, live_server, ada, article)

    respond = page.locator("#respond")
    reply_to = page.locator('#commentform input[name="reply_to"]')
    expect(page.locator("#comments > #respond")).to_have_count(1)
    expect(page.locator("#cancel-reply")).to_be_hidden()
    comment_box(page).fill("Half a thought")

    # From the keyboard: Enter on the focused Reply link.
    reply_link = page.get_by_role("link", name="Reply to Min-ji Park")
    reply_link.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#c{first.pk} > #respond")).to_have_count(1)
    expect(reply_to).to_have_value(str(first.pk))
    expect(comment_box(page)).to_be_focused()
    expect(comment_box(page)).to_have_value("Half a thought")

    page.locator("#cancel-reply").click()
    expect(page.locator("#comments > #respond")).to_have_count(1)
    expect(page.locator(f"#c{first.pk} #respond")).to_have_count(0)
    expect(reply_to).to_have_value("0")
    expect(respond.locator("#reply-title")).to_have_text("Leave a Reply Cancel reply")
    expect(page.locator("#cancel-reply")).to_be_hidden()
    expect(reply_link).to_be_focused()
    expect(comment_box(page)).to_have_value("Half a thought")
    assert page.url == live_server.url + article.get_absolute_url()


def test_reply_link_opens_the_reply_page_without_javascript(live_server, new_page):
    article = ArticleFactory()
    ada = reader("ada", "Ada", "Lovelace")
    first = approved_comment(article, reader("minji", "Min-ji", "Park"), "First.")
    page = new_page(java_script_enabled=False)
    log_in_and_open(page, live_server, ada, article)

    page.get_by_role("link", name="Reply to Min-ji Park").click()
    expect(page).to_have_url(f"{live_server.url}/comments/{first.pk}/reply/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reply to Min-ji Park")
    expect(page.locator('#commentform input[name="reply_to"]')).to_have_value(str(first.pk))
    comment_box(page).fill("Posted from the reply page.")
    page.get_by_role("button", name="Post Comment").click()

    reply = Comment.objects.get(comment="Posted from the reply page.")
    assert reply.parent_id == first.pk
    expect(page).to_have_url(re.compile(rf"{re.escape(article.get_absolute_url())}#c{reply.pk}$"))
    expect(
        page.locator(f"#c{first.pk} > ol.comment-list--children > li#c{reply.pk}")
    ).to_have_count(1)


def test_reply_link_is_not_intercepted_for_a_reader_who_is_not_logged_in(live_server, page):
    article = ArticleFactory()
    first = approved_comment(article, reader("minji", "Min-ji", "Park"), "First.")
    page.goto(live_server.url + article.get_absolute_url())

    page.get_by_role("link", name="Reply to Min-ji Park").click()
    expect(page).to_have_url(f"{live_server.url}/comments/{first.pk}/reply/")
    expect(page.get_by_text("Log in to leave a reply.")).to_be_visible()
    expect(page.get_by_role("link", name="Log in with your Liaison account")).to_have_attribute(
        "href", f"/accounts/login/?next=%2Fcomments%2F{first.pk}%2Freply%2F"
    )
