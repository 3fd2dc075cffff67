"""WordPressLink leaves the comments app for the wordpress app (wordpress 0001 takes it in).

The rows stay where they are: the table is only renamed to the name the wordpress app gives
it. Its unique constraint and target index are named in the model's Meta, not after the
table, so they keep their names; the names Django made from the old table name (primary
key, the content type's foreign key and its index) stay too, as nothing refers to them by
name: Django finds a column's constraints by introspection when it alters one.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0003_wordpress_links"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="WordPressLink", table="wordpress_wordpresslink"),
            ],
            state_operations=[
                migrations.DeleteModel(name="WordPressLink"),
            ],
        ),
    ]
