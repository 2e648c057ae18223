"""Django's Redis cache with one Redis client per server, not one per call.

Django's `RedisCacheClient.get_client` makes a new `redis.Redis` for every cache call, and redis-py
builds each one's table of some 170 response callbacks (a case-insensitive dict, one entry at a
time): three calls of the throttle's counting took 0.45 ms of an API request's CPU before a byte
went to Redis (docs/performance.md §17). A client holds no connection of its own (it takes one
from the pool for each command) and is safe to share between threads, so one is kept for each pool.
"""

from __future__ import annotations

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    """`django.core.cache.backends.redis.RedisCache`, keeping its clients (`RedisCacheClient`)."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
