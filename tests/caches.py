"""The cache backend the suite uses when REDIS_URL names a Redis (tests/conftest.py)."""

import re

from config.cache import ForgivingRedisCache


class RedisCacheOfOneProcess(ForgivingRedisCache):
    """The site's Redis cache, but clear() deletes only the keys under its own KEY_PREFIX rather
    than the whole Redis database (FLUSHDB): the suite's parallel workers share that database,
    and one worker's clearing must not empty another's cache in the middle of a test."""

    def clear(self):
        client = self._cache.get_client(write=True)
        # Django's keys are "<prefix>:<version>:<key>"; the prefix's own glob characters escaped.
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
        return True
