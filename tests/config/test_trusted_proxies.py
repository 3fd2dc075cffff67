"""The reader's address behind TRUSTED_PROXY_COUNT proxies, and a forged X-Forwarded-For."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from comments.models import Comment, DiscussionSettings
from config.middleware import TrustedProxyMiddleware
from tests.accounts.factories import ReaderFactory
from tests.blog.factories import ArticleFactory
from tests.comments.test_posting import form_data


def seen_address(settings, proxies, forwarded_for=None, remote_addr="10.0.0.2"):
    """The REMOTE_ADDR a view sees, behind `proxies` trusted proxies."""
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
    request = RequestFactory().get("/", headers=headers, REMOTE_ADDR=remote_addr)
    seen = []

    def view(request):
        seen.append(request.META["REMOTE_ADDR"])
        return HttpResponse()

    TrustedProxyMiddleware(view)(request)
    return seen[0]


def test_without_a_trusted_proxy_the_header_is_ignored(settings):
    assert seen_address(settings, 0, "203.0.113.7") == "10.0.0.2"


def test_behind_one_proxy_the_client_is_the_last_address(settings):
    assert seen_address(settings, 1, "203.0.113.7") == "203.0.113.7"


def test_behind_two_proxies_the_client_is_the_second_address_from_the_right(settings):
    assert seen_address(settings, 2, "203.0.113.7, 10.0.0.9") == "203.0.113.7"


def test_a_forged_address_written_by_the_client_is_not_believed(settings):
    # The client sent "X-Forwarded-For: 198.51.100.1"; the one proxy appended what it saw.
    assert seen_address(settings, 1, "198.51.100.1, 203.0.113.7") == "203.0.113.7"


def test_a_forged_header_without_a_trusted_proxy_changes_nothing(settings):
    assert seen_address(settings, 0, "198.51.100.1, 203.0.113.7") == "10.0.0.2"


@pytest.mark.parametrize("forwarded_for", [None, "", "not-an-address", "203.0.113.7"])
def test_a_header_that_is_not_the_expected_chain_keeps_the_connecting_address(
    settings, forwarded_for
):
    # Two proxies expected: a missing, empty, garbled or too short header proves nothing.
    assert seen_address(settings, 2, forwarded_for) == "10.0.0.2"


def test_ipv6_clients_are_read_too(settings):
    assert seen_address(settings, 1, "2001:db8::1") == "2001:db8::1"


@pytest.mark.django_db
def test_a_posted_comment_records_the_reader_s_address_behind_a_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    rules = DiscussionSettings.load()
    rules.flood_interval = 0
    rules.save()
    article = ArticleFactory()
    client.force_login(ReaderFactory())

    client.post(
        f"/comments/post/{article.pk}/",
        form_data(article),
        headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"},
    )

    assert Comment.objects.get().ip_address == "203.0.113.7"
