"""Every email the comments app sends, built and sent by background tasks.

A change that owes emails (a public comment, an approval, a report) enqueues one task with
its transaction (blog.tasks.enqueue_with_transaction: it exists once the change commits,
never for one rolled back): the worker builds the messages and queues each on its own
(`send_email`), so that a mail server that refuses or times out retries that email alone,
after a delay, a set number of times (settings.EMAIL_RETRY_DELAYS). An email that never
went out is kept as a failed task, with its error, under Task results in the admin, where
staff can retry it: no email is lost silently, and no reader waits for the mail server.
allauth's account emails go through `send_email` too (config/accounts.py).

Held comments are not mailed one by one: each joins the next moderators' digest
(HeldCommentNotice), at most one email per moderator per interval the editor sets.

xtd sends from raw threads with `http://` links and mute links that are signed
pickles acting on GET (flaws 17, 21 in docs/comments-xtd.md). Here each follower gets
one plain-text email with a signed JSON token that expires, whose page asks for a POST
to mute, and a `List-Unsubscribe` header.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from blog.links import absolute_url
from blog.models import Article
from blog.tasks import enqueue_with_transaction

from .models import Comment, HeldCommentNotice, current_rules
from .moderators import moderators

logger = logging.getLogger(__name__)

MUTE_SALT = "comments.mute"
# A digest lists this many held comments in full; past it, how many more, and the queue.
DIGEST_LISTED = 50


def mute_token(article_id, email):
    return signing.dumps({"article": article_id, "email": email}, salt=MUTE_SALT, compress=True)


def read_mute_token(token):
    """The (article id, email) a mute link was made for; BadSignature if forged or expired."""
    data = signing.loads(token, salt=MUTE_SALT, max_age=settings.COMMENTS_MUTE_LINK_MAX_AGE)
    return int(data["article"]), str(data["email"])


def followers(comment):
    """Readers who asked to hear of new comments on this article, less the comment's author.

    One entry per email: the name they last commented under.
    """
    rows = (
        Comment.objects.for_article(comment.article_pk)
        .filter(followup=True)
        .public()
        .exclude(user_email="")
        .exclude(user_email__iexact=comment.user_email or "\0")
        .exclude(user_id=comment.user_id)
        .order_by("submit_date")
        .values_list("user_email", "user_name")
    )
    return {email.lower(): (email, name) for email, name in rows}.values()


# Sending, with retries ---------------------------------------------------------------


class EmailNotSent(Exception):
    """The mail server failed on every try of one email."""


def message_as_data(message):
    """An EmailMessage as the JSON a task's arguments must be: with its HTML alternative and
    the type of its body (allauth sends an HTML-only message when a site gives it only an
    HTML template). Attachments are not carried: no email here has any."""
    return {
        "subject": message.subject,
        "body": message.body,
        "content_subtype": message.content_subtype,
        "alternatives": [
            [content, mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
    }


def message_from_data(data):
    # .get(): data queued before the message carried its alternatives reads as plain text.
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        headers=data["headers"],
        alternatives=[tuple(pair) for pair in data.get("alternatives", [])],
    )
    message.content_subtype = data.get("content_subtype", "plain")
    return message


@task()
def send_email(message, attempt=1):
    """Send one email. When the mail server fails, the same email is queued again to run after
    the next of settings.EMAIL_RETRY_DELAYS, and this try ends as a success that says so; after
    the last delay, EmailNotSent is raised: the task is kept as failed, with the error."""
    try:
        get_connection(fail_silently=False).send_messages([message_from_data(message)])
    except Exception as error:
        delays = settings.EMAIL_RETRY_DELAYS
        tries = len(delays) + 1
        if attempt >= tries:
            logger.error(
                "Emails were not sent: “%s” to %s, attempt %s of %s (%r); given up",
                message["subject"],
                ", ".join(message["to"]),
                attempt,
                tries,
                error,
            )
            raise EmailNotSent(
                f"“{message['subject']}” to {', '.join(message['to'])}: "
                f"not sent after {attempt} attempts ({error!r})"
            ) from error
        retry_at = timezone.now() + timedelta(seconds=delays[attempt - 1])
        send_email.using(run_after=retry_at).enqueue(message, attempt=attempt + 1)
        logger.warning(
            "Emails were not sent: “%s” to %s, attempt %s of %s (%r); next try at %s",
            message["subject"],
            ", ".join(message["to"]),
            attempt,
            tries,
            error,
            retry_at.isoformat(),
        )
        return {"sent": False, "attempt": attempt, "error": repr(error), "retry_at": str(retry_at)}
    return {"sent": True, "attempt": attempt}


def enqueue_emails(messages):
    """Queue each message as its own task (one transaction on the database backend)."""
    with transaction.atomic():
        for message in messages:
            send_email.enqueue(message_as_data(message))
    return len(messages)


# What a change owes --------------------------------------------------------------------

FOLLOWERS = "followers"
APPROVAL = "approval"
REPORTED = "reported"


@task()
def email_about_comments(kind, comment_ids):
    """Build the emails of one kind (FOLLOWERS, APPROVAL, REPORTED) about these comments, as
    they stand when the worker runs, and queue each."""
    build = {
        FOLLOWERS: followup_messages,
        APPROVAL: approval_messages,
        REPORTED: reported_messages,
    }[kind]
    return {"queued": enqueue_emails([m for pk in comment_ids for m in build(pk)])}


def email_on_commit(kind, comments):
    """One task for these comments, there once the current transaction commits (at once
    outside one): a rolled-back change owes nothing."""
    comment_ids = [comment.pk for comment in comments]
    if comment_ids:
        enqueue_with_transaction(email_about_comments, kind, comment_ids)


def notify_followers_on_commit(*comments):
    email_on_commit(FOLLOWERS, comments)


def followup_messages(comment_id):
    comment = Comment.objects.public().filter(pk=comment_id).first()
    if comment is None:
        return []
    article = Article.objects.get(pk=comment.article_pk)
    # As a reader who is not logged in sees the discussion.
    comment_url = absolute_url(comment.url_for(None))
    return [
        followup_message(comment, article, comment_url, email, name)
        for email, name in followers(comment)
    ]


def followup_message(comment, article, comment_url, email, name):
    mute_url = absolute_url(
        reverse("comments:mute", kwargs={"token": mute_token(article.pk, email)})
    )
    context = {
        "name": name,
        "comment": comment,
        "article": article,
        "comment_url": comment_url,
        "mute_url": mute_url,
        "site_name": settings.SITE_NAME,
    }
    return EmailMessage(
        subject=f"New comment on “{article.title}”",
        body=render_to_string("comments/email/followup.txt", context),
        from_email=settings.COMMENTS_FROM_EMAIL,
        to=[email],
        headers={
            "List-Unsubscribe": f"<{mute_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def notify_moderators_of_report_on_commit(comment):
    """A reported comment is rare and was public: moderators hear of it at once."""
    email_on_commit(REPORTED, [comment])


def reported_messages(comment_id):
    """One email per moderator about one reported comment, with its place in the queue."""
    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None:
        return []
    article = Article.objects.get(pk=comment.article_pk)
    context = {
        "comment": comment,
        "article": article,
        "queue_url": absolute_url(reverse("admin:comments_comment_change", args=[comment.pk])),
        "site_name": settings.SITE_NAME,
    }
    body = render_to_string("comments/email/reported.txt", context)
    subject = f"Reported comment on “{article.title}”"
    return [
        EmailMessage(subject, body, settings.COMMENTS_FROM_EMAIL, [moderator.email])
        for moderator in moderators()
    ]


# The moderators' digest ----------------------------------------------------------------


def add_to_moderator_digest(comment):
    """Inside the held comment's transaction: it joins the next digest; the first held comment
    of an interval schedules the digest task for the interval's end, on commit."""
    due_at = HeldCommentNotice.add(comment, current_rules().moderator_digest_minutes)
    if due_at is not None:
        enqueue_with_transaction(send_moderator_digest.using(run_after=due_at))


@task()
def send_moderator_digest():
    """One email per moderator listing every comment held since the last digest and still
    waiting. Takes the notices that are due (two digests scheduled at once by two held
    comments in a race: the later finds nothing left, and sends nothing)."""
    with transaction.atomic():
        notice_ids = list(
            HeldCommentNotice.objects.due().select_for_update().values_list("pk", flat=True)
        )
        comment_ids = list(
            HeldCommentNotice.objects.filter(pk__in=notice_ids).values_list("comment_id", flat=True)
        )
        HeldCommentNotice.objects.filter(pk__in=notice_ids).delete()
        held = list(
            Comment.objects.filter(pk__in=comment_ids)
            .in_state(Comment.State.PENDING)
            .order_by("submit_date", "pk")
        )
        queued = enqueue_emails(moderator_digest_messages(held)) if held else 0
    return {"held": len(held), "queued": queued}


def moderator_digest_messages(held):
    titles = dict(
        Article.objects.filter(pk__in={comment.article_pk for comment in held}).values_list(
            "pk", "title"
        )
    )
    listed = [
        {
            "comment": comment,
            "article_title": titles.get(comment.article_pk, ""),
            "queue_url": absolute_url(reverse("admin:comments_comment_change", args=[comment.pk])),
        }
        for comment in held[:DIGEST_LISTED]
    ]
    context = {
        "count": len(held),
        "listed": listed,
        "more": len(held) - len(listed),
        "queue_url": absolute_url(reverse("admin:comments_comment_changelist"))
        + f"?state={Comment.State.PENDING.value}",
        "site_name": settings.SITE_NAME,
    }
    body = render_to_string("comments/email/held_digest.txt", context)
    if len(held) == 1:
        subject = f"Comment awaiting moderation on “{listed[0]['article_title']}”"
    else:
        subject = f"{len(held)} comments awaiting moderation"
    return [
        EmailMessage(subject, body, settings.COMMENTS_FROM_EMAIL, [moderator.email])
        for moderator in moderators()
    ]


def notify_author_of_approval_on_commit(*comments):
    email_on_commit(APPROVAL, comments)


def approval_messages(comment_id):
    """The commenter hears once that a held comment is now public."""
    comment = Comment.objects.public().filter(pk=comment_id).first()
    if comment is None or not comment.user_email:
        return []
    article = Article.objects.get(pk=comment.article_pk)
    context = {
        "comment": comment,
        "article": article,
        "comment_url": absolute_url(comment.url_for(None)),
        "site_name": settings.SITE_NAME,
    }
    return [
        EmailMessage(
            f"Your comment on “{article.title}” is published",
            render_to_string("comments/email/approved.txt", context),
            settings.COMMENTS_FROM_EMAIL,
            [comment.user_email],
        )
    ]
