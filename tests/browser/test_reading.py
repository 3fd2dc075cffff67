import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from blog.seed import load_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_follows_a_motive_from_the_seed_article(live_server, page, screenshot_dir):
    load_all()

    page.goto(live_server.url + "/")
    page.get_by_role(
        "link", name="North Korea blows up the liaison office with South Korea"
    ).click()

    expect(page).to_have_url(
        re.compile(r"/2020/06/17/north-korea-blows-up-the-liaison-office-with-south-korea/$")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "North Korea blows up the liaison office with South Korea"
    )
    screenshot = Path(screenshot_dir) / "screenshot.png"
    page.screenshot(path=str(screenshot), full_page=False)
    assert screenshot.read_bytes().startswith(b"\x89PNG")

    page.locator("#kim-yo-jongs-standing-as-successor").get_by_role(
        "link", name="Succession"
    ).click()

    expect(page).to_have_url(re.compile(r"/motives/succession/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Succession")
    section_link = page.get_by_role("link", name="Kim Yo-jong’s standing as successor")
    expect(section_link).to_be_visible()

    section_link.click()

    expect(page).to_have_url(re.compile(r"#kim-yo-jongs-standing-as-successor$"))
    expect(page.locator("#kim-yo-jongs-standing-as-successor")).to_be_in_viewport()
