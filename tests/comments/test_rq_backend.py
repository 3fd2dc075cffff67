"""TASKS_BACKEND=rq: the same email tasks through Redis (django-tasks-rq), for sites with
several app servers. Against the Redis on 127.0.0.1:6379 (REDIS_URL's host; database
TASKS_TEST_REDIS_DB, 7 by default), with an RQ worker run in burst mode in the test."""

import os

import django_rq
import pytest
from django.core import mail
from django_tasks_rq.backend import Job
from rq import SimpleWorker

from comments import services
from tests.blog.factories import ArticleFactory

from .factories import CommentFactory

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get(
    "TASKS_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{os.environ.get('TASKS_TEST_REDIS_DB', '7')}"
)


@pytest.fixture
def rq_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    queue = django_rq.get_queue("default", job_class=Job)
    queue.connection.flushdb()
    yield queue
    queue.connection.flushdb()


def test_an_approval_email_goes_through_redis_and_an_rq_worker(
    rq_backend, moderator, django_capture_on_commit_callbacks
):
    article = ArticleFactory(title="Kaesong")
    held = CommentFactory(article=article, held=True, user_email="author@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        services.approve(held, by=moderator)
    queued = rq_backend.count
    assert mail.outbox == []

    # In this process (SimpleWorker: no fork), so that it shares the test's transaction.
    SimpleWorker([rq_backend], connection=rq_backend.connection, job_class=Job).work(burst=True)

    assert queued == 2  # the followers' task and the author's, enqueued on commit
    assert [message.to for message in mail.outbox] == [["author@example.org"]]
    assert mail.outbox[0].subject == "Your comment on “Kaesong” is published"
