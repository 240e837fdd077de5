import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, for which Redis being down is a cache miss, never an error.

    Everything cached here can be read again from the database, so pages, counts, signing and
    confirming go on without Redis. After a failure Redis is left alone for a few seconds, so
    that a Redis that hangs costs one timeout, not one per request.
    """

    pause_after_failure = 5.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._unavailable_until = 0.0

    def _call(self, method, *args, fallback):
        if time.monotonic() < self._unavailable_until:
            return fallback
        try:
            result = method(*args)
        except RedisError as error:
            if not self._unavailable_until:
                logger.warning("Cache unavailable, reading from the database: %s", error)
            self._unavailable_until = time.monotonic() + self.pause_after_failure
            return fallback
        if self._unavailable_until:
            logger.warning("Cache available again.")
            self._unavailable_until = 0.0
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, key, value, timeout, version, fallback=False)

    def get(self, key, default=None, version=None):
        return self._call(super().get, key, default, version, fallback=default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, key, value, timeout, version, fallback=None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, key, timeout, version, fallback=False)

    def delete(self, key, version=None):
        return self._call(super().delete, key, version, fallback=False)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, keys, version, fallback={})

    def has_key(self, key, version=None):
        return self._call(super().has_key, key, version, fallback=False)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._call(super().incr, key, delta, version, fallback=missing)
        if result is missing:
            raise ValueError(f"Key '{key}' not found: the cache is unavailable.")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, data, timeout, version, fallback=list(data))

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, keys, version, fallback=None)

    def clear(self):
        return self._call(super().clear, fallback=False)
