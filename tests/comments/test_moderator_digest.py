"""Moderators are mailed a digest of held comments: at most one email each per interval
(the editor's `moderator_digest_minutes`), listing every comment held since the last one."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments import notifications, services
from comments.models import Comment, HeldCommentNotice
from comments.policy import HOLD, decide_for
from tests.blog.factories import ArticleFactory, UserFactory

from .factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderators(moderator):
    return [moderator, UserFactory(is_staff=True, is_superuser=True, email="admin@example.org")]


@pytest.fixture
def hold_everything(discussion_rules):
    # The flood rule would refuse a reader's second comment within 15 s: off for a flood.
    return discussion_rules(flood_interval=0, manual_approval=True)


def hold(count, django_capture_on_commit_callbacks, article=None):
    """`count` comments from one new reader, each decided by the rules (held) and saved as
    the posting service saves it, each in its own transaction."""
    article = article or ArticleFactory(title="Kaesong")
    reader = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(count):
            comment = CommentFactory.build(
                article=article, user=reader, comment=f"Held comment number {number}."
            )
            decision = decide_for(comment, article)
            assert decision.action == HOLD
            services.save_as_decided(comment, decision)


def digest_tasks():
    return DBTaskResult.objects.filter(task_path=notifications.send_moderator_digest.module_path)


def digests():
    return [message for message in mail.outbox if "awaiting moderation" in message.subject]


def test_500_held_comments_send_one_email_per_moderator(
    moderators, hold_everything, django_capture_on_commit_callbacks, run_tasks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        hold(500, django_capture_on_commit_callbacks)
        scheduled = digest_tasks().count()
        run_tasks()
        sent_at_once = len(mail.outbox)
        clock.shift(timedelta(minutes=14))
        run_tasks()
        sent_within_the_interval = len(mail.outbox)
        clock.shift(timedelta(minutes=1))
        run_tasks()

    print(
        f"\n500 held comments, 2 moderators, digest every 15 minutes: {scheduled} digest "
        f"task scheduled, {sent_at_once} emails at once, {sent_within_the_interval} in the "
        f"first 14 minutes, {len(mail.outbox)} at 15 minutes"
    )
    # The first held comment of the interval schedules the digest.
    assert scheduled == 1
    assert sent_at_once == sent_within_the_interval == 0
    assert sorted(message.to[0] for message in digests()) == [
        "admin@example.org",
        "mod@example.org",
    ]
    assert len(mail.outbox) == 2
    assert HeldCommentNotice.objects.count() == 0


def test_the_digest_lists_the_first_50_and_links_to_the_queue_for_the_rest(
    moderators, hold_everything, django_capture_on_commit_callbacks, run_tasks
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        hold(500, django_capture_on_commit_callbacks)
        clock.shift(timedelta(minutes=15))
        run_tasks()

    body = digests()[0].body
    assert digests()[0].subject == "500 comments awaiting moderation"
    assert body.startswith("500 comments held since the last email")
    listed = Comment.objects.order_by("submit_date", "pk")[: notifications.DIGEST_LISTED]
    for comment in listed:
        assert f"/admin/comments/comment/{comment.pk}/change/" in body
    assert body.count("/change/") == 50
    assert "Held comment number 49." in body
    assert "Held comment number 50." not in body
    assert "…and 450 more: http://testserver/admin/comments/comment/?state=pending" in body


def test_the_next_interval_gets_its_own_digest_of_what_was_held_since(
    moderator, hold_everything, django_capture_on_commit_callbacks, run_tasks
):
    article = ArticleFactory(title="Kaesong")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        hold(3, django_capture_on_commit_callbacks, article)
        clock.shift(timedelta(minutes=15))
        run_tasks()
        clock.shift(timedelta(minutes=1))
        hold(2, django_capture_on_commit_callbacks, article)
        clock.shift(timedelta(minutes=14))
        run_tasks()
        before_the_end = len(digests())
        clock.shift(timedelta(minutes=1))
        run_tasks()

    assert before_the_end == 1
    assert [message.subject for message in digests()] == [
        "3 comments awaiting moderation",
        "2 comments awaiting moderation",
    ]


def test_a_comment_decided_before_the_digest_is_left_out(
    moderator, hold_everything, django_capture_on_commit_callbacks, run_tasks
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        hold(2, django_capture_on_commit_callbacks)
        services.approve(Comment.objects.earliest("pk"), by=moderator)
        clock.shift(timedelta(minutes=15))
        run_tasks()

    (digest,) = digests()
    assert digest.subject == "Comment awaiting moderation on “Kaesong”"
    assert "Held comment number 1." in digest.body
    assert "Held comment number 0." not in digest.body


def test_an_interval_of_zero_mails_each_held_comment_at_once(
    moderator, discussion_rules, django_capture_on_commit_callbacks, run_tasks
):
    discussion_rules(flood_interval=0, moderator_digest_minutes=0)

    hold(2, django_capture_on_commit_callbacks)
    run_tasks()

    assert len(digests()) >= 1
    assert sum(message.body.count("/change/") for message in digests()) == 2
