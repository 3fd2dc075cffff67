from django.db import migrations

# One article's comments, found by the generic relation's three columns (CommentQuerySet.
# for_article). django_comments indexes each column on its own, and SQLite, which keeps no
# statistics unless ANALYZE is run, then walked the site_id index: every comment of the
# site, to count one article's threads for a comment's page (0.9 ms at 250 comments beside
# 2,200 on other articles; 0.35 ms with this index). The table is contrib-comments', where
# our model cannot declare an index.
ARTICLE_COMMENTS_INDEX = "comments_on_article"
CREATE_ARTICLE_COMMENTS_INDEX = f"CREATE INDEX {ARTICLE_COMMENTS_INDEX} ON django_comments (object_pk, content_type_id, site_id)"
DROP_ARTICLE_COMMENTS_INDEX = f"DROP INDEX {ARTICLE_COMMENTS_INDEX}"


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0010_moderation_actions"),
        # After contrib-comments' last migration: on SQLite its AlterFields rebuild the
        # table, and a rebuilt table keeps only the indexes its model declares.
        ("django_comments", "0004_add_object_pk_is_removed_index"),
    ]

    operations = [
        migrations.RunSQL(CREATE_ARTICLE_COMMENTS_INDEX, DROP_ARTICLE_COMMENTS_INDEX),
    ]
