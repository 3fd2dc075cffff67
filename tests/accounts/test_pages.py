"""Every allauth page renders in the site's layout, unindexed, with nothing from another host."""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail
from django.urls import reverse

from .factories import ReaderFactory, UnverifiedReaderFactory
from .flows import link_in_mail, mail_delivered

pytestmark = pytest.mark.django_db


def anonymous(url_name):
    return lambda client: reverse(url_name)


def logged_in(url_name):
    def visit(client):
        client.force_login(ReaderFactory())
        return reverse(url_name)

    return visit


def email_confirmation(client):
    address = EmailAddress.objects.get(user=UnverifiedReaderFactory())
    return reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key])


def password_reset_from_key(client):
    reader = ReaderFactory()
    with mail_delivered():
        client.post(reverse("account_reset_password"), {"email": reader.email})
    # The emailed link stores its key in the session and redirects to the form's own address.
    return client.get(link_in_mail(mail.outbox[-1]))["Location"]


def social_login_confirmation(client):
    return reverse("github_login") + "?process=login"


PAGES = {
    "login": anonymous("account_login"),
    "signup": anonymous("account_signup"),
    "password reset": anonymous("account_reset_password"),
    "password reset sent": anonymous("account_reset_password_done"),
    "password reset from key": password_reset_from_key,
    "password reset from key done": anonymous("account_reset_password_from_key_done"),
    "verification sent": anonymous("account_email_verification_sent"),
    "confirm email": email_confirmation,
    "account inactive": anonymous("account_inactive"),
    "logout confirmation": logged_in("account_logout"),
    "email addresses": logged_in("account_email"),
    "password change": logged_in("account_change_password"),
    "reauthenticate": logged_in("account_reauthenticate"),
    "social login confirmation": social_login_confirmation,
    "social login error": anonymous("socialaccount_login_error"),
    "social login cancelled": anonymous("socialaccount_login_cancelled"),
    "connected accounts": logged_in("socialaccount_connections"),
    "your data": logged_in("account_data"),
    "erase your account": logged_in("account_erase"),
    "account erased": anonymous("account_erased"),
}


# allauth answers a failed social login with 401 Unauthorized; every other page is a 200.
STATUS = {"social login error": 401}


@pytest.mark.parametrize(("page", "visit"), PAGES.items(), ids=PAGES.keys())
def test_the_page_renders_in_the_site_layout_and_is_not_indexed(client, settings, page, visit):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "id", "secret": "s"}]}}

    response = client.get(visit(client))

    assert response.status_code == STATUS.get(page, 200)
    html = response.content.decode()
    assert html.count('<meta name="robots" content="noindex">') == 1
    assert '<header class="site-header">' in html
    assert '<link rel="stylesheet" href="/static/css/accounts.css">' in html
    assert '<h1 class="account-title">' in html
    assert re.search(r"<title>[^<]*· Liaison</title>", html)


@pytest.mark.parametrize("visit", PAGES.values(), ids=PAGES.keys())
def test_the_page_loads_nothing_from_another_host(client, settings, visit):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "id", "secret": "s"}]}}

    html = client.get(visit(client)).content.decode()

    # What a browser fetches by itself: images and scripts, stylesheets and the icon.
    loaded = re.findall(r'\ssrc="([^"]*)"', html)
    loaded += re.findall(r'<link rel="(?:stylesheet|icon)" href="([^"]*)"', html)
    assert "/static/css/accounts.css" in loaded
    assert [address for address in loaded if not address.startswith("/")] == []


def test_the_manage_pages_share_a_menu_whose_log_out_is_a_post(client):
    client.force_login(ReaderFactory())

    html = client.get(reverse("account_email")).content.decode()

    menu = re.search(r'<nav class="account-nav" aria-label="Your account">(.*?)</nav>', html, re.S)
    assert f'<a href="{reverse("account_email")}" aria-current="page">Email addresses</a>' in (
        menu.group(1)
    )
    assert f'<form action="{reverse("account_logout")}" method="post">' in menu.group(1)
