"""Pages keep answering while the shared Redis cache is away, and use it again on its return.

A private redis-server (/usr/bin/redis-server) on a free port, started and stopped by the
test (tests/config/conftest.py): the shared Redis of other test runs is never touched.
"""

import logging

import pytest
from django.core.cache import cache

from comments.models import Comment, DiscussionSettings
from tests.blog.factories import UserFactory, article_with_sections
from tests.comments.test_posting import form_data

pytestmark = pytest.mark.django_db


def test_pages_answer_while_redis_is_away_and_the_cache_returns_with_it(
    client, private_redis, caplog
):
    article = article_with_sections(sections=1)
    assert client.get(article.get_absolute_url()).status_code == 200
    cache.set("probe", "before")
    assert cache.get("probe") == "before"

    private_redis.stop()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        article_page = client.get(article.get_absolute_url())
        home = client.get("/")
        cache.set("probe", "while away")
        away = cache.get("probe", "missed")

    assert article_page.status_code == 200
    assert home.status_code == 200
    assert away == "missed"
    assert any("Redis cache unavailable" in r.getMessage() for r in caplog.records)

    private_redis.start()
    cache.set("probe", "after")
    assert cache.get("probe") == "after"
    assert client.get(article.get_absolute_url()).status_code == 200


def test_an_unavailable_redis_is_logged_once_a_minute_at_most(private_redis, caplog):
    private_redis.stop()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        for _ in range(5):
            cache.get("probe")

    warnings = [r for r in caplog.records if r.name == "config.cache"]
    assert len(warnings) == 1
    assert warnings[0].exc_info is None


def test_a_comment_posted_while_redis_is_away_is_kept_and_the_rules_apply(client, private_redis):
    article = article_with_sections(sections=1)
    rules = DiscussionSettings.load()
    rules.flood_interval = 0
    rules.disallowed_words = "casino"
    rules.save()
    client.force_login(UserFactory())
    private_redis.stop()

    kept = client.post(f"/comments/post/{article.pk}/", form_data(article, text="Kept."))
    spam = client.post(
        f"/comments/post/{article.pk}/", form_data(article, text="Win at the casino.")
    )

    assert (kept.status_code, spam.status_code) == (302, 302)
    assert Comment.objects.get(comment="Kept.").is_held  # the editor's manual approval
    assert Comment.objects.get(comment="Win at the casino.").is_spam  # the disallowed word
