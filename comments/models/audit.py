from django.conf import settings
from django.db import models
from django.utils import timezone


class ModerationEvent(models.Model):
    """The audit trail: who decided what about a comment or a commenter, when, and why.

    contrib-comments' CommentFlag has this shape, but its unique (user, comment, flag)
    cannot record a moderator taking the same decision twice (approve, unapprove, approve).
    An event with no actor is the moderation policy's own decision.
    """

    class Action(models.TextChoices):
        POLICY = "policy", "Decided by the rules"
        APPROVE = "approve", "Approved"
        UNAPPROVE = "unapprove", "Unapproved"
        SPAM = "spam", "Marked as spam"
        REMOVE = "remove", "Removed"
        RESTORE = "restore", "Restored"
        REPORTED = "reported", "Returned to pending by readers' reports"
        BAN = "ban", "Banned the commenter"
        TRUST = "trust", "Trusted the commenter"
        RESET = "reset", "Commenter back to the rules"
        # A reader's account erased (comments/erasure.py): on each of their comments, and
        # once about the person, now the tombstone, with the erasure's actor.
        ERASE = "erase", "Erased at the reader's request"
        # An author's own changes, recorded with the author as the actor; an edit goes
        # through the rules again, and its event says where they sent it.
        EDITED = "edited", "Edited by its author"
        EDIT_HELD = "edit held", "Held after an edit"
        EDIT_SPAM = "edit spam", "Marked as spam after an edit"
        AUTHOR_REMOVED = "author removed", "Removed by its author"
        # A comment without replies its author deleted: the event outlives it, without it.
        AUTHOR_DELETED = "author deleted", "Deleted by its author"

    comment = models.ForeignKey(
        "comments.Comment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    commenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="moderation_events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_decisions",
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        app_label = "comments"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["comment", "-created_at"], name="event_comment_idx")]

    def __str__(self):
        if self.actor is None:
            return self.get_action_display()
        return f"{self.get_action_display()} by {self.actor}"
