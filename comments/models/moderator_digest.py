"""Held comments the moderators have not been mailed about yet, and when the next digest is due.

A held comment adds one row in its own transaction. The first row of an interval sets the
digest's time (now + the editor's `moderator_digest_minutes`) and the rows after it join that
time, so that each moderator gets at most one email per interval, listing every comment held
since the last one. The digest task takes the rows that are due and deletes them.
"""

from datetime import timedelta

from django.db import models
from django.utils import timezone


class HeldCommentNoticeQuerySet(models.QuerySet):
    def due(self, now=None):
        return self.filter(digest_due_at__lte=now or timezone.now())


class HeldCommentNotice(models.Model):
    comment = models.OneToOneField(
        "comments.Comment", on_delete=models.CASCADE, related_name="held_notice"
    )
    digest_due_at = models.DateTimeField(db_index=True)

    objects = HeldCommentNoticeQuerySet.as_manager()

    class Meta:
        app_label = "comments"

    def __str__(self):
        return f"Comment {self.comment_id}, in the digest due at {self.digest_due_at}"

    @classmethod
    def add(cls, comment, interval_minutes):
        """Put a held comment in the next digest. Answers the digest's time when this comment
        opens a new interval (a digest task must be scheduled for it), else None."""
        now = timezone.now()
        scheduled = (
            cls.objects.filter(digest_due_at__gt=now)
            .order_by("digest_due_at")
            .values_list("digest_due_at", flat=True)
            .first()
        )
        due_at = scheduled or now + timedelta(minutes=interval_minutes)
        # Already waiting for a digest (approved, then held again by its author's edit
        # before the digest went): it is listed once.
        _, created = cls.objects.get_or_create(comment=comment, defaults={"digest_due_at": due_at})
        return None if scheduled or not created else due_at
