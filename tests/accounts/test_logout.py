"""Logging out is a POST: a GET only asks, and a POST goes back where the reader was."""

import pytest
from django.urls import reverse

from .factories import ReaderFactory
from .flows import logged_in_user_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client):
    reader = ReaderFactory()
    client.force_login(reader)
    return reader


def test_a_get_only_shows_the_confirmation_and_keeps_the_reader_logged_in(
    client, reader, respond_url
):
    response = client.get(reverse("account_logout"), {"next": respond_url})

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<form class="account-form" method="post" action="{reverse("account_logout")}">' in html
    assert f'<input type="hidden" name="next" value="{respond_url}">' in html
    assert logged_in_user_id(client) == str(reader.pk)


def test_a_post_logs_out_and_returns_to_the_article(client, reader, respond_url):
    response = client.post(reverse("account_logout"), {"next": respond_url})

    assert response["Location"] == respond_url
    assert logged_in_user_id(client) is None
