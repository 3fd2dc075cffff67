"""The admin index's "N comments await moderation", for those who may moderate."""

from django import template
from django.urls import reverse

from ..models import Comment

register = template.Library()


@register.inclusion_tag("admin/comments/pending_comments.html", takes_context=True)
def pending_comments(context):
    """The number of pending comments, linked to the queue filtered to them."""
    user = context["request"].user
    if not user.has_perm("django_comments.can_moderate"):
        return {"show": False}
    return {
        "show": True,
        "pending_count": Comment.objects.held().count(),
        "queue_url": reverse("admin:comments_comment_changelist")
        + f"?state={Comment.State.PENDING.value}",
    }
