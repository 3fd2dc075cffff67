"""The content version's copy in a cache every process shares (Redis): raised to the row's
number by each change, never lowered, never kept long (blog.models.ContentVersion.share,
config.cache.ForgivingRedisCache.raise_to)."""

import pytest
from django.core.cache import cache
from django.db import transaction

from blog.models import ContentVersion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def content_version():
    return ContentVersion.objects.create(pk=ContentVersion.SINGLETON_PK, number=3)


def test_the_shared_number_is_only_ever_raised(private_redis):
    cache.raise_to("counter", 5, 60)
    cache.raise_to("counter", 4, 60)
    after_lower = cache.get("counter")
    cache.raise_to("counter", 6, 60)

    assert after_lower == 5
    assert cache.get("counter") == 6


def test_the_shared_number_lasts_a_minute_at_most(private_redis):
    ContentVersion.share(7)

    key = cache.make_and_validate_key(ContentVersion.SHARED_KEY)
    client = cache._cache.get_client(key)
    assert 0 < client.ttl(key) <= ContentVersion.SHARED_SECONDS


def test_a_change_raises_the_shared_number_to_the_rows(private_redis):
    ContentVersion.share(ContentVersion.current()[0])

    ContentVersion._increment()

    assert cache.get(ContentVersion.SHARED_KEY) == ContentVersion.current()[0]


def test_two_changes_shared_out_of_order_leave_the_higher_number(private_redis):
    ContentVersion._increment()
    first = ContentVersion.current()[0]
    ContentVersion._increment()
    second = ContentVersion.current()[0]

    # The first change's process shares its number last.
    ContentVersion.share(first)

    assert cache.get(ContentVersion.SHARED_KEY) == second


def test_a_change_while_redis_is_away_is_kept_in_the_row(private_redis):
    before = ContentVersion.current()[0]
    private_redis.stop()

    ContentVersion._increment()

    assert ContentVersion.current()[0] == before + 1


def test_a_cache_of_one_process_shares_nothing(cache_of_this_process, django_assert_num_queries):
    # The row's update, and no read of it to share.
    with django_assert_num_queries(1):
        ContentVersion._increment()

    assert ContentVersion.is_shared_through_cache() is False
    assert cache.get(ContentVersion.SHARED_KEY) is None


def test_a_change_in_a_transaction_shares_the_number_once_committed(
    private_redis, django_capture_on_commit_callbacks
):
    ContentVersion.share(ContentVersion.current()[0])

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        ContentVersion.bump()
        shared_inside = cache.get(ContentVersion.SHARED_KEY)

    assert shared_inside == 3
    assert cache.get(ContentVersion.SHARED_KEY) == ContentVersion.current()[0] == 4


def test_a_change_shares_the_number_its_update_returned_without_reading_the_row(
    private_redis, django_assert_num_queries
):
    with django_assert_num_queries(1):
        ContentVersion._increment()

    assert cache.get(ContentVersion.SHARED_KEY) == ContentVersion.current().number == 4
