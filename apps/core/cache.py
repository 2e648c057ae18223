"""Django's Redis cache with one Redis client per server, not one per call, and `incr` in one round trip.

Django's `RedisCacheClient.get_client` makes a new `redis.Redis` for every cache call, and redis-py
builds each one's table of some 170 response callbacks (a case-insensitive dict, one entry at a
time): three calls of the throttle's counting took 0.45 ms of an API request's CPU before a byte
went to Redis (docs/performance.md §17). A client holds no connection of its own (it takes one
from the pool for each command) and is safe to share between threads, so one is kept for each pool.
"""

from __future__ import annotations

from django.core.cache.backends import redis

# INCRBY of a key that exists; nil (not a new key) for one that does not
_INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return false
"""


# a rate's count: INCR this window's counter (made with its expiry by the first request), and read
# the last window's, in one round trip (apps/api/v1/throttles.py)
_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('GET', KEYS[2])}
"""


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}
        self._scripts: dict[tuple[str, int], object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def _script(self, key, source: str):
        """A Lua script on the server that writes `key`, registered once a client (EVALSHA after)."""
        client = self.get_client(key, write=True)
        script = self._scripts.get((source, id(client)))
        if script is None:
            script = self._scripts[source, id(client)] = client.register_script(source)
        return script

    def incr(self, key, delta):
        value = self._script(key, _INCR_EXISTING)(keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value

    def count(self, key, timeout: int, earlier) -> tuple[int, int]:
        count, before = self._script(key, _COUNT)(keys=[key, earlier], args=[timeout])
        return count, 0 if before is None else self._serializer.loads(before)


class RedisCache(redis.RedisCache):
    """`django.core.cache.backends.redis.RedisCache`, keeping its clients (`RedisCacheClient`)."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def count(self, key: str, timeout: int, *, earlier: str) -> tuple[int, int]:
        """Add one to the counter `key` (made, to expire in `timeout` seconds, by the first call), and
        read the counter `earlier` (0 when there is none), atomically and in one round trip: the
        throttle's two calls where `incr`, `add` and `get` were two or three."""
        keys = self.make_and_validate_key(key), self.make_and_validate_key(earlier)
        return self._cache.count(keys[0], timeout, keys[1])
