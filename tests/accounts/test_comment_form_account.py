"""The Leave a Reply form names the account a reader comments with, and lets them change it."""

import re
from html import unescape

import pytest
from django.urls import reverse

from .factories import PASSWORD, ReaderFactory
from .flows import log_in, logged_in_user_id

pytestmark = pytest.mark.django_db


def hidden_form(html, form_id):
    """(action, next) of one of the form's hidden POST forms (Log Out, Change)."""
    form = re.search(
        rf'<form id="{form_id}" action="([^"]+)" method="post" hidden>(.*?)</form>', html, re.S
    )
    next_value = re.search(r'<input type="hidden" name="next" value="([^"]+)">', form.group(2))
    return unescape(form.group(1)), unescape(next_value.group(1))


def test_after_a_local_login_the_form_names_the_site_account(client, article, respond_url):
    ReaderFactory(username="ada")
    log_in(client, "ada", PASSWORD, respond_url)

    html = client.get(article.get_absolute_url()).content.decode()

    assert "You are commenting using your Liaison account." in html


def test_change_logs_out_and_lands_on_the_login_page_keeping_next(client, article, respond_url):
    client.force_login(ReaderFactory())
    action, next_url = hidden_form(
        client.get(article.get_absolute_url()).content.decode(), "change-account-form"
    )

    response = client.post(action, {"next": next_url})

    assert logged_in_user_id(client) is None
    assert response["Location"] == next_url
    login_page = client.get(response["Location"])
    assert login_page.request["PATH_INFO"] == reverse("account_login")
    assert f'<input type="hidden" name="next" value="{respond_url}">' in login_page.content.decode()
