"""The shared Redis cache, forgiving of Redis going away.

Django's RedisCache raises when Redis does not answer, and every page that reads the cache
would answer 500. Nothing Liaison keeps in the cache is the only copy of anything (the
discussion rules, rate-limit counters, sites and content types), so while Redis is away
each call logs a warning (once a minute at most) and behaves as a miss; once Redis is
back, the next call uses it again.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
WARN_EVERY_SECONDS = 60


# Sets KEYS[1] to ARGV[1] with a lifetime of ARGV[2] seconds unless it holds a number at
# least as high: one step in Redis, so two processes raising it at once leave the higher.
RAISE_TO = """
local held = tonumber(redis.call('GET', KEYS[1]))
if held == nil or held < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
    return 1
end
return 0
"""


class ForgivingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._last_warning = None

    def _unavailable(self, operation, error, answer):
        now = time.monotonic()
        if self._last_warning is None or now - self._last_warning >= WARN_EVERY_SECONDS:
            self._last_warning = now
            logger.warning(
                "Redis cache unavailable (%s: %s); serving without the cache", operation, error
            )
        return answer

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            return self._unavailable("add", error, False)

    def raise_to(self, key, number, timeout, version=None):
        """Keep the integer `number` under `key` for `timeout` seconds, unless the key holds
        a higher one already (blog.models.ContentVersion.share). Django's serializer keeps
        integers as plain numbers, so get() reads it back as an int."""
        key = self.make_and_validate_key(key, version=version)
        try:
            client = self._cache.get_client(key, write=True)
            return bool(client.eval(RAISE_TO, 1, key, int(number), int(timeout)))
        except RedisError as error:
            return self._unavailable("raise_to", error, False)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            return self._unavailable("get", error, default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as error:
            self._unavailable("set", error, None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            return self._unavailable("touch", error, False)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            return self._unavailable("delete", error, False)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            return self._unavailable("get_many", error, {})

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as error:
            return self._unavailable("has_key", error, False)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            self._unavailable("incr", error, None)
            # What a cache answers for a key it does not hold.
            raise ValueError(f"Key '{key}' not found.") from error

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            return self._unavailable("set_many", error, list(data))

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except RedisError as error:
            self._unavailable("delete_many", error, None)

    def clear(self):
        try:
            return super().clear()
        except RedisError as error:
            return self._unavailable("clear", error, False)
