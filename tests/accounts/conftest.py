import pytest
from django.core.cache import cache

from tests.blog.factories import ArticleFactory


@pytest.fixture(autouse=True)
def own_cache(settings):
    """A cache of the test's own. allauth keeps its rate-limit counters there (per IP and per
    account), so one test's logins never count against another's; and a shared Redis named
    by REDIS_URL is neither used nor flushed."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "accounts-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def no_providers(settings):
    """Providers are configured by the tests that need them, never from the environment."""
    settings.SOCIALACCOUNT_PROVIDERS = {}


@pytest.fixture
def article():
    return ArticleFactory(title="Liaison office")


@pytest.fixture
def respond_url(article):
    """Where a reader who set out to comment must come back to: the article's form."""
    return article.get_absolute_url() + "#respond"
