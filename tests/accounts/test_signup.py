"""Signing up: a verified email first, then straight back to the article's form."""

from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from .flows import form_alert, link_in_mail, logged_in_user_id, mail_delivered

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a wholly new passphrase 7"


def sign_up(client, next_url, **fields):
    data = {
        "email": "grace@example.org",
        "username": "grace",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "next": next_url,
        **fields,
    }
    return client.post(reverse("account_signup"), data)


def test_signup_sends_a_confirmation_and_logs_in_nobody_yet(client, respond_url):
    with mail_delivered():
        response = sign_up(client, respond_url)

    assert response["Location"] == reverse("account_email_verification_sent")
    assert logged_in_user_id(client) is None
    (message,) = mail.outbox
    assert message.to == ["grace@example.org"]
    assert not EmailAddress.objects.get(email="grace@example.org").verified


def test_the_confirmation_link_logs_the_reader_in_and_returns_to_the_article_form(
    client, respond_url
):
    with mail_delivered():
        sign_up(client, respond_url)
    confirm_url = link_in_mail(mail.outbox[0])

    confirm_page = client.get(confirm_url)
    assert confirm_page.status_code == 200  # a GET only shows the page; the button POSTs
    response = client.post(confirm_url)

    assert response["Location"] == respond_url
    grace = get_user_model().objects.get(username="grace")
    assert logged_in_user_id(client) == str(grace.pk)
    assert EmailAddress.objects.get(user=grace).verified


def test_signup_errors_are_announced_and_point_at_their_fields(client, respond_url):
    response = sign_up(client, respond_url, email="not-an-address", password2="something else")

    html = response.content.decode()
    assert form_alert(response) == "Please correct the fields marked below."
    assert 'aria-invalid="true" aria-describedby="id_email_error" id="id_email"' in html
    assert '<ul class="field__errors" id="id_email_error"><li>Enter a valid email address.' in html
    assert get_user_model().objects.filter(username="grace").count() == 0


def test_the_signup_page_offers_the_configured_providers_with_next(client, settings, respond_url):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "id", "secret": "s"}]}}

    html = client.get(reverse("account_signup"), {"next": respond_url}).content.decode()

    assert f'<input type="hidden" name="next" value="{respond_url}">' in html
    assert (
        '<a class="login-choice login-choice--github" '
        f'href="/accounts/github/login/?process=login&amp;next={quote(respond_url, safe="")}">'
    ) in html
    assert "login-choice--google" not in html
    assert "login-choice--facebook" not in html
