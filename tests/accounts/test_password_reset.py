"""A forgotten password: an email whose link sets a new one."""

import pytest
from django.core import mail
from django.urls import reverse

from .factories import PASSWORD, ReaderFactory
from .flows import link_in_mail, log_in, logged_in_user_id, mail_delivered

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a wholly new passphrase 7"


def test_the_reset_link_sets_a_new_password_that_logs_the_reader_in(client, respond_url):
    reader = ReaderFactory(username="ada", email="ada@example.org")

    with mail_delivered():
        response = client.post(reverse("account_reset_password"), {"email": "ada@example.org"})
    assert response["Location"] == reverse("account_reset_password_done")
    (message,) = mail.outbox
    assert message.to == ["ada@example.org"]

    # The link stores its key in the session and moves to a URL without it.
    form_page = client.get(link_in_mail(message), follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response["Location"] == reverse("account_reset_password_from_key_done")

    assert log_in(client, "ada", PASSWORD, respond_url).status_code == 200  # refused
    assert log_in(client, "ada", NEW_PASSWORD, respond_url)["Location"] == respond_url
    assert logged_in_user_id(client) == str(reader.pk)
