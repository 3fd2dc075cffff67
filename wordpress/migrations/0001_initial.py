"""WordPressLink, taken over from the comments app (comments 0004 renamed its table to this
app's name): the model enters this app's state and nothing is created in the database, so
a database that ran the import keeps its links. Its content type moves with it, so that its
permissions (and anything else pointing at that content type) stay valid.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import IntegrityError, migrations, models, transaction

MODEL = "wordpresslink"


def move_content_type(apps, schema_editor, from_label, to_label):
    """As Django's own RenameContentType: a stale row already under the new name leaves the
    old one where it is, for `remove_stale_contenttypes` to settle."""
    content_types = apps.get_model("contenttypes", "ContentType").objects
    database = schema_editor.connection.alias
    try:
        with transaction.atomic(using=database):
            content_types.using(database).filter(app_label=from_label, model=MODEL).update(
                app_label=to_label
            )
    except IntegrityError:
        return
    content_types.clear_cache()


def into_wordpress(apps, schema_editor):
    move_content_type(apps, schema_editor, "comments", "wordpress")


def back_into_comments(apps, schema_editor):
    move_content_type(apps, schema_editor, "wordpress", "comments")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("comments", "0004_wordpresslink_moves_to_wordpress"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WordPressLink",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("site", models.CharField(max_length=200)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("author", "Author"),
                                    ("topic", "Category or tag"),
                                    ("post", "Post"),
                                    ("attachment", "Attachment"),
                                    ("comment", "Comment"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("wp_id", models.PositiveBigIntegerField(verbose_name="WordPress id")),
                        ("object_id", models.PositiveBigIntegerField()),
                        (
                            "imported_at",
                            models.DateTimeField(default=django.utils.timezone.now, editable=False),
                        ),
                        (
                            "content_type",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                to="contenttypes.contenttype",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "WordPress link",
                        "verbose_name_plural": "WordPress links",
                        "ordering": ["site", "kind", "wp_id"],
                        "indexes": [
                            models.Index(
                                fields=["content_type", "object_id"],
                                name="wordpress_link_target_idx",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("site", "kind", "wp_id"), name="wordpress_link_unique_id"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(into_wordpress, back_into_comments),
    ]
