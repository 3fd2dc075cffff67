"""Background work of the blog app (django-tasks; Django 6's django.tasks after the move)."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from . import images
from .models import ContentVersion, Image


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
        transaction.on_commit(lambda: make_renditions.enqueue(image.pk))
