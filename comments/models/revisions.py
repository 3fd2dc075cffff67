from django.conf import settings
from django.db import models
from django.utils import timezone


class CommentRevision(models.Model):
    """A comment's text as it was before one edit: every edit keeps the text it replaces,
    so that moderators can read each earlier version, who replaced it, and when."""

    comment = models.ForeignKey(
        "comments.Comment", on_delete=models.CASCADE, related_name="revisions"
    )
    previous_text = models.TextField()
    # When this text was replaced by the next one.
    edited_at = models.DateTimeField(default=timezone.now)
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comment_revisions",
    )

    class Meta:
        app_label = "comments"
        verbose_name = "earlier version"
        verbose_name_plural = "earlier versions"
        ordering = ["edited_at", "id"]
        indexes = [models.Index(fields=["comment", "edited_at"], name="revision_comment_idx")]

    def __str__(self):
        return f"Comment {self.comment_id} before the edit of {self.edited_at:%Y-%m-%d %H:%M}"
