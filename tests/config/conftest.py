import pytest

from .private_redis import start_redis, stop_redis
from .served_site import free_port


@pytest.fixture
def private_redis(settings):
    """The site's cache pointed at a redis-server of the test's own; yields a control to
    stop and start it again on the same port."""
    port = free_port()

    class Control:
        server = start_redis(port)

        def stop(self):
            stop_redis(self.server)

        def start(self):
            self.server = start_redis(port)

    control = Control()
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "liaison",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    try:
        yield control
    finally:
        if control.server.poll() is None:
            stop_redis(control.server)


@pytest.fixture
def cache_of_this_process(settings):
    """The local-memory cache of a site without Redis, whatever the suite runs with."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
