"""The content version moves once per change: inside the changing transaction where a write
locks the whole database (SQLite), after its commit elsewhere (PostgreSQL)
(blog.models.ContentVersion.bump)."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from blog.models import ContentVersion

pytestmark = pytest.mark.django_db

ON_SQLITE = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's own path; runs in CI's SQLite pass"
)
ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL's own path; runs in CI's PostgreSQL pass",
)


@pytest.fixture(autouse=True)
def content_version():
    return ContentVersion.objects.create(pk=ContentVersion.SINGLETON_PK, number=3)


def number():
    return ContentVersion.current()[0]


def bump_then_fail():
    with transaction.atomic():
        ContentVersion.bump()
        raise RuntimeError("the change fails")


def test_changes_in_one_transaction_move_the_number_once(django_capture_on_commit_callbacks):
    before = number()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for _ in range(3):
            ContentVersion.bump()

    assert number() == before + 1


@ON_SQLITE
def test_on_sqlite_the_number_moves_inside_the_changing_transaction():
    before = number()

    with transaction.atomic():
        ContentVersion.bump()
        inside = number()

    assert inside == before + 1


@ON_SQLITE
def test_on_sqlite_a_change_rolled_back_takes_its_move_with_it_and_the_next_change_moves_it():
    before = number()

    with pytest.raises(RuntimeError):
        bump_then_fail()
    after_the_rollback = number()
    with transaction.atomic():
        ContentVersion.bump()

    assert after_the_rollback == before
    assert number() == before + 1


@ON_POSTGRESQL
def test_on_postgresql_the_number_moves_once_the_change_commits(
    django_capture_on_commit_callbacks,
):
    before = number()

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            ContentVersion.bump()
            inside = number()
        assert number() == before

    assert inside == before
    assert number() == before + 1


def test_a_move_dates_the_number(time_machine, django_capture_on_commit_callbacks):
    moment = datetime(2026, 12, 8, 9, 30, 15, tzinfo=UTC)
    time_machine.move_to(moment, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        ContentVersion.bump()

    assert ContentVersion.current()[:2] == (4, moment)
