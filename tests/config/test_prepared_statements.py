"""On PostgreSQL, queries run again on a connection are prepared statements, planned once
(config/settings.py: POSTGRES_PREPARED_STATEMENTS)."""

import pytest
from django.db import connection

from tests.blog.factories import ArticleFactory

from .test_settings import read_settings

POSTGRESQL = "postgres://liaison@db.internal:5432/liaison"
OPTIONS = "settings.DATABASES['default'].get('OPTIONS', {})"


def test_postgresql_binds_parameters_on_the_server_and_prepares_repeated_queries(tmp_path):
    result = read_settings(tmp_path, OPTIONS, SECRET_KEY="k" * 50, DATABASE_URL=POSTGRESQL)

    assert result.stdout.strip() == repr({"server_side_binding": True, "prepare_threshold": 5})


def test_postgres_prepared_statements_0_turns_them_off_for_a_pooler(tmp_path):
    result = read_settings(
        tmp_path,
        OPTIONS,
        SECRET_KEY="k" * 50,
        DATABASE_URL=POSTGRESQL,
        POSTGRES_PREPARED_STATEMENTS="0",
    )

    assert result.stdout.strip() == "{}"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL's prepared statements; runs in CI's PostgreSQL pass",
)
@pytest.mark.django_db
def test_a_query_run_again_on_a_connection_is_planned_once():
    article = ArticleFactory()
    for _ in range(6):
        assert list(type(article).objects.filter(pk=article.pk)) == [article]

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]

    assert any('FROM "blog_article" WHERE "blog_article"."id" = $1' in sql for sql in prepared)
