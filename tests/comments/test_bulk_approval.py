"""Approving 500 held comments with one admin action: one transaction, each article recounted
once, the emails queued as two tasks on commit (the followers', the authors'), none sent in the
request. The number of queries is bounded; the time is printed with `-s`, never asserted."""

import time

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from comments import notifications
from comments.models import Comment
from tests.blog.factories import ArticleFactory

from .factories import CommentFactory

pytestmark = pytest.mark.django_db

HELD = 500
ARTICLES = 5


@pytest.fixture
def held_comments():
    articles = ArticleFactory.create_batch(ARTICLES)
    for article in articles:
        CommentFactory(article=article, followup=True, user_email=f"f{article.pk}@example.org")
    return [
        CommentFactory(article=articles[number % ARTICLES], held=True) for number in range(HELD)
    ], articles


def test_approving_500_held_comments_is_one_bounded_request_with_the_emails_queued(
    client, moderator, held_comments, django_capture_on_commit_callbacks, run_tasks
):
    comments, articles = held_comments
    client.force_login(moderator)

    started = time.perf_counter()
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            "/admin/comments/comment/",
            {"action": "approve_comments", "_selected_action": [c.pk for c in comments]},
        )
    elapsed = time.perf_counter() - started
    tasks = DBTaskResult.objects.filter(task_path=notifications.email_about_comments.module_path)
    print(
        f"\nBulk approval of {HELD} held comments on {ARTICLES} articles: {elapsed:.2f} s, "
        f"{len(queries)} queries, {tasks.count()} tasks enqueued, "
        f"{len(mail.outbox)} emails sent in the request"
    )

    assert response.status_code == 302
    assert Comment.objects.in_state(Comment.State.PENDING).count() == 0
    for article in articles:
        article.refresh_from_db()
        assert article.comment_count == HELD // ARTICLES + 1
    # At most 6 queries per comment (read, was it ever approved, the update, the audit row,
    # a savepoint and its release), plus the request's own: never an email, never a recount
    # per comment.
    assert len(queries) <= 6 * HELD + 60
    recounts = [q for q in queries if 'UPDATE "blog_article"' in q["sql"]]
    assert len(recounts) == ARTICLES
    assert mail.outbox == []
    assert sorted(task.args_kwargs["args"][0] for task in tasks) == ["approval", "followers"]


def test_the_queued_emails_of_a_bulk_approval_go_out_when_the_worker_runs(
    client, moderator, held_comments, django_capture_on_commit_callbacks, run_tasks
):
    comments, _ = held_comments
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/comments/comment/",
            {"action": "approve_comments", "_selected_action": [c.pk for c in comments[:20]]},
        )

    run_tasks()

    published = [m for m in mail.outbox if m.subject.startswith("Your comment")]
    followups = [m for m in mail.outbox if m.subject.startswith("New comment")]
    assert len(published) == 20
    # Each comment's article has one follower, mailed about each approved comment.
    assert len(followups) == 20
