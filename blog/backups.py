"""Backups of the whole site: the database and the uploads, in one .tar.gz.

The database is copied with its own tool rather than `dumpdata`: SQLite's online backup API
(a consistent snapshot of the file while the site runs) and PostgreSQL's `pg_dump`. Both
keep everything exactly (the migrations table, sequences, indexes, every app's rows,
whatever their natural keys), so a restore is the site as it was, and `migrate` brings an
older backup up to date. The price: a backup is restored on the same database engine
(moving from SQLite to PostgreSQL is a job for dumpdata/loaddata).

An archive holds manifest.json (format, engine, when), database.sqlite3 or database.pgdump,
and media/ (MEDIA_ROOT; uploads in a bucket are not copied: the bucket keeps them).
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError, connection

from .models import Article

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    pass


def engine():
    vendor = connection.vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(f"Backups know SQLite and PostgreSQL, not {vendor}.")
    return vendor


def media_is_local():
    return isinstance(default_storage, FileSystemStorage)


def default_path():
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"liaison-{stamp}.tar.gz"


def backup(path):
    """Write the database and MEDIA_ROOT to the archive at `path` (readable by its owner only)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    vendor = engine()
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / DUMP_NAMES[vendor]
        dump_database(vendor, dump)
        manifest = Path(work) / MANIFEST
        manifest.write_text(
            json.dumps(
                {
                    "format": FORMAT,
                    "engine": vendor,
                    "created": datetime.now(UTC).isoformat(),
                    "media": media_is_local(),
                },
                indent=2,
            )
        )
        partial = path.with_name(path.name + ".partial")
        # Accounts, emails and password hashes are inside: the owner's to read, nobody else's.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file, tarfile.open(fileobj=file, mode="w:gz") as tar:
            tar.add(manifest, MANIFEST)
            tar.add(dump, dump.name)
            media_root = Path(settings.MEDIA_ROOT)
            if media_is_local() and media_root.is_dir():
                tar.add(media_root, MEDIA)
        partial.replace(path)
    return path


def dump_database(vendor, dump):
    if vendor == "sqlite":
        connection.ensure_connection()
        with closing(sqlite3.connect(dump)) as target:
            connection.connection.backup(target)
    else:
        run_postgres_tool(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", dump]
        )


def database_holds_content():
    """Whether restoring would overwrite something: any account or article."""
    try:
        return get_user_model().objects.exists() or Article.objects.exists()
    except DatabaseError:  # not migrated yet
        return False


def restore(path):
    """Replace the database and MEDIA_ROOT with the archive's. Caches are emptied after."""
    vendor = engine()
    with tempfile.TemporaryDirectory() as work, tarfile.open(path, "r:gz") as tar:
        tar.extractall(work, filter="data")
        work = Path(work)
        manifest = json.loads((work / MANIFEST).read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{path} is not a Liaison backup this version can read.")
        if manifest["engine"] != vendor:
            raise BackupError(
                f"{path} holds a {manifest['engine']} database and this site runs on {vendor}: "
                "a backup is restored on the database engine it was made from."
            )
        restore_database(vendor, work / DUMP_NAMES[vendor])
        if manifest["media"] and media_is_local():
            restore_media(work / MEDIA)
    # Cached rows (the site, content types, the discussion rules) were the old database's.
    Site.objects.clear_cache()
    ContentType.objects.clear_cache()
    cache.clear()


def restore_database(vendor, dump):
    if vendor == "sqlite":
        connection.ensure_connection()
        with closing(sqlite3.connect(dump)) as source:
            source.backup(connection.connection)
        return
    connection.close()
    with tempfile.TemporaryDirectory() as work:
        script = Path(work) / "restore.sql"
        run_postgres_tool(
            ["pg_restore", "--no-owner", "--no-privileges", "--file", script, dump],
            on_database=False,
        )
        wipe = Path(work) / "wipe.sql"
        wipe.write_text("DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n")
        # One transaction: the old database is dropped only if the backup loads in full.
        run_postgres_tool(
            [
                "psql",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                "--file",
                wipe,
                "--file",
                script,
            ]
        )


def restore_media(source):
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.exists():
        shutil.rmtree(media_root)
    if source.is_dir():
        shutil.copytree(source, media_root)
    else:
        media_root.mkdir(parents=True)


def run_postgres_tool(arguments, on_database=True):
    """Run pg_dump, pg_restore or psql, on the site's database when `on_database`, with the
    connection settings Django uses (the test database's, under the tests)."""
    database = connection.settings_dict
    env = {**os.environ}
    for variable, key in [
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ]:
        if database.get(key):
            env[variable] = str(database[key])
    command = [str(argument) for argument in arguments]
    if on_database:
        command += ["--dbname", database["NAME"]]
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError as missing:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)."
        ) from missing
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
