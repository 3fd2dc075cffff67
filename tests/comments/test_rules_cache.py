"""The cached discussion rules follow the settings number of the content version's row: a
change another app process made (its row written and the number moved there, nothing
cleared in this process's cache) applies to this process's next request; a comment, which
moves the content's number, leaves the copy in place."""

import pytest
from django.core.cache import cache

from blog.models import ContentVersion
from comments.models import DiscussionSettings, current_rules
from tests.blog.factories import ArticleFactory
from tests.comments.factories import CommentFactory

pytestmark = pytest.mark.django_db


def changed_in_another_process(**values):
    DiscussionSettings.objects.filter(pk=DiscussionSettings.SINGLETON_PK).update(**values)
    # Both numbers moved and committed there (this test's one transaction has moved the
    # content's already, and bump() moves it once per transaction).
    ContentVersion.settings_changed()
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


def test_a_posted_comment_leaves_the_rules_copy_in_place(client, django_assert_num_queries):
    DiscussionSettings.load()
    current_rules()
    ContentVersion._increment()  # what a comment's post does

    with django_assert_num_queries(1):  # the version's row, not the rules'
        rules = current_rules()

    assert rules.thread_depth == 5


def test_the_content_version_read_once_gives_the_settings_number_too(
    django_assert_num_queries,
):
    ContentVersion.settings_changed()

    with django_assert_num_queries(1):
        version = ContentVersion.current()

    assert version.settings_number == 2
    assert version.number >= 1


def test_the_rules_read_once_are_kept_in_the_process_under_their_number(monkeypatch):
    """A request asks them several times (the form, the policy, the comment's page): with
    Redis, each ask was a round trip."""
    DiscussionSettings.load()
    current_rules()
    asked = []
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: asked.append(args))

    current_rules()
    current_rules()

    assert asked == []
