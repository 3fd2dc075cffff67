"""Follow-up emails, sent once a comment is public, after its transaction commits.

xtd sends from raw threads with `http://` links and mute links that are signed
pickles acting on GET (flaws 17, 21 in docs/comments-xtd.md). Here each follower gets
one plain-text email with a signed JSON token that expires, whose page asks for a POST
to mute, and a `List-Unsubscribe` header. A mail server that fails is logged and never takes the
comment down with it.
"""

import logging
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from blog.links import absolute_url
from blog.models import Article

from .models import Comment
from .moderators import moderators

logger = logging.getLogger(__name__)

MUTE_SALT = "comments.mute"


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


def send_on_commit(build_messages, comment_id, failure):
    """Build and send emails about one comment once its transaction commits, over one
    connection. A mail server's failure is logged: the comment is saved, and stays."""

    def send():
        try:
            messages = build_messages(comment_id)
            if messages:
                get_connection(fail_silently=False).send_messages(messages)
        except Exception:
            logger.exception(failure, comment_id)

    transaction.on_commit(send)


def notify_followers_on_commit(comment):
    send_on_commit(followup_messages, comment.pk, "Follow-up emails for comment %s were not sent")


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


MODERATOR_SUBJECTS = {
    "comments/email/held.txt": "Comment awaiting moderation on “{title}”",
    "comments/email/reported.txt": "Reported comment on “{title}”",
}


def notify_moderators_on_commit(comment, template="comments/email/held.txt"):
    send_on_commit(
        partial(moderator_messages, template=template),
        comment.pk,
        "Moderators were not told of comment %s",
    )


def moderator_messages(comment_id, template):
    """One email per moderator about one comment: why it waits, and where in the queue."""
    comment = Comment.objects.get(pk=comment_id)
    article = Article.objects.get(pk=comment.article_pk)
    context = {
        "comment": comment,
        "article": article,
        "queue_url": absolute_url(reverse("admin:comments_comment_change", args=[comment.pk])),
        "site_name": settings.SITE_NAME,
    }
    body = render_to_string(template, context)
    subject = MODERATOR_SUBJECTS[template].format(title=article.title)
    return [
        EmailMessage(subject, body, settings.COMMENTS_FROM_EMAIL, [moderator.email])
        for moderator in moderators()
    ]


def notify_author_of_approval_on_commit(comment):
    send_on_commit(
        approval_messages,
        comment.pk,
        "The author of comment %s was not told of its approval",
    )


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
