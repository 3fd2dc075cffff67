from django.conf import settings
from django.db import models
from django.utils import timezone


class Report(models.Model):
    """A logged-in reader's report of a comment; one per reader and comment."""

    comment = models.ForeignKey(
        "comments.Comment", on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_reports"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "comments"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="report_once_per_reader")
        ]

    def __str__(self):
        return f"{self.reporter} reported comment {self.comment_id}"
