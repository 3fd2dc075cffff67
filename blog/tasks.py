"""Background work of the blog app (django-tasks; Django 6's django.tasks after the move)."""

from django.db import router, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from . import images
from .models import ContentVersion, Image


def enqueue_with_transaction(task, *args, **kwargs):
    """Enqueue `task` so that it exists once the current transaction commits, and never when
    it rolls back (at once outside a transaction).

    When the task backend keeps its queue in the same database, the task's row is written in
    the transaction itself: it commits with the change that owes it, and no write follows
    the commit (on SQLite, where a write locks the whole file, a comment's post waited for
    that lock once more for the task after its commit). A queue elsewhere (Redis) hears of
    the task only after the commit: it must never run for a change that rolled back."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and not queued_in(task, connection):
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))
    else:
        task.enqueue(*args, **kwargs)


def queued_in(task, connection):
    """Whether `task`'s backend writes its queue through this database connection."""
    return (
        isinstance(task.get_backend(), DatabaseBackend)
        and router.db_for_write(DBTaskResult) == connection.alias
    )


@task()
def publish_due_articles():
    """Run when a scheduled article's time comes: nothing in the database changes then, but
    every listing and neighbouring article must show it, so the content version moves."""
    ContentVersion.bump()


def schedule_publication(article):
    """After the article is saved with a publication date to come: bump the content version
    at that moment (the worker runs it), so cached pages show it as soon as it is out."""
    run_at = article.published_at
    if run_at is not None and run_at > timezone.now():
        enqueue_with_transaction(publish_due_articles.using(run_after=run_at))


@task()
def make_renditions(image_pk):
    """Make the renditions of an image's stored original (blog/images.py: make_renditions):
    those it lacks only, so that running it twice changes nothing. Saving them moves the
    content version: cached pages, which showed the original meanwhile, take them up."""
    image = Image.objects.filter(pk=image_pk).first()
    if image is None:
        return {"made": 0, "image": "deleted"}
    return {"made": images.make_renditions(image)}


def schedule_renditions(image):
    """After an image is saved: when a new file was stored without its renditions, the task
    that makes them is enqueued once the save commits (never for a rolled-back upload)."""
    if image.renditions_pending:
        image.renditions_pending = False
        enqueue_with_transaction(make_renditions, image.pk)
