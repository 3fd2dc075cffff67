"""What an object here was in a WordPress export: the memory that makes `import_wxr` idempotent.

One row per imported author, topic, post, attachment and comment, keyed by the WordPress
site and the object's WordPress id. A second import of the same export finds every row and
matches instead of creating; an object deleted here since is not brought back (its link stays).
"""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class WordPressLink(models.Model):
    class Kind(models.TextChoices):
        AUTHOR = "author", "Author"
        TOPIC = "topic", "Category or tag"
        POST = "post", "Post"
        ATTACHMENT = "attachment", "Attachment"
        COMMENT = "comment", "Comment"

    # The export's blog address without its scheme ("example.wordpress.com"), so that one
    # site exported over http and later over https is still the same site.
    site = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    wp_id = models.PositiveBigIntegerField("WordPress id")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    imported_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "WordPress link"
        verbose_name_plural = "WordPress links"
        ordering = ["site", "kind", "wp_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "kind", "wp_id"], name="wordpress_link_unique_id"
            ),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="wordpress_link_target_idx"),
        ]

    def __str__(self):
        return f"{self.site} {self.kind} {self.wp_id} → {self.content_type.model} {self.object_id}"
