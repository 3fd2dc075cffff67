"""Steps a reader takes through the account pages, shared by the tests."""

import re
from contextlib import contextmanager

from django.core import mail
from django.test import TestCase
from django.urls import reverse

from tests.tasks import run_ready_tasks


def log_in(client, login, password, next_url):
    return client.post(
        reverse("account_login"), {"login": login, "password": password, "next": next_url}
    )


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def form_alert(response):
    """The text of a form's announced error summary, or None when there is none."""
    summary = re.search(
        r'<div class="form-errors" role="alert">(.*?)</div>', response.content.decode(), re.S
    )
    return " ".join(re.sub(r"<[^>]+>", " ", summary.group(1)).split()) if summary else None


def link_in_mail(message):
    """The path of the one link to this site in an email (confirmation, password reset)."""
    (url,) = re.findall(r"http://testserver(/\S+)", message.body)
    return url


def last_mail_to(address):
    return [message for message in mail.outbox if address in message.to][-1]


@contextmanager
def mail_delivered():
    """Around requests that send email: allauth's messages are queued as tasks once the
    request's transaction commits (config/accounts.py); when the block ends, the worker runs
    them (as the `run_tasks` fixture does) and they are in mail.outbox."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield
    run_ready_tasks()
