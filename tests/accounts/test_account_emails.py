"""allauth's emails (verification, password reset, email change) go out through the task
worker (config/accounts.py): queued once the request's transaction commits, sent by the
worker, retried when the mail server fails."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments import notifications
from tests.comments.test_mail_outage import FlakyMailServer, SmtpServer, free_port

from .factories import ReaderFactory
from .flows import link_in_mail, mail_delivered
from .test_signup import sign_up

pytestmark = pytest.mark.django_db


def queued_emails():
    return DBTaskResult.objects.filter(task_path=notifications.send_email.module_path)


def test_signing_up_queues_the_verification_email_and_sends_nothing(
    client, respond_url, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, respond_url)

    assert response["Location"] == reverse("account_email_verification_sent")
    (queued,) = queued_emails()
    assert queued.args_kwargs["args"][0]["to"] == ["grace@example.org"]
    assert mail.outbox == []


def test_the_worker_sends_the_verification_email(
    client, respond_url, django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, respond_url)

    run_tasks()

    (message,) = mail.outbox
    assert message.to == ["grace@example.org"]
    assert message.subject == "[Liaison] Please Confirm Your Email Address"
    assert link_in_mail(message).startswith("/accounts/confirm-email/")


def test_an_html_template_gives_the_email_its_html_alternative(
    client, settings, tmp_path, respond_url
):
    templates = tmp_path / "templates" / "account" / "email"
    templates.mkdir(parents=True)
    (templates / "password_reset_key_message.html").write_text(
        '<p>Set a new password: <a href="{{ password_reset_url }}">here</a></p>'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]
    ReaderFactory(email="ada@example.org")

    with mail_delivered():
        client.post(reverse("account_reset_password"), {"email": "ada@example.org"})

    (message,) = mail.outbox
    (html, mimetype), *others = message.alternatives
    assert (mimetype, others) == ("text/html", [])
    assert '<a href="http://testserver/accounts/password/reset/key/' in html
    assert "http://testserver/accounts/password/reset/key/" in message.body  # the text part


@pytest.fixture
def refusing_smtp(settings):
    """A real SMTP server on loopback that answers 451 to the first message, then accepts."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    settings.EMAIL_RETRY_DELAYS = (60, 300)
    handler = FlakyMailServer(refusals=1)
    server = SmtpServer(handler, settings.EMAIL_PORT)
    server.start()
    yield handler
    server.stop()


def test_a_password_reset_refused_by_the_mail_server_is_sent_on_the_retry(
    client, refusing_smtp, django_capture_on_commit_callbacks, run_tasks
):
    ReaderFactory(email="ada@example.org")

    with time_machine.travel(timezone.now(), tick=True) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("account_reset_password"), {"email": "ada@example.org"})
        assert response["Location"] == reverse("account_reset_password_done")
        assert refusing_smtp.attempts == 0

        (first,) = run_tasks()  # 451
        assert refusing_smtp.delivered == []
        clock.shift(timedelta(seconds=61))
        (second,) = run_tasks()  # accepted

    assert (first.return_value["sent"], second.return_value["sent"]) == (False, True)
    assert "451" in first.return_value["error"]
    ((_, recipients, content),) = refusing_smtp.delivered
    assert recipients == ["ada@example.org"]
    assert b"/accounts/password/reset/key/" in content
