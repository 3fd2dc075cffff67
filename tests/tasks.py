"""Running queued tasks in a test, as the worker (`manage.py db_worker`) runs them.

Tests use the real database backend: what the code enqueues is a row, run here by
django_tasks_db's own Worker.run_task, one ready task at a time (run_after in the future is
not ready: move the clock with time-machine to reach it). No connection is closed, so a test's
transaction stays open.
"""

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

WORKER_ID = "test-worker"


def worker():
    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=WORKER_ID,
        excluded_queue_names=[],
    )


def run_ready_tasks(limit=100_000):
    """Run every task that is ready now, including those the tasks enqueue; their results,
    in the order run."""
    runner = worker()
    ran = []
    while len(ran) < limit:
        result = DBTaskResult.objects.ready().first()
        if result is None:
            break
        result.claim(WORKER_ID)
        runner.run_task(result)
        result.refresh_from_db()
        ran.append(result)
    return ran
