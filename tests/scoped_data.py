"""Rows made once for a whole module or class of tests, as Django's TestCase.setUpTestData
makes them: for tests that only read the rows, whose fixture would otherwise rebuild them
for every test."""

from django.db import transaction
from django.test import override_settings


def rows_for_scope(django_db_blocker, media_dir, build):
    """For a module- or class-scoped fixture: `yield from rows_for_scope(...)`.

    `build()` runs in a transaction that stays open while the scope's tests run and is
    rolled back after the last of them, each test running in a savepoint inside it (what
    pytest-django's `db` does on its own). The files `build()` stores go to `media_dir`,
    since the per-test MEDIA_ROOT (tests/conftest.py) does not exist yet. Not for tests
    that commit: `transactional_db` and `live_server`.
    """
    with django_db_blocker.unblock():
        scope = transaction.atomic()
        scope.__enter__()
        try:
            with override_settings(MEDIA_ROOT=media_dir):
                made = build()
        except BaseException:
            transaction.set_rollback(True)
            scope.__exit__(None, None, None)
            raise
    try:
        yield made
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            scope.__exit__(None, None, None)
