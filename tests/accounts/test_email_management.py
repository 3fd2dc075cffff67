"""A logged-in reader manages their email addresses; a new one is confirmed by mail."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from .factories import ReaderFactory
from .flows import link_in_mail, mail_delivered

pytestmark = pytest.mark.django_db


def test_an_added_address_is_unverified_until_its_confirmation_link_is_followed(client):
    reader = ReaderFactory(email="ada@example.org")
    client.force_login(reader)
    page = client.get(reverse("account_email"))
    assert page.status_code == 200
    assert "ada@example.org" in page.content.decode()

    with mail_delivered():
        response = client.post(
            reverse("account_email"), {"action_add": "", "email": "ada@work.example"}
        )

    assert response["Location"] == reverse("account_email")
    added = EmailAddress.objects.get(user=reader, email="ada@work.example")
    assert not added.verified
    (message,) = mail.outbox
    assert message.to == ["ada@work.example"]

    client.post(link_in_mail(message))

    added.refresh_from_db()
    assert added.verified
    assert EmailAddress.objects.get(user=reader, email="ada@example.org").primary
