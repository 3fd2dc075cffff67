"""The security headers every page carries, walked over each kind of public address."""

import re

import pytest
from csp.constants import HEADER as CSP_HEADER
from django.urls import reverse

from tests.accounts.factories import PASSWORD, ReaderFactory
from tests.blog.factories import MotiveFactory, article_with_sections
from tests.comments.factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_addresses():
    motive = MotiveFactory()
    article = article_with_sections(sections=2, motives=[motive])
    topic = article.topics.get()
    comment = CommentFactory(article=article)
    year, month = article.published_at.year, article.published_at.month
    return [
        "/",
        article.get_absolute_url(),
        f"{article.get_absolute_url()}feed/",
        reverse("blog:motive_index"),
        motive.get_absolute_url(),
        topic.get_absolute_url(),
        reverse("blog:search") + "?q=article",
        reverse("blog:archive"),
        reverse("blog:archive_year", kwargs={"year": f"{year:04d}"}),
        reverse("blog:archive_month", kwargs={"year": f"{year:04d}", "month": f"{month:02d}"}),
        reverse("blog:feed"),
        reverse("blog:atom_feed"),
        reverse("blog:motive_feed", args=[motive.slug]),
        reverse("blog:topic_feed", args=[topic.slug]),
        reverse("comments:feed"),
        reverse("comments:reply", args=[comment.pk]),
        "/sitemap.xml",
        "/robots.txt",
        reverse("account_login"),
        reverse("account_signup"),
        reverse("healthz"),
        "/no/such/page/",
        reverse("admin:login"),
    ]


def test_every_public_address_sends_the_security_headers(client, public_addresses):
    for address in public_addresses:
        response = client.get(address)

        assert response.status_code in {200, 404}, address
        policy = response[CSP_HEADER]
        assert "default-src 'self'" in policy, address
        assert "unsafe-inline" not in policy, address
        assert "unsafe-eval" not in policy, address
        assert "frame-ancestors 'none'" in policy, address
        assert "object-src 'none'" in policy, address
        assert "base-uri 'self'" in policy, address
        assert response["X-Frame-Options"] == "DENY", address
        assert response["X-Content-Type-Options"] == "nosniff", address
        assert response["Referrer-Policy"] == "same-origin", address
        assert "camera=()" in response["Permissions-Policy"], address


def test_the_404_page_is_the_site_s_with_its_headers(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert "Permissions-Policy" in response


def test_permissions_policy_denies_the_device_and_payment_features(client):
    policy = client.get("/")["Permissions-Policy"]

    for feature in ["camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"]:
        assert f"{feature}=()" in policy


def test_an_article_page_has_no_inline_script_or_style_to_allow(client):
    article = article_with_sections(sections=1)

    response = client.get(article.get_absolute_url())

    # Its one inline <script> is JSON-LD, a data block that Content-Security-Policy does not
    # apply to: the page needs no nonce, so a cached copy is not tied to one.
    scripts = re.findall(r"<script([^>]*)>", response.text)
    assert all("src=" in attrs or 'type="application/ld+json"' in attrs for attrs in scripts)
    assert 'type="application/ld+json"' in response.text
    assert "<style" not in response.text
    assert " style=" not in response.text
    assert "'unsafe-inline'" not in response[CSP_HEADER]


def test_cookies_are_http_only_and_same_site_lax(client):
    ReaderFactory(username="reader")
    client.get(reverse("account_login"))
    response = client.post(
        reverse("account_login"), {"login": "reader", "password": PASSWORD}, follow=False
    )

    session = response.cookies["sessionid"]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["samesite"] == "Lax"


@pytest.fixture
def https(settings):
    """What HTTPS=1 sets (config/settings.py), on a request that arrived over TLS."""
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True


def test_with_https_cookies_are_secure_and_hsts_is_sent(client, https):
    ReaderFactory(username="reader")
    login = client.get(reverse("account_login"), secure=True)
    response = client.post(
        reverse("account_login"), {"login": "reader", "password": PASSWORD}, secure=True
    )

    assert login["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert login.cookies["csrftoken"]["secure"] is True
    assert response.cookies["sessionid"]["secure"] is True
