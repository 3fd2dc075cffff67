"""The cached discussion rules follow the content version: a change another app process
made (its row written and the version bumped there, nothing cleared in this process's
cache) applies to this process's next request."""

import pytest

from blog.models import ContentVersion
from comments.models import DiscussionSettings, current_rules
from tests.blog.factories import ArticleFactory
from tests.comments.factories import CommentFactory

pytestmark = pytest.mark.django_db


def changed_in_another_process(**values):
    DiscussionSettings.objects.filter(pk=DiscussionSettings.SINGLETON_PK).update(**values)
    ContentVersion._increment()


def test_rules_changed_in_another_process_apply_to_the_next_request(client):
    DiscussionSettings.load()
    article = ArticleFactory()
    CommentFactory.create_batch(3, article=article)
    assert "Page 1 of" not in client.get(article.get_absolute_url()).text

    changed_in_another_process(top_level_per_page=1)

    assert "Page 1 of 3" in client.get(article.get_absolute_url()).text


def test_rules_outside_a_request_are_read_under_the_current_version():
    DiscussionSettings.load()
    assert current_rules().thread_depth == 5

    changed_in_another_process(thread_depth=2)

    assert current_rules().thread_depth == 2
