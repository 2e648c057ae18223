"""Rate limits that hold: a client cannot claim a new address per request, and the counts live in a
cache every worker shares (the database's table, or Redis when REDIS_URL is set)."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
import redis
import requests
from django.core.cache import cache
from django.db import connection, connections
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from apps.api.v1.throttles import CountedRateThrottle
from tests.api.conftest import local_counters_clear

RATE = 3


@pytest.fixture(autouse=True)
def _low_rate(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": f"{RATE}/minute"})


def from_addresses(count: int, **headers) -> list[int]:
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    return [
        client.get("/api/v1/claims/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", **headers).status_code
        for n in range(count)
    ]


def test_a_new_x_forwarded_for_on_every_request_does_not_reset_the_count(db):
    assert from_addresses(RATE + 1) == [200] * RATE + [429]


def test_behind_a_configured_proxy_its_forwarded_address_is_the_client(db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    assert from_addresses(RATE + 1) == [200] * (RATE + 1)


def test_behind_one_proxy_addresses_a_client_prepends_are_ignored(db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = APIClient(REMOTE_ADDR="10.0.0.2")  # the proxy

    answers = [
        client.get("/api/v1/claims/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7").status_code
        for n in range(RATE + 1)
    ]

    assert answers == [200] * RATE + [429]


@pytest.fixture
def database_cache(db, settings):
    """The cache production has without Redis; back to memory before the database goes away."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "claimtrack_cache"}
    }
    yield
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_without_redis_the_counts_are_kept_in_the_database_every_worker_reads(database_cache):
    answers = from_addresses(RATE + 1)

    assert answers == [200] * RATE + [429]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM claimtrack_cache WHERE cache_key LIKE %s", ["%throttle_anon_%"])
        assert cursor.fetchone()[0] == 1


def test_the_settings_use_the_database_cache_unless_redis_is_configured():
    from claimtrack import settings as configured

    expected = "redis.RedisCache" if os.environ.get("REDIS_URL") else "db.DatabaseCache"
    assert configured.CACHES["default"]["BACKEND"].endswith(expected)


def test_with_redis_the_counts_are_kept_in_redis(db, settings):
    url, server = redis_or_skip()
    settings.CACHES = {"default": _caches("redis", url)}
    prefix = settings.CACHES["default"]["KEY_PREFIX"]

    answers = from_addresses(RATE + 1)

    keys = server.keys(f"{prefix}:*")
    server.delete(*keys)
    assert answers == [200] * RATE + [429]
    assert any(b"throttle_anon_203.0.113.7" in key for key in keys)


def test_with_redis_a_request_makes_no_redis_client(db, settings, monkeypatch):
    """Django's Redis cache made a `redis.Redis` for every call, and each built its table of response
    callbacks: 0.45 ms of an API request's CPU for the throttle's three calls (apps/core/cache.py)."""
    url, _ = redis_or_skip()
    settings.CACHES = {"default": _caches("redis", url)}
    from_addresses(1)  # the first request makes the client
    made = []
    build = redis.Redis.__init__

    def counted(self, *args, **kwargs):
        made.append(self)
        build(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counted)

    answers = from_addresses(RATE)  # the first request's and these: one over the limit

    assert answers == [200] * (RATE - 1) + [429] and made == []


def test_with_redis_a_request_is_counted_in_one_round_trip(db, settings, monkeypatch):
    """Its window's count incremented and the last window's read, by one script. Django's `incr` was
    two round trips, an `add` tried first a third, the `get` a fourth."""
    url, server = redis_or_skip()
    settings.CACHES = {"default": _caches("redis", url)}
    from_addresses(1)  # the window's first request adds its count
    sent = []
    execute = redis.Redis.execute_command

    def counted(self, *args, **options):
        sent.append(args[0])
        return execute(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)

    answers = from_addresses(1)

    assert answers == [200] and sent == ["EVALSHA"]
    # the window's counter expires once the next window no longer reads it
    counters = server.keys(f"{settings.CACHES['default']['KEY_PREFIX']}:*")
    assert counters and all(0 < server.ttl(key) <= 2 * 60 for key in counters)
    server.delete(*counters)


def test_emptying_the_counters_between_tests_leaves_redis_alone(db, settings):
    """The API tests empty the local counters after each test, when a Redis test is still configured
    for Redis: a FLUSHDB there emptied the counters of a race that the other worker was running."""
    url, server = redis_or_skip()
    settings.CACHES = {"default": _caches("redis", url)}
    kept = f"claimtrack-test-{uuid.uuid4().hex}"
    server.set(kept, 1, ex=60)

    local_counters_clear()

    assert server.get(kept) == b"1"
    server.delete(kept)


def test_an_anonymous_read_is_counted_once_and_a_signed_in_one_by_its_user(db, django_user_model):
    cache.clear()
    APIClient(REMOTE_ADDR="203.0.113.9").get("/api/v1/claims/")
    anonymous_keys = set(cache._cache)
    user = django_user_model.objects.create_user("rated", password="pw-for-tests-only")
    signed_in = APIClient(REMOTE_ADDR="203.0.113.9")
    signed_in.force_authenticate(user)
    signed_in.get("/api/v1/claims/")

    assert [key for key in anonymous_keys if "throttle_user" in key] == []
    assert [key for key in anonymous_keys if "throttle_anon" in key] != []
    assert any(f"throttle_user_{user.pk}" in key for key in set(cache._cache) - anonymous_keys)


def redis_or_skip() -> tuple[str, redis.Redis]:
    """The Redis the tests count in (REDIS_URL, else the machine's database 0), or the test skipped."""
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    server = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis answers at {url}")
    return url, server


def race_configure(backend: str, settings, monkeypatch) -> None:
    """Count in `backend` (a Redis test is skipped without one), 10 a minute, in the middle of a window."""
    url = redis_or_skip()[0] if backend == "redis" else ""
    settings.CACHES = {"default": _caches(backend, url)}
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "10/minute"})
    monkeypatch.setattr(CountedRateThrottle, "timer", lambda self: 1_800_000_030.0)


def _caches(backend: str, url: str) -> dict:
    if backend == "database":
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "claimtrack_cache"}
    if backend == "redis":
        return {
            "BACKEND": "apps.core.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": uuid.uuid4().hex,
        }
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}


@pytest.mark.django_db(transaction=True)  # each thread's connection sees the cache table's rows
@pytest.mark.parametrize("backend", ["locmem", "database", "redis"])
def test_requests_sent_at_once_are_let_through_up_to_the_limit_and_no_more(backend, settings, monkeypatch):
    """DRF's list of request times, read and written back by each request, let 28 to 37 of 40
    requests released together through a limit of 10."""
    race_configure(backend, settings, monkeypatch)
    released, answers = threading.Barrier(40), []

    def send() -> None:
        client = APIClient(REMOTE_ADDR="203.0.113.21")
        released.wait()
        answers.append(client.get("/api/v1/").status_code)
        connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if backend == "database":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM claimtrack_cache")

    assert sorted(answers) == [200] * 10 + [429] * 30


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_a_live_server_lets_requests_sent_at_once_through_up_to_the_limit_and_no_more(
    backend, live_server, settings, monkeypatch
):
    """The same race over sockets, each request on its own connection and server thread."""
    race_configure(backend, settings, monkeypatch)
    released, answers = threading.Barrier(40), []

    def send() -> None:
        with requests.Session() as session:
            released.wait(timeout=30)
            answers.append(session.get(f"{live_server.url}/api/v1/", timeout=30).status_code)

    threads = [threading.Thread(target=send) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [200] * 10 + [429] * 30


def test_the_last_window_counts_as_much_as_the_sliding_minute_still_covers_and_refusals_not_at_all(
    db, monkeypatch
):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "10/minute"})
    now = [1_800_000_000.0]  # a window's start
    monkeypatch.setattr(CountedRateThrottle, "timer", lambda self: now[0])
    client = APIClient(REMOTE_ADDR="203.0.113.22")

    first = [client.get("/api/v1/").status_code for _ in range(15)]
    now[0] += 90  # half-way through the next window: half of the last one's ten still count
    second = [client.get("/api/v1/").status_code for _ in range(8)]

    assert first == [200] * 10 + [429] * 5
    assert second == [200] * 5 + [429] * 3
    assert 0 < int(client.get("/api/v1/")["Retry-After"]) <= 30
