"""Leave a Reply offers the local account and one icon per configured provider, no other."""

import re
from html import unescape
from urllib.parse import quote

import pytest
from allauth.socialaccount.models import SocialApp
from django.contrib.sites.models import Site
from django.urls import reverse

from tests.blog.factories import StaffFactory

from .factories import SocialAppFactory

pytestmark = pytest.mark.django_db


CHOICE = re.compile(
    r'<a class="login-choice login-choice--([\w-]+)" href="([^"]+)".*?<img[^>]* src="([^"]+)"',
    re.S,
)


def leave_a_reply(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    return re.search(r'<div class="login-choices">(.*?)</div>', html, re.S).group(1)


def login_choices(client, article):
    """(class suffix, link, icon) of each choice under the article's Leave a Reply."""
    block = leave_a_reply(client, article)
    return [(kind, unescape(href), icon) for kind, href, icon in CHOICE.findall(block)]


def test_with_no_provider_configured_only_the_local_account_is_offered(
    client, article, respond_url
):
    assert login_choices(client, article) == [
        (
            "local",
            f"{reverse('account_login')}?next={quote(respond_url, safe='')}",
            "/static/icons/liaison.svg",
        )
    ]


def test_a_provider_configured_in_settings_is_offered_with_its_icon_and_next(
    client, settings, article, respond_url
):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "id", "secret": "s"}]}}

    choices = login_choices(client, article)

    assert [kind for kind, _, _ in choices] == ["local", "github"]
    _, href, icon = choices[1]
    assert href == f"{reverse('github_login')}?process=login&next={quote(respond_url, safe='')}"
    assert icon == "/static/icons/providers/github.svg"


def test_a_social_application_added_in_the_admin_is_offered(client, article):
    client.force_login(StaffFactory())
    response = client.post(
        reverse("admin:socialaccount_socialapp_add"),
        {
            "provider": "google",
            "provider_id": "",
            "name": "Google",
            "client_id": "from-the-admin",
            "secret": "s",
            "key": "",
            "settings": "{}",
            "sites": [Site.objects.get_current().pk],
        },
    )
    assert response.status_code == 302
    assert SocialApp.objects.filter(provider="google").exists()
    client.logout()

    choices = login_choices(client, article)

    assert [(kind, icon) for kind, _, icon in choices] == [
        ("local", "/static/icons/liaison.svg"),
        ("google", "/static/icons/providers/google.svg"),
    ]


def test_an_openid_connect_app_is_offered_under_its_own_name_with_the_key_icon(
    client, settings, article
):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "acme",
                    "name": "Acme ID",
                    "client_id": "id",
                    "secret": "s",
                    "settings": {"server_url": "https://id.acme.example"},
                }
            ]
        }
    }

    (kind, href, icon) = login_choices(client, article)[1]

    assert (kind, icon) == ("openid_connect", "/static/icons/providers/openid_connect.svg")
    assert href.startswith(reverse("openid_connect_login", kwargs={"provider_id": "acme"}))
    assert 'aria-label="Log in with Acme ID"' in leave_a_reply(client, article)


def test_providers_without_credentials_for_this_site_are_never_offered(client, settings, article):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "id", "secret": "s"}]}}
    elsewhere = Site.objects.create(domain="elsewhere.example", name="Elsewhere")
    SocialAppFactory(provider="facebook", name="Facebook", sites=[elsewhere])

    block = leave_a_reply(client, article)

    assert [kind for kind, _, _ in CHOICE.findall(block)] == ["local", "github"]
    for absent in ("Facebook", "Google", "X", "OpenID Connect"):
        assert f"Log in with {absent}" not in block
