"""Discuss this motive, in a browser: with JavaScript the Leave a Reply form moves under
the section (comments/reply.js); without it the link opens the section's own page. And a
motive's discussion, the article's comments filtered by `?motive=`, as a screenshot."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment, refresh_comment_count
from tests.blog.factories import ArticleFactory, MotiveFactory, SectionFactory
from tests.comments.factories import CommentFactory

from .test_discussion import comment_box, log_in_and_open, reader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def article_with_motives():
    leaflets = MotiveFactory(name="Propaganda leaflets", slug="leaflets")
    succession = MotiveFactory(name="Succession", slug="succession")
    article = ArticleFactory(title="North Korea blows up the liaison office")
    SectionFactory(
        article=article,
        position=1,
        kind="lead",
        heading="",
        body="Pyongyang demolished the joint liaison office in Kaesong on 16 June 2020.",
    )
    SectionFactory(
        article=article,
        position=2,
        kind="motive",
        heading="The leaflets",
        body="Defectors' groups sent balloons with leaflets across the border.",
        motives=[leaflets],
    )
    SectionFactory(
        article=article,
        position=3,
        kind="motive",
        heading="Kim Yo-jong's standing",
        body="The statement came in her name, not her brother's.",
        motives=[succession],
    )
    return article


def test_discuss_this_motive_moves_the_form_under_the_section(live_server, page):
    article = article_with_motives()
    section = article.sections.get(heading="The leaflets")
    log_in_and_open(page, live_server, reader("ada", "Ada", "Lovelace"), article)

    page.get_by_role("link", name="Discuss this motive: The leaflets").click()

    # Under the section's own text, in the section: nothing was loaded, the form moved.
    expect(page.locator("#the-leaflets > .section__discussion + #respond")).to_have_count(1)
    expect(page.locator("#reply-title")).to_contain_text("Discuss “The leaflets”")
    expect(page.locator("#cancel-reply")).to_be_visible()
    expect(page.locator('#commentform input[name="section"]')).to_have_value(str(section.pk))
    expect(page.locator('#commentform input[name="reply_to"]')).to_have_value("0")
    assert page.url == live_server.url + article.get_absolute_url()
    expect(comment_box(page)).to_be_focused()
    comment_box(page).fill("The leaflets were the pretext, not the cause.")
    page.get_by_role("button", name="Post Comment").click()

    comment = Comment.objects.get(comment="The leaflets were the pretext, not the cause.")
    assert comment.section == section
    expect(page).to_have_url(re.compile(rf"#c{comment.pk}$"))


def test_cancel_takes_the_section_off_the_form(live_server, page):
    article = article_with_motives()
    log_in_and_open(page, live_server, reader("ada", "Ada", "Lovelace"), article)
    page.get_by_role("link", name="Discuss this motive: The leaflets").click()

    page.locator("#cancel-reply").click()

    expect(page.locator("#comments > #respond")).to_have_count(1)
    expect(page.locator('#commentform input[name="section"]')).to_have_value("")
    comment_box(page).fill("About the whole article.")
    page.get_by_role("button", name="Post Comment").click()
    expect(page).to_have_url(re.compile(r"#c\d+$"))
    assert Comment.objects.get(comment="About the whole article.").section is None


def test_discuss_this_motive_opens_the_sections_page_without_javascript(live_server, new_page):
    article = article_with_motives()
    section = article.sections.get(heading="The leaflets")
    page = new_page(java_script_enabled=False)
    log_in_and_open(page, live_server, reader("ada", "Ada", "Lovelace"), article)

    page.get_by_role("link", name="Discuss this motive: The leaflets").click()

    expect(page).to_have_url(f"{live_server.url}/comments/section/{section.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Discuss “The leaflets”")
    expect(page.locator('#commentform input[name="section"]')).to_have_value(str(section.pk))
    comment_box(page).fill("Posted from the section's page.")
    page.get_by_role("button", name="Post Comment").click()

    comment = Comment.objects.get(comment="Posted from the section's page.")
    assert comment.section == section
    expect(page).to_have_url(re.compile(rf"{re.escape(article.get_absolute_url())}#c{comment.pk}$"))


def test_a_motives_discussion(live_server, page, screenshot_dir):
    article = article_with_motives()
    leaflets = article.sections.get(heading="The leaflets")
    standing = article.sections.get(heading="Kim Yo-jong's standing")
    ada = reader("ada", "Ada", "Lovelace")
    minji = reader("minji", "Min-ji", "Park")
    start = timezone.now() - timedelta(days=1)
    first = CommentFactory(
        article=article,
        user=ada,
        section=leaflets,
        submit_date=start,
        comment="The balloons had flown for years. Why answer them now, and with explosives?",
    )
    CommentFactory(
        article=article,
        user=minji,
        parent=first,
        submit_date=start + timedelta(hours=1),
        comment="Because the leaflets reached an audience at home, not in the South.",
    )
    CommentFactory(
        article=article,
        user=minji,
        section=standing,
        submit_date=start + timedelta(hours=2),
        comment="Her name on the statement is the story.",
    )
    CommentFactory(
        article=article,
        user=ada,
        section=leaflets,
        submit_date=start + timedelta(hours=3),
        comment="Seoul's ban on leaflet launches came six months later.",
    )
    refresh_comment_count(article.pk)

    page.goto(f"{live_server.url}{article.get_absolute_url()}?motive=leaflets#comments")

    expect(page.locator("#comments-title")).to_have_text(
        "3 comments on the motive “Propaganda leaflets”"
    )
    expect(page.locator("#comments li.comment")).to_have_count(3)
    expect(page.get_by_text("Her name on the statement is the story.")).to_have_count(0)
    expect(page.locator("#the-leaflets .section__comments")).to_contain_text("3 comments")
    page.locator("#comments").scroll_into_view_if_needed()
    screenshot = Path(screenshot_dir) / "motive-discussion.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes().startswith(b"\x89PNG")
