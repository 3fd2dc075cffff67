"""Follow-up emails: queued with the change that makes a comment public, sent by the worker,
with a mute link (POST)."""

import re
from email.utils import parseaddr

import pytest
from django.core import mail, signing
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from comments import notifications, services
from comments.models import Comment
from tests.blog.factories import ArticleFactory, UserFactory
from tests.tasks import run_ready_tasks

from .factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory(title="Kaesong")


def follower(article, email, **kwargs):
    return CommentFactory(
        article=article, followup=True, user=UserFactory(email=email), user_email=email, **kwargs
    )


def followups():
    """The follow-up emails sent (not the author's "approved" email)."""
    return [message for message in mail.outbox if message.subject.startswith("New comment")]


def email_tasks():
    return DBTaskResult.objects.filter(task_path=notifications.email_about_comments.module_path)


def approve_on_commit(comment, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(comment, by=moderator)
    run_ready_tasks()


def test_approval_mails_each_follower_once(article, moderator, django_capture_on_commit_callbacks):
    follower(article, "a@example.org")
    follower(article, "a@example.org")
    follower(article, "b@example.org")
    new = CommentFactory(article=article, is_public=False)

    approve_on_commit(new, moderator, django_capture_on_commit_callbacks)

    assert sorted(message.to[0] for message in followups()) == ["a@example.org", "b@example.org"]


def test_the_author_of_the_new_comment_is_not_mailed(
    article, moderator, django_capture_on_commit_callbacks
):
    earlier = follower(article, "a@example.org")
    new = CommentFactory(
        article=article, user=earlier.user, user_email="a@example.org", is_public=False
    )

    approve_on_commit(new, moderator, django_capture_on_commit_callbacks)

    assert followups() == []


def test_readers_who_did_not_ask_and_held_followers_are_not_mailed(
    article, moderator, django_capture_on_commit_callbacks
):
    CommentFactory(article=article, followup=False, user_email="quiet@example.org")
    follower(article, "held@example.org", is_public=False)
    new = CommentFactory(article=article, is_public=False)

    approve_on_commit(new, moderator, django_capture_on_commit_callbacks)

    assert followups() == []


def test_an_approval_queues_its_emails_with_it_and_sends_none(
    article, moderator, django_capture_on_commit_callbacks
):
    follower(article, "a@example.org")
    new = CommentFactory(article=article, is_public=False)

    with django_capture_on_commit_callbacks(execute=True):
        services.approve(new, by=moderator)

    assert mail.outbox == []
    # One task for the followers, one for the author: the worker sends them.
    assert sorted(task.args_kwargs["args"][0] for task in email_tasks()) == [
        notifications.APPROVAL,
        notifications.FOLLOWERS,
    ]


def test_an_approval_rolled_back_queues_no_email(article, moderator):
    follower(article, "a@example.org")
    new = CommentFactory(article=article, is_public=False)

    def approve_then_fail():
        with transaction.atomic():
            services.approve(new, by=moderator)
            raise RuntimeError("the request fails after the approval")

    with pytest.raises(RuntimeError):
        approve_then_fail()

    assert not email_tasks().exists()


def test_a_held_comment_mails_nobody(client, article):
    follower(article, "a@example.org")
    client.force_login(UserFactory())
    from .test_posting import form_data

    client.post(f"/comments/post/{article.pk}/", form_data(article))

    assert mail.outbox == []


def test_the_email_links_to_the_comment_and_a_mute_page(
    article, moderator, django_capture_on_commit_callbacks
):
    follower(article, "a@example.org")
    new = CommentFactory(article=article, is_public=False, comment="New thoughts")

    approve_on_commit(new, moderator, django_capture_on_commit_callbacks)

    message = followups()[0]
    assert "New thoughts" in message.body
    assert f"http://testserver{article.get_absolute_url()}#c{new.pk}" in message.body
    mute_url = re.search(r"Stop these emails: (\S+)", message.body).group(1)
    assert mute_url.startswith("http://testserver/comments/mute/")
    assert message.extra_headers["List-Unsubscribe"] == f"<{mute_url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "example.com" not in message.body
    assert parseaddr(message.from_email)[1]


def test_the_mute_token_is_signed_json_that_expires(settings):
    token = notifications.mute_token(7, "a@example.org")

    assert notifications.read_mute_token(token) == (7, "a@example.org")
    settings.COMMENTS_MUTE_LINK_MAX_AGE = -1
    with pytest.raises(signing.SignatureExpired):
        notifications.read_mute_token(token)
    # JSON, never pickle: a forged payload is only ever data.
    assert signing.loads(token, salt=notifications.MUTE_SALT) == {
        "article": 7,
        "email": "a@example.org",
    }


def test_opening_the_mute_link_changes_nothing(client, article):
    comment = follower(article, "a@example.org")

    response = client.get(
        f"/comments/mute/{notifications.mute_token(article.pk, 'a@example.org')}/"
    )

    assert response.status_code == 200
    assert "Stop these emails" in response.content.decode()
    comment.refresh_from_db()
    assert comment.followup is True


def test_posting_the_mute_form_mutes_that_email_on_that_article(client, article):
    muted = follower(article, "a@example.org")
    other_reader = follower(article, "b@example.org")
    other_article = follower(ArticleFactory(), "a@example.org")

    response = client.post(
        f"/comments/mute/{notifications.mute_token(article.pk, 'A@example.org')}/"
    )

    assert response.status_code == 200
    assert Comment.objects.get(pk=muted.pk).followup is False
    assert Comment.objects.get(pk=other_reader.pk).followup is True
    assert Comment.objects.get(pk=other_article.pk).followup is True


def test_a_forged_mute_link_is_refused(client, article):
    comment = follower(article, "a@example.org")
    token = notifications.mute_token(article.pk, "a@example.org")

    response = client.post(f"/comments/mute/{token[:-2]}xx/")

    assert response.status_code == 400
    comment.refresh_from_db()
    assert comment.followup is True


class BrokenMailServer(EmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_a_failing_mail_server_loses_no_comment(
    settings, article, moderator, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "tests.comments.test_notifications.BrokenMailServer"
    follower(article, "a@example.org")
    new = CommentFactory(article=article, is_public=False)

    approve_on_commit(new, moderator, django_capture_on_commit_callbacks)

    new.refresh_from_db()
    assert new.is_public is True
    assert "were not sent" in caplog.text
