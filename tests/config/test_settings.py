"""The settings module read in a fresh interpreter, as a server process would read it."""

import ast
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def read_settings(tmp_path, expression, **env):
    inherited_not = {"SECRET_KEY", "DEBUG", "POSTGRES_PREPARED_STATEMENTS"}
    clean = {k: v for k, v in os.environ.items() if k not in inherited_not}
    clean.update(VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", f"from django.conf import settings; print(repr(({expression})))"],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off(tmp_path):
    result = read_settings(tmp_path, "settings.DEBUG")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_is_off_unless_asked(tmp_path):
    result = read_settings(tmp_path, "settings.DEBUG, settings.ALLOWED_HOSTS", SECRET_KEY="k" * 50)

    assert result.stdout.strip() == "(False, [])"


def test_development_keeps_a_random_key_in_var(tmp_path):
    first = read_settings(tmp_path, "settings.SECRET_KEY", DEBUG="1")
    second = read_settings(tmp_path, "settings.SECRET_KEY", DEBUG="1")

    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout.strip() == repr((tmp_path / "dev-secret-key").read_text().strip())


def test_database_url_selects_postgresql(tmp_path):
    result = read_settings(
        tmp_path,
        "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME']",
        SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://liaison@db.internal:5432/liaison",
    )

    assert result.stdout.strip() == "('django.db.backends.postgresql', 'liaison')"


def test_sqlite_is_the_default_database(tmp_path):
    result = read_settings(
        tmp_path, "settings.DATABASES['default']['NAME']", SECRET_KEY="k" * 50, DATABASE_URL=""
    )

    assert result.stdout.strip() == repr(str(tmp_path / "db.sqlite3"))


def test_redis_url_selects_the_shared_cache(tmp_path):
    result = read_settings(
        tmp_path,
        "settings.CACHES['default']['BACKEND']",
        SECRET_KEY="k" * 50,
        REDIS_URL="redis://127.0.0.1:6379/1",
    )

    assert result.stdout.strip() == "'config.cache.ForgivingRedisCache'"


def test_environment_sets_hosts_and_time_zone(tmp_path):
    result = read_settings(
        tmp_path,
        "settings.ALLOWED_HOSTS, settings.TIME_ZONE, settings.USE_TZ",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="liaison.example, www.liaison.example",
        TIME_ZONE="Asia/Seoul",
    )

    assert (
        result.stdout.strip() == "(['liaison.example', 'www.liaison.example'], 'Asia/Seoul', True)"
    )


def test_env_file_fills_in_what_the_environment_leaves_unset(tmp_path):
    env_file = tmp_path / "local.env"
    env_file.write_text("DEBUG=1\nTIME_ZONE=Asia/Seoul\n")

    result = read_settings(
        tmp_path, "settings.DEBUG, settings.TIME_ZONE", ENV_FILE=str(env_file), TIME_ZONE="UTC"
    )

    assert result.stdout.strip() == "(True, 'UTC')"


def test_site_domain_is_empty_unless_set(tmp_path):
    env = {"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "liaison.example"}
    unset = read_settings(tmp_path, "settings.SITE_DOMAIN", SITE_DOMAIN="", **env)
    given = read_settings(tmp_path, "settings.SITE_DOMAIN", SITE_DOMAIN="example.org", **env)

    assert (unset.stdout.strip(), given.stdout.strip()) == ("''", "'example.org'")


def test_sqlite_transactions_wait_for_the_write_lock_in_wal_mode(tmp_path):
    result = read_settings(
        tmp_path, "settings.DATABASES['default']['OPTIONS']", SECRET_KEY="k" * 50, DATABASE_URL=""
    )

    options = ast.literal_eval(result.stdout.strip())
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


def test_https_makes_cookies_secure_and_sends_hsts(tmp_path):
    result = read_settings(
        tmp_path,
        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT,"
        " settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS",
        SECRET_KEY="k" * 50,
        HTTPS="1",
    )

    assert result.stdout.strip() == "(True, True, True, 31536000, True)"


def test_an_absolute_media_url_is_allowed_as_an_image_source(tmp_path):
    result = read_settings(
        tmp_path,
        "settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']",
        SECRET_KEY="k" * 50,
        MEDIA_URL="https://media.liaison.example/uploads/",
    )

    assert (
        result.stdout.strip() == "[\"'self'\", 'data:', 'https://media.liaison.example/uploads/']"
    )
