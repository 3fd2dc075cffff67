"""The admin index's "N comments await moderation", for those who may moderate."""

from django import template
from django.urls import reverse

from ..models import Comment
from ..moderators import is_moderator

register = template.Library()


@register.inclusion_tag("admin/comments/pending_comments.html", takes_context=True)
def pending_comments(context):
    """The number of pending comments, linked to the queue filtered to them."""
    if not is_moderator(context["request"].user):
        return {"show": False}
    return {
        "show": True,
        "pending_count": Comment.objects.held().count(),
        "queue_url": reverse("admin:comments_comment_changelist")
        + f"?state={Comment.State.PENDING.value}",
    }
