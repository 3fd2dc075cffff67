"""A task owed by a change exists once the change commits, and never for a change rolled
back (blog.tasks.enqueue_with_transaction)."""

import pytest
from django.db import transaction
from django_tasks import default_task_backend
from django_tasks_db.models import DBTaskResult

from blog.tasks import enqueue_with_transaction, publish_due_articles

pytestmark = pytest.mark.django_db

QUEUE_ELSEWHERE = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def queued_rows():
    return DBTaskResult.objects.filter(task_path=publish_due_articles.module_path)


def enqueue_then_fail():
    with transaction.atomic():
        enqueue_with_transaction(publish_due_articles)
        raise RuntimeError("the change fails")


def test_a_queue_in_the_database_gets_the_task_inside_the_transaction():
    with transaction.atomic():
        enqueue_with_transaction(publish_due_articles)
        inside = queued_rows().count()

    assert inside == 1
    assert queued_rows().count() == 1


def test_a_queue_in_the_database_loses_the_task_of_a_change_rolled_back():
    with pytest.raises(RuntimeError):
        enqueue_then_fail()

    assert not queued_rows().exists()


def test_a_queue_elsewhere_hears_of_the_task_only_once_the_change_commits(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = QUEUE_ELSEWHERE
    default_task_backend.clear()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_with_transaction(publish_due_articles)
        inside = len(default_task_backend.results)

    assert inside == 0
    assert len(default_task_backend.results) == 1


def test_a_queue_elsewhere_never_hears_of_a_change_rolled_back(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = QUEUE_ELSEWHERE
    default_task_backend.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        enqueue_then_fail()

    assert default_task_backend.results == []
