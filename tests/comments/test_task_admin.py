"""Staff see failed background tasks in the admin, with their error, and retry them."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from comments import notifications
from tests.blog.factories import UserFactory

pytestmark = pytest.mark.django_db

TASKS_URL = "/admin/django_tasks_database/dbtaskresult/"


@pytest.fixture
def failed_email(settings, run_tasks):
    """An email whose every try failed: the last one raised and is kept as failed."""
    settings.EMAIL_BACKEND = "tests.comments.test_notifications.BrokenMailServer"
    message = {
        "subject": "Hello",
        "body": "Body",
        "from_email": "site@example.org",
        "to": ["reader@example.org"],
        "headers": {},
    }
    notifications.send_email.enqueue(message, attempt=len(settings.EMAIL_RETRY_DELAYS) + 1)
    run_tasks()
    return DBTaskResult.objects.get(status=TaskResultStatus.FAILED)


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_failed_email_is_listed_with_its_error(superuser_client, failed_email):
    page = superuser_client.get(f"{TASKS_URL}?status__exact=FAILED").content.decode()

    assert "send_email" in page
    assert "not sent after 5 attempts" in page
    assert "mail server down" in page


def test_retrying_a_failed_email_sends_it_once_the_server_is_back(
    settings, superuser_client, failed_email, run_tasks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    response = superuser_client.post(
        TASKS_URL, {"action": "retry_tasks", "_selected_action": [failed_email.pk]}
    )
    run_tasks()

    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["reader@example.org"]]
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists()


def test_a_retried_email_that_fails_again_is_failed_again_at_once(
    superuser_client, failed_email, run_tasks
):
    superuser_client.post(
        TASKS_URL, {"action": "retry_tasks", "_selected_action": [failed_email.pk]}
    )
    run_tasks()

    (failed,) = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
    assert failed.pk != failed_email.pk
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


def test_staff_who_may_only_view_tasks_cannot_retry(client, failed_email):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_dbtaskresult"))
    client.force_login(viewer)

    page = client.get(TASKS_URL)
    client.post(TASKS_URL, {"action": "retry_tasks", "_selected_action": [failed_email.pk]})

    assert page.status_code == 200
    assert "retry_tasks" not in page.content.decode()
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [failed_email.pk]
