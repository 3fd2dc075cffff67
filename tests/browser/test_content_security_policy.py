"""Pages under the site's strict Content-Security-Policy (no 'unsafe-inline'), in a real
browser: every violation the browser reports, as a `securitypolicyviolation` event or a
console message, is collected and must not happen."""

import pytest
from playwright.sync_api import expect

from blog.models import Article
from tests.blog.factories import (
    ArticleFactory,
    ImageFactory,
    SectionFactory,
    StaffFactory,
    article_with_sections,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def violations(page):
    """What the browser refused under the policy, on every page `page` opens."""
    seen = []

    def report(text):
        seen.append(text)

    def note_console(message):
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    page.expose_function("reportViolation", report)
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", note_console)
    return seen


def test_editor_adds_a_section_in_the_admin_without_a_violation(live_server, page, violations):
    StaffFactory(username="editor", password="a long enough password")
    article = ArticleFactory(title="Kaesong")
    SectionFactory(article=article, position=1, heading="Lead", body="The lead.")
    ImageFactory()

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/blog/article/{article.pk}/change/")
    page.get_by_role("button", name="Add another Section").click()
    added = page.locator("#sections-group .inline-related.last-related:not(.empty-form)").last
    added.locator('input[name$="-position"]').fill("2")
    added.locator('input[name$="-heading"]').fill("Succession")
    added.locator('textarea[name$="-body"]').fill("Who comes after.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.get_by_label("Title:").fill("Kaesong, again")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    # The pages around it: history with two revisions to compare, lists with and without
    # actions, the image library's previews, the index with its queue.
    for address in [
        f"/admin/blog/article/{article.pk}/history/",
        "/admin/blog/article/",
        "/admin/blog/image/",
        "/admin/comments/moderationevent/",
        "/admin/",
    ]:
        page.goto(live_server.url + address)

    assert violations == []
    assert list(article.sections.order_by("position").values_list("heading", flat=True)) == [
        "Lead",
        "Succession",
    ]
    assert Article.objects.get(pk=article.pk).title == "Kaesong, again"


def test_article_and_login_pages_run_without_a_violation(live_server, page, violations):
    article = article_with_sections(sections=2)

    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("button", name="Sign In")).to_be_visible()

    assert violations == []
