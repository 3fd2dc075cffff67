"""A request too large to read gets the site's 400 page and a one-line warning in the log."""

import logging

import pytest
from django.test import Client

from tests.accounts.factories import ReaderFactory
from tests.blog.factories import ArticleFactory

pytestmark = pytest.mark.django_db

THREE_MEGABYTES = "x" * (3 * 1024 * 1024)


@pytest.fixture
def reader_client():
    """A logged-in reader's browser, with CSRF checked as in production."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(ReaderFactory())
    return client


def test_an_oversized_comment_post_gets_the_site_s_400_page(reader_client, settings):
    article = ArticleFactory()

    response = reader_client.post(f"/comments/post/{article.pk}/", {"comment": THREE_MEGABYTES})

    assert response.status_code == 400
    assert len(THREE_MEGABYTES) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert "Bad request" in response.text
    assert f"{settings.SITE_NAME}</a>" in response.text  # the site's layout, with its header


def test_an_oversized_post_is_logged_as_a_warning_without_a_traceback(reader_client, caplog):
    article = ArticleFactory()

    with caplog.at_level(logging.INFO):
        reader_client.post(f"/comments/post/{article.pk}/", {"comment": THREE_MEGABYTES})

    (refusal,) = [r for r in caplog.records if r.name == "django.security.RequestDataTooBig"]
    assert refusal.levelno == logging.WARNING
    assert refusal.exc_info is None
    assert "Traceback" not in caplog.text
    assert all(record.exc_info is None for record in caplog.records)
