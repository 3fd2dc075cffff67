"""WordPressLink moved from the comments app to the wordpress app (comments 0004, wordpress
0001): a database that ran the import keeps its links, and a fresh one gets the same table."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.blog.factories import TopicFactory
from wordpress.models import WordPressLink

# Where a database was before the move: the link in the comments app, no wordpress app.
LAST_BEFORE_THE_MOVE = ("comments", "0003_wordpress_links")
BEFORE_THE_MOVE = [LAST_BEFORE_THE_MOVE, ("wordpress", None)]


def migrate(targets):
    MigrationExecutor(connection).migrate(targets)


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def before_the_move(transactional_db):
    """The historical apps of a database before the move; back to the latest afterwards,
    whatever the test did, for the tests that follow."""
    migrate(BEFORE_THE_MOVE)
    try:
        yield MigrationExecutor(connection).loader.project_state(LAST_BEFORE_THE_MOVE).apps
    finally:
        migrate(latest())
        ContentType.objects.clear_cache()


def table_names():
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def constraint_names(table):
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


def test_links_made_before_the_move_are_still_there_after_it(before_the_move):
    topic = TopicFactory()
    old_content_types = before_the_move.get_model("contenttypes", "ContentType").objects
    before_the_move.get_model("comments", "WordPressLink").objects.create(
        site="example.wordpress.com",
        kind="topic",
        wp_id=7,
        content_type=old_content_types.get(app_label="blog", model="topic"),
        object_id=topic.pk,
    )

    migrate(latest())
    ContentType.objects.clear_cache()

    link = WordPressLink.objects.get()
    assert (link.site, link.kind, link.wp_id) == ("example.wordpress.com", "topic", 7)
    assert link.target == topic
    assert "comments_wordpresslink" not in table_names()


def test_links_are_added_to_the_moved_table_after_the_rows_already_there(before_the_move):
    old_content_types = before_the_move.get_model("contenttypes", "ContentType").objects
    before = before_the_move.get_model("comments", "WordPressLink").objects.create(
        site="example.wordpress.com",
        kind="post",
        wp_id=1,
        content_type=old_content_types.get(app_label="blog", model="article"),
        object_id=1,
    )

    migrate(latest())
    ContentType.objects.clear_cache()

    after = WordPressLink.objects.create(
        site="example.wordpress.com",
        kind="post",
        wp_id=2,
        content_type=ContentType.objects.get(app_label="blog", model="article"),
        object_id=2,
    )
    assert after.pk > before.pk
    assert WordPressLink.objects.count() == 2


def test_the_content_type_and_its_permissions_move_with_the_model(before_the_move):
    old_content_types = before_the_move.get_model("contenttypes", "ContentType").objects
    content_type_before = old_content_types.get(app_label="comments", model="wordpresslink")
    assert not old_content_types.filter(app_label="wordpress").exists()

    migrate(latest())
    ContentType.objects.clear_cache()

    content_type = ContentType.objects.get_for_model(WordPressLink)
    assert content_type.pk == content_type_before.pk
    assert not ContentType.objects.filter(app_label="comments", model="wordpresslink").exists()
    permission = Permission.objects.get(codename="change_wordpresslink")
    assert permission.content_type == content_type
    assert permission.content_type.model_class() is WordPressLink


def test_before_the_move_the_table_has_its_old_name(before_the_move):
    assert "comments_wordpresslink" in table_names()
    assert "wordpress_wordpresslink" not in table_names()


@pytest.mark.django_db
def test_a_fresh_database_has_the_table_under_the_wordpress_app_with_its_named_constraints():
    assert WordPressLink._meta.db_table in table_names()
    assert {"wordpress_link_unique_id", "wordpress_link_target_idx"} <= constraint_names(
        "wordpress_wordpresslink"
    )


def test_the_moved_table_keeps_its_named_constraints(before_the_move):
    migrate(latest())

    assert {"wordpress_link_unique_id", "wordpress_link_target_idx"} <= constraint_names(
        "wordpress_wordpresslink"
    )
