"""One article's comments are found through an index on the generic relation's columns
(comments/migrations/0011_article_comments_index.py)."""

from importlib import import_module

import pytest
from django.db import connection

from comments.models import Comment
from tests.blog.factories import ArticleFactory

pytestmark = pytest.mark.django_db

INDEX = import_module("comments.migrations.0011_article_comments_index").ARTICLE_COMMENTS_INDEX


def test_the_index_outlives_every_migration_of_the_comments_table():
    """On SQLite, contrib-comments' later migrations rebuild its table, and a rebuilt table
    keeps only the indexes its model declares: ours must come after them."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "django_comments")

    assert constraints[INDEX]["columns"] == ["object_pk", "content_type_id", "site_id"]


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite's planner, which keeps no statistics; runs in CI's SQLite pass",
)
def test_sqlite_counts_an_articles_threads_through_it():
    threads = Comment.objects.for_article(ArticleFactory()).roots()
    sql, params = threads.values("pk").query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())

    assert INDEX in plan
