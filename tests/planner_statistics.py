"""PostgreSQL's planner statistics, for the tests of what keeps them current (the bench's
seed, the WordPress import)."""

import pytest
from django.db import connection

only_on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL's planner statistics; runs in CI's PostgreSQL pass",
)


def last_analyze(table):
    """When `table` was last analyzed by an ANALYZE statement (None: never)."""
    with connection.cursor() as cursor:
        # The statistics views are read once per transaction unless the snapshot is cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = %s", [table])
        return cursor.fetchone()[0]
