"""axe-core, in Chromium, on the article with 200 comments: no violation, logged out or in.

axe-playwright-python ships axe-core itself: nothing is fetched.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client

from comments.models import refresh_comment_count
from tests.blog.factories import UserFactory, article_with_sections
from tests.comments.factories import CommentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = [
    "I think the leaflet campaign was only a pretext.",
    "Honestly, the demolition was planned well in advance.\n\nTime will tell.",
    "Kim Yo-jong is clearly being positioned as a successor.",
]


def discussion_of_200(article):
    """Threads of 5: a comment, a reply, a reply to that, a reply to that, a second reply."""
    for thread in range(40):
        root = CommentFactory(article=article, comment=TEXTS[thread % 3])
        first = CommentFactory(article=article, parent=root, comment=TEXTS[(thread + 1) % 3])
        second = CommentFactory(article=article, parent=first, comment=TEXTS[(thread + 2) % 3])
        CommentFactory(article=article, parent=second, comment=TEXTS[thread % 3])
        CommentFactory(article=article, parent=root, comment=TEXTS[(thread + 1) % 3])
    refresh_comment_count(article.pk)


def violations(page):
    results = Axe().run(page)
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)"
        for violation in results.response["violations"]
    ]


def logged_in_page(new_page, live_server):
    """A page whose browser holds a reader's session, as after logging in."""
    client = Client()
    client.force_login(UserFactory())
    page = new_page()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


@pytest.fixture
def article():
    article = article_with_sections(sections=4)
    discussion_of_200(article)
    return article


def test_the_article_with_200_comments_has_no_violation_logged_out(new_page, live_server, article):
    page = new_page()
    page.goto(live_server.url + article.get_absolute_url())

    assert page.locator("li.comment").count() == 200
    assert violations(page) == []


def test_the_article_with_200_comments_has_no_violation_logged_in(new_page, live_server, article):
    page = logged_in_page(new_page, live_server)
    page.goto(live_server.url + article.get_absolute_url())

    assert page.locator(".comment__report").count() == 200
    assert violations(page) == []


def test_reply_and_report_are_at_least_24_pixels_tall(new_page, live_server, article):
    page = logged_in_page(new_page, live_server)
    page.goto(live_server.url + article.get_absolute_url())

    for selector in (".comment__reply", ".comment__report"):
        box = page.locator(selector).first.bounding_box()
        assert box["height"] >= 24
        assert box["width"] >= 24


def test_reduced_motion_turns_smooth_scrolling_off(new_page, live_server, article):
    page = new_page(reduced_motion="reduce")
    page.goto(live_server.url + article.get_absolute_url())

    behaviour = page.evaluate("getComputedStyle(document.documentElement).scrollBehavior")

    assert behaviour == "auto"
