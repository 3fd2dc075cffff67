"""`manage.py backup` and `restore`: the database and the uploads round-trip, on SQLite and on
PostgreSQL (whichever the suite runs on), and a restore never overwrites content unasked."""

import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from blog.models import Article
from tests.comments.factories import CommentFactory

from .factories import ArticleFactory, ImageFactory

# Flush and restore replace whole tables: no test transaction may wrap them.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(client):
    """The seed article, a second article with an uploaded image, and an approved comment."""
    call_command("load_seed", verbosity=0)
    seed = Article.objects.get()
    ArticleFactory(featured_image=ImageFactory(), published_at=seed.published_at)
    CommentFactory(article=seed, comment="A comment that must survive the round trip.")
    return seed


def pages(client, article):
    return {url: client.get(url).content for url in ["/", article.get_absolute_url()]}


def image_files(media_root):
    return {path.relative_to(media_root) for path in Path(media_root).rglob("*") if path.is_file()}


def test_a_restored_backup_renders_the_same_pages_with_their_images(
    client, site, media_root, tmp_path
):
    before = pages(client, site)
    files = image_files(media_root)
    archive = tmp_path / "backup.tar.gz"

    call_command("backup", output=str(archive), verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    for path in Path(media_root).rglob("*"):
        if path.is_file():
            path.unlink()
    assert not Article.objects.exists()
    call_command("restore", str(archive), verbosity=0)

    assert pages(client, site) == before
    assert b"A comment that must survive the round trip." in before[site.get_absolute_url()]
    assert image_files(media_root) == files
    assert any(str(path).endswith(".webp") for path in files)


def test_a_backup_holds_a_manifest_the_database_and_the_uploads(site, tmp_path):
    archive = tmp_path / "backup.tar.gz"

    call_command("backup", output=str(archive), verbosity=0)

    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names
    assert {"database.sqlite3", "database.pgdump"} & set(names)
    assert any(name.startswith("media/images/") for name in names)
    assert archive.stat().st_mode & 0o077 == 0


def test_restore_refuses_to_overwrite_content_without_yes(site, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), verbosity=0)
    Article.objects.filter(pk=site.pk).update(title="Changed after the backup")

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive), verbosity=0)

    assert Article.objects.get(pk=site.pk).title == "Changed after the backup"


def test_restore_with_yes_replaces_content(site, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), verbosity=0)
    title = site.title
    Article.objects.filter(pk=site.pk).update(title="Changed after the backup")

    call_command("restore", str(archive), yes=True, verbosity=0)

    assert Article.objects.get(pk=site.pk).title == title
