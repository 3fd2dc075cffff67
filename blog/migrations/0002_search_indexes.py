"""GIN indexes for full-text search, on PostgreSQL only (SQLite searches without them).

The expressions are frozen here and must stay identical to blog.search's
article_vector() and section_vector(), or PostgreSQL will not use the indexes:
tests/blog/test_search.py checks that it does.
"""

from django.db import migrations

INDEXES = {
    "article": ("article_search_idx", (("title", "A"), ("excerpt", "B"))),
    "section": ("section_search_idx", (("heading", "C"), ("body", "D"))),
}


def vector(fields):
    from django.contrib.postgres.search import SearchVector

    first, *rest = [SearchVector(name, weight=weight, config="english") for name, weight in fields]
    for part in rest:
        first = first + part
    return first


def search_indexes(apps, schema_editor):
    """Each model with its GIN index, on PostgreSQL; nothing elsewhere."""
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.contrib.postgres.indexes import GinIndex

    for model_name, (index_name, fields) in INDEXES.items():
        yield apps.get_model("blog", model_name), GinIndex(vector(fields), name=index_name)


def add_indexes(apps, schema_editor):
    for model, index in search_indexes(apps, schema_editor):
        schema_editor.add_index(model, index)


def remove_indexes(apps, schema_editor):
    for model, index in search_indexes(apps, schema_editor):
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial")]

    operations = [migrations.RunPython(add_indexes, remove_indexes, elidable=False)]
