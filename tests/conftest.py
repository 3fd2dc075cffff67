import os

import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a temporary folder, never into the real media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Production hashes static names at collectstatic; tests read them straight from static/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True, scope="session")
def fast_password_hasher():
    """Hashing with PBKDF2's full work factor would dominate the suite's time. For the
    session, so that rows made once for a module (tests/scoped_data.py) have it too."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}"


@pytest.fixture(autouse=True, scope="session")
def redis_keys_of_this_process():
    """With REDIS_URL, every process of the run (pytest-xdist's workers, `make test` runs
    several) shares one Redis database: each keeps its keys under its own prefix, and
    clearing the cache clears only those (tests/caches.py)."""
    from django.conf import settings
    from django.test import override_settings

    default = settings.CACHES["default"]
    if default["BACKEND"] != "config.cache.ForgivingRedisCache":
        yield
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with override_settings(
        CACHES={
            "default": {
                **default,
                "BACKEND": "tests.caches.RedisCacheOfOneProcess",
                "KEY_PREFIX": f"{default.get('KEY_PREFIX', '')}-tests-{worker}",
            }
        }
    ):
        yield


@pytest.fixture(autouse=True)
def cold_caches():
    """Each test starts with the caches of sites, content types and the discussion rules
    empty, so that query counts and rules do not depend on which test ran before."""
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sites.models import Site
    from django.core.cache import cache

    from comments.models.discussion_settings import forget_rules_read_here

    Site.objects.clear_cache()
    ContentType.objects.clear_cache()
    # The cached discussion rules among them: a test's settings row is rolled back with it.
    cache.clear()
    forget_rules_read_here()


@pytest.fixture
def run_tasks(db):
    """Run the queued tasks that are ready, as the worker does: `run_tasks()`."""
    from tests.tasks import run_ready_tasks

    return run_ready_tasks
