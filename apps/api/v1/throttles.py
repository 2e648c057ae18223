"""The API's request rates, counted in the shared cache (Redis, or the database's cache table).

DRF's throttles keep each client's recent request times as one list in the cache, read it and
write it back: requests that arrive together each read the same list, and each writes back its
own, so all but one go uncounted. Forty requests released at once against a limit of ten got 28
to 37 answers. Here a client's requests are counted by an atomic increment instead (Redis's INCR,
the local cache's lock, an advisory lock around the database cache's read and write), in two
fixed windows: the count of this window, and the last one's weighted by how much of it the
sliding window still covers. Of requests that arrive together exactly the limit are let through.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from rest_framework import throttling

from apps.core.cache import RedisCache


@contextmanager
def _one_at_a_time(cache, key: str) -> Iterator[None]:
    """The database cache's increment is a read and a write: one request per key at a time."""
    using = router.db_for_write(cache.cache_model_class)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
        yield


def _atomically(cache, key: str):
    if cache is default_cache:  # DRF's, a proxy: isinstance must see the backend it stands for
        cache = caches[DEFAULT_CACHE_ALIAS]
    return _one_at_a_time(cache, key) if isinstance(cache, DatabaseCache) else nullcontext()


class CountedRateThrottle(throttling.SimpleRateThrottle):
    """A rate throttle whose count cannot be passed by sending requests at once."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window, self.into = divmod(self.now, self.duration)
        current, previous = f"{self.key}:{int(window)}", f"{self.key}:{int(window) - 1}"
        backend = caches[DEFAULT_CACHE_ALIAS] if self.cache is default_cache else self.cache
        if isinstance(backend, RedisCache):  # both in one round trip
            count, earlier = backend.count(current, 2 * self.duration, earlier=previous)
        else:
            count, earlier = self._count(current), self.cache.get(previous, 0)
        if earlier * (1 - self.into / self.duration) + count <= self.num_requests:
            return True
        with _atomically(self.cache, current):
            self.cache.decr(current)  # a refused request is not counted, as DRF's are not
        return self.throttle_failure()

    def _count(self, current: str) -> int:
        with _atomically(self.cache, current):
            # the first request of a window adds its counter; the others, most of them, increment it
            # (tried first: a read and a write of the database cache's table, where an `add` that
            # fails would be a read more)
            try:
                return self.cache.incr(current)
            except ValueError:
                return 1 if self.cache.add(current, 1, 2 * self.duration) else self.cache.incr(current)

    def wait(self) -> float:
        """Seconds until the window is new (a shorter wait may do when the last one was quiet)."""
        return self.duration - self.into


class AnonRateThrottle(throttling.AnonRateThrottle, CountedRateThrottle):
    """An anonymous client's rate, by its address."""


class ScopedRateThrottle(throttling.ScopedRateThrottle, CountedRateThrottle):
    """The rate of a view's own scope (`throttle_scope`), by user or address."""


class UserRateThrottle(throttling.UserRateThrottle, CountedRateThrottle):
    """The rate of a signed-in user. DRF's counts an anonymous client too, by address, beside the
    anonymous rate: a second counter for the same client under a looser limit, which can never be
    the one that refuses, and two more cache round trips on every anonymous read."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # AnonRateThrottle counts this client
        return super().get_cache_key(request, view)
