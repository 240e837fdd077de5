import logging
import pickle
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache.backends import locmem
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# KEYS: the counters, then the keys to add, then the keys to read.
# ARGV: how many counters and keys to add, then each one's lifetime in seconds.
COUNT_AND_READ = """
local counters, adds = tonumber(ARGV[1]), tonumber(ARGV[2])
local reply = {}
for i = 1, counters do
  reply[i] = redis.call("INCR", KEYS[i])
  if reply[i] == 1 then redis.call("EXPIRE", KEYS[i], ARGV[2 + i]) end
end
for i = counters + 1, counters + adds do
  reply[i] = redis.call("SET", KEYS[i], 1, "NX", "EX", ARGV[2 + i]) and 1 or 0
end
for i = counters + adds + 1, #KEYS do
  reply[i] = redis.call("GET", KEYS[i])
end
return reply
"""


@dataclass(frozen=True)
class CountAndRead:
    """What `count_and_read` answers: new counts, whether each key was added, values found."""

    counts: dict[str, int]
    added: dict[str, bool]
    values: dict[str, Any]


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client to Redis, with one redis.Redis per connection pool rather than one per
    call: building one (its table of reply callbacks) costs more than a short call itself.
    A redis.Redis is safe to share, taking a connection from its pool for each command."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, for which Redis being down is a cache miss, never an error.

    Everything cached here can be read again from the database, so pages, counts, signing and
    confirming go on without Redis. After a failure Redis is left alone for a few seconds, so
    that a Redis that hangs costs one timeout, not one per request.
    """

    pause_after_failure = 5.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._unavailable_until = 0.0
        self._count_script = None

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

    def count_and_read(
        self, *, incr: Mapping[str, int], add: Mapping[str, int], get: Sequence[str]
    ) -> CountAndRead | None:
        """In one round trip and at once: add one to each counter of `incr`, add each key of
        `add` that is missing, and read the keys of `get`.

        A counter or key made now lives for the seconds `incr` or `add` gives it. None while
        Redis is unavailable.
        """
        names = [self.make_and_validate_key(key) for key in [*incr, *add, *get]]
        lifetimes = [max(1, int(seconds)) for seconds in [*incr.values(), *add.values()]]
        reply = self._call(
            self._count_and_read, names, [len(incr), len(add), *lifetimes], fallback=None
        )
        if reply is None:
            return None
        counts = reply[: len(incr)]
        added = reply[len(incr) : len(incr) + len(add)]
        found = reply[len(incr) + len(add) :]
        return CountAndRead(
            counts=dict(zip(incr, counts, strict=True)),
            added={key: bool(flag) for key, flag in zip(add, added, strict=True)},
            values={
                key: self._cache._serializer.loads(raw)
                for key, raw in zip(get, found, strict=True)
                if raw is not None
            },
        )

    def _count_and_read(self, keys, args):
        client = self._cache.get_client(write=True)
        if self._count_script is None:
            self._count_script = client.register_script(COUNT_AND_READ)
        return self._count_script(keys=keys, args=args, client=client)


class LocMemCache(locmem.LocMemCache):
    """Django's cache in process memory, with `count_and_read` as the Redis cache has it."""

    def count_and_read(
        self, *, incr: Mapping[str, int], add: Mapping[str, int], get: Sequence[str]
    ) -> CountAndRead:
        counts, added, values = {}, {}, {}
        with self._lock:
            for key, seconds in incr.items():
                name = self.make_and_validate_key(key)
                count = 1 if self._has_expired(name) else self._load(name) + 1
                if count == 1:
                    self._set(name, pickle.dumps(count, self.pickle_protocol), seconds)
                else:
                    self._cache[name] = pickle.dumps(count, self.pickle_protocol)
                counts[key] = count
            for key, seconds in add.items():
                name = self.make_and_validate_key(key)
                added[key] = self._has_expired(name)
                if added[key]:
                    self._set(name, pickle.dumps(1, self.pickle_protocol), seconds)
            for key in get:
                name = self.make_and_validate_key(key)
                if not self._has_expired(name):
                    values[key] = self._load(name)
        return CountAndRead(counts=counts, added=added, values=values)

    def _load(self, name):
        return pickle.loads(self._cache[name])  # noqa: S301 - pickled by this process itself
