"""Absolute links from one place (blog/links.py): SITE_DOMAIN when it is set, else the host
the request came to, port included; in feeds, the sitemap, canonical links and JSON-LD."""

import json
import re
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.core.checks import run_checks
from django.test import RequestFactory

from blog.links import absolute_url

from .factories import ArticleFactory, ImageFactory, MotiveFactory, SectionFactory

# A development server on another port than 80, reached without SITE_DOMAIN.
HOST = "127.0.0.1:8001"


@pytest.fixture
def no_site_domain(settings):
    settings.SITE_DOMAIN = ""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]


@pytest.fixture
def article(db):
    article = ArticleFactory(featured_image=ImageFactory())
    SectionFactory(article=article, motives=[MotiveFactory(slug="succession")])
    return article


def test_absolute_url_names_site_domain_when_set(settings):
    settings.SITE_DOMAIN = "example.org"
    request = RequestFactory().get("/", HTTP_HOST="testserver")

    assert absolute_url("/feed/", request) == "http://example.org/feed/"


def test_absolute_url_names_the_requests_host_and_port_without_site_domain(no_site_domain):
    request = RequestFactory().get("/", HTTP_HOST=HOST)

    assert absolute_url("/feed/", request) == f"http://{HOST}/feed/"


def test_absolute_url_is_https_when_the_site_says_so(settings):
    settings.SITE_DOMAIN = "example.org"
    settings.HTTPS = True

    assert absolute_url("/feed/") == "https://example.org/feed/"


def test_absolute_url_is_https_when_the_request_is_secure(no_site_domain):
    request = RequestFactory().get("/", HTTP_HOST=HOST, secure=True)

    assert absolute_url("/feed/", request) == f"https://{HOST}/feed/"


def test_absolute_url_leaves_a_whole_url_as_it_is(settings):
    settings.SITE_DOMAIN = "example.org"

    assert absolute_url("https://media.example.net/a.png") == "https://media.example.net/a.png"
    assert absolute_url("//cdn.example.net/a.png") == "http://cdn.example.net/a.png"


def test_absolute_url_percent_encodes_a_unicode_path(settings):
    settings.SITE_DOMAIN = "example.org"

    assert absolute_url("/2020/06/17/개성/") == "http://example.org/2020/06/17/%EA%B0%9C%EC%84%B1/"


def test_absolute_url_without_domain_or_request_guesses_from_allowed_hosts(settings):
    settings.SITE_DOMAIN = ""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [".example.org", "liaison.example.org"]

    assert absolute_url("/") == "http://liaison.example.org/"


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/"])
def test_feed_links_name_the_requests_host_without_site_domain(
    client, article, no_site_domain, url
):
    feed = feedparser.parse(client.get(url, HTTP_HOST=HOST).content)

    links = [feed.feed.link, feed.entries[0].link, feed.entries[0].enclosures[0].href]
    assert links == [
        f"http://{HOST}/",
        f"http://{HOST}{article.get_absolute_url()}",
        f"http://{HOST}{article.featured_image.file.url}",
    ]


def test_feed_links_name_site_domain_when_set(client, article, settings):
    settings.SITE_DOMAIN = "example.org"

    feed = feedparser.parse(client.get("/feed/").content)

    assert feed.feed.link == "http://example.org/"
    assert feed.entries[0].link == f"http://example.org{article.get_absolute_url()}"
    assert feed.entries[0].enclosures[0].href.startswith("http://example.org/media/")


def test_atom_feed_names_its_own_address_on_the_requests_host(client, article, no_site_domain):
    content = client.get("/feed/atom/", HTTP_HOST=HOST).content.decode()

    assert f'<link href="http://{HOST}/feed/atom/" rel="self"/>' in content


def test_tag_feed_links_the_tags_page(client, article, settings):
    settings.SITE_DOMAIN = "example.org"

    feed = feedparser.parse(client.get("/motives/succession/feed/").content)

    assert feed.feed.link == "http://example.org/motives/succession/"


def sitemap_locations(client, **headers):
    root = ET.fromstring(client.get("/sitemap.xml", **headers).content)
    return {loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}


def test_sitemap_names_the_requests_host_without_site_domain(client, article, no_site_domain):
    locations = sitemap_locations(client, HTTP_HOST=HOST)

    assert f"http://{HOST}{article.get_absolute_url()}" in locations
    assert all(location.startswith(f"http://{HOST}/") for location in locations)


def test_sitemap_names_site_domain_when_set(client, article, settings):
    settings.SITE_DOMAIN = "example.org"

    locations = sitemap_locations(client)

    assert "http://example.org/" in locations
    assert all(location.startswith("http://example.org/") for location in locations)


def test_robots_txt_names_the_sitemap_on_site_domain(client, db, settings):
    settings.SITE_DOMAIN = "example.org"

    assert b"Sitemap: http://example.org/sitemap.xml" in client.get("/robots.txt").content


def test_canonical_link_and_json_ld_name_site_domain_when_set(client, article, settings):
    settings.SITE_DOMAIN = "example.org"

    page = client.get(article.get_absolute_url()).content.decode()

    url = f"http://example.org{article.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in page
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', page).group(1))
    assert data["url"] == url
    assert data["image"]["url"].startswith("http://example.org/media/")


def test_canonical_link_names_the_requests_host_without_site_domain(
    client, article, no_site_domain
):
    page = client.get(article.get_absolute_url(), HTTP_HOST=HOST).content.decode()

    assert f'<link rel="canonical" href="http://{HOST}{article.get_absolute_url()}">' in page


def site_domain_warnings():
    return [message for message in run_checks() if message.id == "liaison.W001"]


def test_check_warns_without_site_domain_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.SITE_DOMAIN = ""

    assert len(site_domain_warnings()) == 1


def test_check_is_quiet_with_site_domain_or_in_development(settings):
    settings.DEBUG = False
    settings.SITE_DOMAIN = "example.org"
    with_domain = site_domain_warnings()
    settings.DEBUG = True
    settings.SITE_DOMAIN = ""

    assert (with_domain, site_domain_warnings()) == ([], [])
