"""Logging in with a local account: by username or email, back to where the reader was."""

import re
from urllib.parse import quote

import pytest
from django.core import mail
from django.urls import reverse

from .factories import PASSWORD, ReaderFactory, UnverifiedReaderFactory
from .flows import form_alert, log_in, logged_in_user_id, mail_delivered

pytestmark = pytest.mark.django_db


def test_login_by_username_returns_to_the_article_form(client, respond_url):
    reader = ReaderFactory(username="ada")

    response = log_in(client, "ada", PASSWORD, respond_url)

    assert response.status_code == 302
    assert response["Location"] == respond_url
    assert logged_in_user_id(client) == str(reader.pk)


def test_login_by_email_returns_to_the_article_form(client, respond_url):
    reader = ReaderFactory(username="ada", email="ada@example.org")

    response = log_in(client, "ada@example.org", PASSWORD, respond_url)

    assert response["Location"] == respond_url
    assert logged_in_user_id(client) == str(reader.pk)


def test_the_login_page_keeps_next_in_its_form_and_links(client, settings, respond_url):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "id", "secret": "s"}]}}

    html = client.get(reverse("account_login"), {"next": respond_url}).content.decode()

    encoded = quote(respond_url, safe="")
    assert f'<input type="hidden" name="next" value="{respond_url}">' in html
    assert f'href="{reverse("account_signup")}?next={encoded}"' in html
    github_link = re.search(r'<a class="login-choice login-choice--github" href="([^"]+)"', html)
    assert f"next={encoded}" in github_link.group(1)


def test_a_wrong_password_is_refused_with_an_announced_error(client, respond_url):
    ReaderFactory(username="ada")

    response = log_in(client, "ada", "not the password", respond_url)

    assert response.status_code == 200
    assert form_alert(response) == "The username and/or password you specified are not correct."
    assert "aria-invalid" not in response.content.decode()  # the pair is wrong, not one field
    assert logged_in_user_id(client) is None


def test_an_unverified_account_cannot_log_in_and_is_sent_a_new_link(client, respond_url):
    UnverifiedReaderFactory(username="ada", email="ada@example.org")

    with mail_delivered():
        response = log_in(client, "ada", PASSWORD, respond_url)

    assert response["Location"] == reverse("account_email_verification_sent")
    assert logged_in_user_id(client) is None
    assert [message.to for message in mail.outbox] == [["ada@example.org"]]


def test_repeated_failed_logins_lock_the_account_even_for_the_right_password(client, respond_url):
    ReaderFactory(username="ada")
    for _ in range(5):  # ACCOUNT_RATE_LIMITS: login_failed 5/5m per account
        assert log_in(client, "ada", "a wrong guess", respond_url).status_code == 200

    response = log_in(client, "ada", PASSWORD, respond_url)

    assert response.status_code == 200
    assert form_alert(response) == "Too many failed login attempts. Try again later."
    assert logged_in_user_id(client) is None
