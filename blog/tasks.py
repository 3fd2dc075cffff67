"""Background work of the blog app (django-tasks; Django 6's django.tasks after the move)."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import ContentVersion


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
        transaction.on_commit(lambda: publish_due_articles.using(run_after=run_at).enqueue())
