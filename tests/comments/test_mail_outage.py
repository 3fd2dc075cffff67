"""The mail server fails while the site runs: a real SMTP server (aiosmtpd) on a free loopback
port, in a thread, that refuses, goes away or answers too slowly, then comes back.

The comment is saved and the page answers before any mail server is asked; the email task is
retried after each delay of settings.EMAIL_RETRY_DELAYS (the clock is moved with
time-machine, the worker runs what is ready), and the follow-up email is delivered exactly
once when the server accepts again. Run with `-s` to see what happened.
"""

import asyncio
import logging
import socket
from datetime import timedelta
from itertools import pairwise

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from comments import notifications
from comments.models import Comment, Commenter
from tests.blog.factories import ArticleFactory, UserFactory

from .factories import CommentFactory
from .test_posting import form_data

pytestmark = pytest.mark.django_db


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FlakyMailServer:
    """An SMTP handler answering the first `refusals` messages with 451 (after `delay`
    seconds, when a slow server is wanted), then accepting: what it accepted, and when."""

    def __init__(self, refusals=0, delay=0.0):
        self.refusals = refusals
        self.delay = delay
        self.attempts = 0
        self.delivered = []

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.attempts <= self.refusals:
            if self.delay:
                await asyncio.sleep(self.delay)
            return "451 4.3.0 Try again later"
        self.delivered.append((timezone.now(), envelope.rcpt_tos, envelope.content))
        return "250 OK"


class SmtpServer:
    """A real SMTP server on 127.0.0.1:`port` that a test starts and stops."""

    def __init__(self, handler, port):
        self.handler = handler
        self.port = port
        self.controller = None

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_settings(settings):
    # aiosmtpd logs every SMTP command at INFO: only what goes wrong on its side.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    settings.EMAIL_RETRY_DELAYS = (60, 300, 1800, 7200)
    return settings


@pytest.fixture
def smtp_server(smtp_settings):
    servers = []

    def start(handler):
        server = SmtpServer(handler, smtp_settings.EMAIL_PORT)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def trusted_post(client, django_capture_on_commit_callbacks):
    """A trusted reader posts a comment (public at once) on an article with one follower;
    the answer, once its transaction has committed (the email task enqueued)."""
    article = ArticleFactory(title="Kaesong")
    CommentFactory(article=article, followup=True, user_email="follower@example.org")
    reader = UserFactory()
    Commenter.set_standing(reader, Commenter.Standing.TRUSTED)
    client.force_login(reader)

    def post():
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/comments/post/{article.pk}/", form_data(article, text="Through the outage")
            )

    return post


def email_tries():
    """The send_email tasks, oldest first: (attempt, status, return value, finished at)."""
    rows = DBTaskResult.objects.filter(task_path=notifications.send_email.module_path)
    return [
        (row.args_kwargs["kwargs"].get("attempt", 1), row.status, row.return_value, row.finished_at)
        for row in rows.order_by("enqueued_at")
    ]


def minutes_between_tries(tries):
    """How long each retry waited after the try before it, in whole minutes."""
    return [
        round((later[3] - earlier[3]).total_seconds() / 60) for earlier, later in pairwise(tries)
    ]


def report(title, tries, delivered):
    print(f"\n{title}")
    start = tries[0][3]
    for attempt, status, value, finished_at in tries:
        value = value or {}
        print(
            f"  attempt {attempt} at +{(finished_at - start).total_seconds():.0f} s: {status}, "
            f"sent={value.get('sent')} {value.get('error', '')}"
        )
    for when, to, _ in delivered:
        print(f"  delivered once to {', '.join(to)}, +{(when - start).total_seconds():.0f} s")


def test_a_refusing_then_absent_mail_server_gets_the_email_once_it_returns(
    smtp_server, trusted_post, run_tasks
):
    handler = FlakyMailServer(refusals=2)
    server = smtp_server(handler)

    with time_machine.travel(timezone.now(), tick=True) as clock:
        response = trusted_post()

        # Saved and answered; the mail server has not been asked yet.
        assert response.status_code == 302
        assert Comment.objects.get(comment="Through the outage").is_public
        assert handler.attempts == 0

        run_tasks()  # builds the follow-up, first try: 451
        clock.shift(timedelta(seconds=61))
        run_tasks()  # second try: 451
        server.stop()
        clock.shift(timedelta(seconds=301))
        run_tasks()  # third try: connection refused
        assert handler.delivered == []
        server = smtp_server(handler)
        clock.shift(timedelta(seconds=1801))
        run_tasks()  # fourth try: delivered
        clock.shift(timedelta(hours=3))
        run_tasks()  # nothing left

    tries = email_tries()
    report("SMTP refusing (451 twice), then down, then back:", tries, handler.delivered)
    assert [(attempt, status) for attempt, status, _, _ in tries] == [
        (1, TaskResultStatus.SUCCESSFUL),
        (2, TaskResultStatus.SUCCESSFUL),
        (3, TaskResultStatus.SUCCESSFUL),
        (4, TaskResultStatus.SUCCESSFUL),
    ]
    assert [value["sent"] for _, _, value, _ in tries] == [False, False, False, True]
    assert "451" in tries[0][2]["error"]
    assert "ConnectionRefused" in tries[2][2]["error"]
    # Each retry waited for its delay: 1 minute, then 5, then 30.
    assert minutes_between_tries(tries) == [1, 5, 30]
    assert len(handler.delivered) == 1
    assert handler.delivered[0][1] == ["follower@example.org"]
    assert b"Through the outage" in handler.delivered[0][2]
    assert mail.outbox == []


def test_a_mail_server_slower_than_the_timeout_is_retried(smtp_server, trusted_post, run_tasks):
    handler = FlakyMailServer(refusals=1, delay=2)  # EMAIL_TIMEOUT is 1 s
    smtp_server(handler)

    with time_machine.travel(timezone.now(), tick=True) as clock:
        assert trusted_post().status_code == 302
        assert handler.attempts == 0
        run_tasks()  # times out
        clock.shift(timedelta(seconds=61))
        run_tasks()  # delivered

    tries = email_tries()
    report("SMTP slower than EMAIL_TIMEOUT (1 s), then answering:", tries, handler.delivered)
    assert [value["sent"] for _, _, value, _ in tries] == [False, True]
    assert "timed out" in tries[0][2]["error"].lower()
    assert len(handler.delivered) == 1


def test_after_the_last_retry_the_email_is_kept_as_failed_with_its_error(
    smtp_server, trusted_post, run_tasks
):
    handler = FlakyMailServer(refusals=99)
    smtp_server(handler)

    with time_machine.travel(timezone.now(), tick=True) as clock:
        trusted_post()
        run_tasks()
        for delay in (60, 300, 1800, 7200):
            clock.shift(timedelta(seconds=delay + 1))
            run_tasks()

    tries = email_tries()
    assert [status for _, status, _, _ in tries] == [TaskResultStatus.SUCCESSFUL] * 4 + [
        TaskResultStatus.FAILED
    ]
    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert "EmailNotSent" in failed.exception_class_path
    assert "not sent after 5 attempts" in failed.traceback
    assert "451" in failed.traceback
    assert handler.delivered == []
