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


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Hashing with PBKDF2's full work factor would dominate the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}"


@pytest.fixture(autouse=True)
def cold_caches():
    """Each test starts with the caches of sites, content types and the discussion rules
    empty, so that query counts and rules do not depend on which test ran before."""
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sites.models import Site
    from django.core.cache import cache

    Site.objects.clear_cache()
    ContentType.objects.clear_cache()
    # The cached discussion rules among them: a test's settings row is rolled back with it.
    cache.clear()


@pytest.fixture
def run_tasks(db):
    """Run the queued tasks that are ready, as the worker does: `run_tasks()`."""
    from tests.tasks import run_ready_tasks

    return run_ready_tasks
