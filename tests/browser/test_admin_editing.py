import pytest
from playwright.sync_api import expect

from blog.models import Article
from tests.blog.factories import ArticleFactory, SectionFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editor_moves_a_section_up_and_saves(live_server, page):
    StaffFactory(username="editor", password="a long enough password")
    article = ArticleFactory(title="Kaesong")
    for position, heading in enumerate(["Lead", "Leaflets", "Succession"], start=1):
        SectionFactory(article=article, position=position, heading=heading, body=heading)

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/blog/article/{article.pk}/change/")

    succession = page.locator("#sections-group .inline-related.has_original").nth(2)
    succession.get_by_role("button", name="Move up").click()
    expect(page.locator('input[name="sections-2-position"]')).to_have_value("2")
    expect(page.locator('input[name="sections-1-position"]')).to_have_value("3")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    headings = list(
        Article.objects.get(pk=article.pk)
        .sections.order_by("position")
        .values_list("heading", flat=True)
    )
    assert headings == ["Lead", "Succession", "Leaflets"]
