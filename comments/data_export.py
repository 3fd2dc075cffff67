"""Everything Liaison holds about one reader, as the JSON their account page hands them.

What is listed here is what comments/erasure.py erases: the account, its email addresses,
its comments (with their states, texts, names, addresses and follow-up choice), the reports
it made, its social accounts (with what each provider sent), its standing as a commenter
and the moderators' decisions about it. Moderators are not named: they are not the reader's
data.
"""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone

from blog.links import absolute_url
from blog.models import Article

from .models import Comment, Commenter, ModerationEvent, Report

FORMAT_VERSION = 1


def moment(value):
    return value.isoformat() if value is not None else None


def reader_data(user):
    """A dict ready for json.dumps (datetimes as ISO 8601 text)."""
    comments = list(Comment.objects.filter(user=user).order_by("submit_date", "pk"))
    reports = list(
        Report.objects.filter(reporter=user).select_related("comment").order_by("created_at")
    )
    article_ids = {comment.article_pk for comment in comments}
    article_ids |= {report.comment.article_pk for report in reports}
    articles = Article.objects.only("pk", "title", "slug", "published_at").in_bulk(article_ids)

    def article(pk):
        found = articles.get(pk)
        if found is None:
            return {"id": pk, "title": None, "url": None}
        return {
            "id": pk,
            "title": found.title,
            "url": absolute_url(found.get_absolute_url()),
        }

    followed = sorted({comment.article_pk for comment in comments if comment.followup})
    return {
        "format": FORMAT_VERSION,
        "exported_at": moment(timezone.now()),
        "account": {
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "date_joined": moment(user.date_joined),
            "last_login": moment(user.last_login),
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "comments": [
            {
                "id": comment.pk,
                "article": article(comment.article_pk),
                "in_reply_to": comment.parent_id if comment.parent_id != comment.pk else None,
                "submitted_at": moment(comment.submit_date),
                "state": comment.state.value,
                "text": comment.comment,
                "name": comment.user_name,
                "email": comment.user_email,
                "url": comment.user_url,
                "ip_address": comment.ip_address,
                "followup": comment.followup,
                "moderation_reasons": comment.moderation_reasons,
            }
            for comment in comments
        ],
        "reports": [
            {
                "comment_id": report.comment_id,
                "article": article(report.comment.article_pk),
                "reported_at": moment(report.created_at),
            }
            for report in reports
        ],
        "followups": [{"article": article(pk)} for pk in followed],
        "social_accounts": [
            {
                "provider": account.provider,
                "uid": account.uid,
                "date_joined": moment(account.date_joined),
                "last_login": moment(account.last_login),
                "extra_data": account.extra_data,
            }
            for account in SocialAccount.objects.filter(user=user).order_by("provider", "uid")
        ],
        "commenter_standing": standing(user),
        "moderation_events": [
            {
                "action": event.action,
                "label": event.get_action_display(),
                "at": moment(event.created_at),
                "by": "a moderator" if event.actor_id is not None else "the rules",
                "reasons": event.reasons,
            }
            for event in ModerationEvent.objects.filter(commenter=user).order_by("created_at", "pk")
        ],
    }


def standing(user):
    commenter = Commenter.objects.filter(user=user).first()
    if commenter is None:
        return {
            "standing": Commenter.Standing.RULES.value,
            "label": Commenter.Standing.RULES.label,
            "note": "",
            "updated_at": None,
        }
    return {
        "standing": commenter.standing,
        "label": commenter.get_standing_display(),
        "note": commenter.note,
        "updated_at": moment(commenter.updated_at),
    }
