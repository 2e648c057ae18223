"""Read replicas: the API's reads go to a PostgreSQL streaming replica, everything else to the primary.

`DATABASE_REPLICA_URLS` names the replicas (settings: `replica_1`, `replica_2`, …). The middleware
opens a request's reads to a replica when it is a GET, HEAD or OPTIONS of the API, to a view that
does not need the primary (`reads_from_primary`), by a client that has not written in the last
`DATABASE_REPLICA_STICKY_SECONDS` (read-your-writes: a signed-in client by its user id in the shared
cache, an anonymous one by a signed cookie). At the request's first such read the router picks one
replica that answers and is at most `DATABASE_REPLICA_MAX_LAG_SECONDS` behind, and keeps it for the
request; with none, the primary. Every write, every read inside a transaction or after the request
wrote, every read outside such a request (the admin, management commands, the task queue) and every
read of who may do what (users, groups, tokens, sessions, lock-outs, the cache) goes to the primary.

A replica's lag is measured at most once a second per process; one that does not answer is left
alone for `DATABASE_REPLICA_RETRY_SECONDS`, and a read that lost its replica halfway is answered again
from the primary: a replica going down never answers a client with an error. Each response says
where its reads were served in `X-ClaimTrack-Database` (`primary`, `replica_1`, …). See
docs/scaling.md, "Read replicas".
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import random
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from typing import Any

import psycopg
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

from apps.core.database import REPLICA_LAG_CHECK_SECONDS
from apps.core.outage import database_unavailable

logger = logging.getLogger(__name__)

HEADER = "X-ClaimTrack-Database"
PRIMARY = "primary"
REPLICA_PREFIX = "replica_"
COOKIE = "claimtrack_wrote"
_COOKIE_SALT = "apps.core.replicas"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# who may do what, read where it is written: a revoked token, a new role, a lock-out or a throttle
# count holds at once; "django_cache" is the database cache's table (read-your-writes itself)
PRIMARY_APPS = frozenset({"auth", "contenttypes", "sessions", "knox", "axes", "admin", "django_cache"})
# a standby cancels a query that conflicts with what it replays: answered again from the primary
RECOVERY_CONFLICT = "40001"

# `pg_is_in_recovery()`: a server that is not (a replica promoted, or a primary named by mistake)
# takes no more writes from this one's primary; it is never read.
# The lag: none while the replica streams and has replayed all it received; otherwise the age of
# the last transaction it replayed (unknown, so skipped, before it has replayed any).
_LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
                 AND EXISTS (SELECT FROM pg_stat_wal_receiver)
            THEN 0
            ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())
       END
"""


@dataclass
class _Health:
    """What this process last learned of one replica."""

    checked_at: float = float("-inf")
    # seconds behind the primary; None: unknown, or not a replica
    lag: float | None = None
    # not tried again before this time (time.monotonic())
    down_until: float = 0.0
    warned: bool = False


_health: dict[str, _Health] = {}


@dataclass
class _RequestState:
    """What the router knows of the request being served (set by the middleware, per request)."""

    request: HttpRequest
    replica_allowed: bool
    # the database chosen at the first read that could go to a replica; kept for the whole request
    alias: str | None = None
    wrote: bool = False
    retry_on_primary: bool = False
    replica_lost: bool = False
    choosing: bool = False


_current: contextvars.ContextVar[_RequestState | None] = contextvars.ContextVar(
    "claimtrack_replica_request", default=None
)


def replica_aliases() -> list[str]:
    """The aliases of the configured replicas, in order."""
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


class ReplicaRouter:
    """Send the reads the middleware allows to a replica, and everything else to the primary."""

    def db_for_read(self, model, **hints) -> str:
        state = _current.get()
        if (
            state is None
            or not state.replica_allowed
            or state.wrote
            or state.choosing  # the client's own lookup while its replica is being chosen
            or model._meta.app_label in PRIMARY_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        if state.alias is None:
            state.choosing = True
            try:
                state.alias = _replica_choose(request=state.request)
            finally:
                state.choosing = False
        return state.alias

    def db_for_write(self, model, **hints) -> str:
        state = _current.get()
        if state is not None and model._meta.app_label not in PRIMARY_APPS:
            # what the request reads next may be what it just wrote
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # a row read from a replica and one read from the primary are rows of one database
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        # a replica follows the primary's schema through replication
        return db == DEFAULT_DB_ALIAS


def _replica_choose(*, request: HttpRequest) -> str:
    """Pick the database for this request's reads: a healthy replica, or the primary."""
    if _client_wrote_recently(request):
        return DEFAULT_DB_ALIAS
    aliases = replica_aliases()
    for alias in random.sample(aliases, len(aliases)):
        if _replica_usable(alias=alias):
            return alias
    return DEFAULT_DB_ALIAS


def _replica_usable(*, alias: str) -> bool:
    """Whether this replica answers and is close enough behind the primary, measured at most once
    in REPLICA_LAG_CHECK_SECONDS; this request's connection to it is opened here."""
    health = _health.setdefault(alias, _Health())
    now = time.monotonic()
    if now < health.down_until:
        return False
    connection = connections[alias]
    if health.down_until:
        # back from a back-off: a plain connection tells at once whether the server is up, where a
        # pool would wait out its timeout retrying
        if not _server_answers(alias=alias):
            _replica_down(alias=alias)
            return False
        health.down_until = 0.0
    measure = now - health.checked_at >= REPLICA_LAG_CHECK_SECONDS
    if not measure and not _lag_allowed(health):
        return False  # behind at its last measurement: not even connected to
    try:
        if measure:
            health.lag = _lag_measure(alias=alias, health=health)
            health.checked_at = now
        else:
            connection.ensure_connection()
    except DatabaseError as error:
        logger.warning("Replica %s does not answer (%s): reads go elsewhere for now.", alias, error)
        _replica_down(alias=alias)
        return False
    return _lag_allowed(health)


def _lag_allowed(health: _Health) -> bool:
    return health.lag is not None and health.lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS


def _lag_measure(*, alias: str, health: _Health) -> float | None:
    """Seconds this replica is behind the primary (None: unknown, or it is not a replica)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(_LAG_SQL)
        in_recovery, lag = cursor.fetchone()
    if not in_recovery:
        if not health.warned:
            logger.warning("%s is not a replica (not in recovery): it is never read.", alias)
            health.warned = True
        return None
    return None if lag is None else float(lag)


def _server_answers(*, alias: str) -> bool:
    params = connections[alias].get_connection_params()
    try:
        psycopg.connect(**params).close()
    except psycopg.Error:
        return False
    return True


def _replica_down(*, alias: str) -> None:
    """Leave this replica alone for DATABASE_REPLICA_RETRY_SECONDS, its connections dropped."""
    health = _health.setdefault(alias, _Health())
    health.down_until = time.monotonic() + settings.DATABASE_REPLICA_RETRY_SECONDS
    health.checked_at = float("-inf")
    connection = connections[alias]
    with contextlib.suppress(DatabaseError):  # lost already
        connection.close()
    # a pool would keep retrying the dead server on its own schedule; a new one starts afresh
    if alias in getattr(connection, "_connection_pools", {}):
        try:
            connection.close_pool()
        except Exception:
            logger.debug("Closing the pool of %s failed", alias, exc_info=True)


def _sticky_key(user_id: Any) -> str:
    return f"replicas:wrote:user:{user_id}"


def _client_wrote_recently(request: HttpRequest) -> bool:
    """Whether this client wrote in the last DATABASE_REPLICA_STICKY_SECONDS."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        try:
            return cache.get(_sticky_key(user.pk)) is not None
        except Exception:
            logger.warning("The cache does not answer: %s reads from the primary.", user.pk, exc_info=True)
            return True
    max_age = settings.DATABASE_REPLICA_STICKY_SECONDS
    return request.get_signed_cookie(COOKIE, default=None, salt=_COOKIE_SALT, max_age=max_age) is not None


def _client_remember_write(request: HttpRequest, response: HttpResponse) -> None:
    """Send this client's reads to the primary for DATABASE_REPLICA_STICKY_SECONDS."""
    seconds = settings.DATABASE_REPLICA_STICKY_SECONDS
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # by user id: a script's token keeps no cookie, and the same editor may read in the browser
        try:
            cache.set(_sticky_key(user.pk), 1, timeout=seconds)
            return
        except Exception:
            logger.warning("The cache does not answer: %s's write is remembered by cookie only.", user.pk)
    response.set_signed_cookie(
        COOKIE,
        "1",
        salt=_COOKIE_SALT,
        max_age=seconds,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _replica_watch(state: _RequestState, execute: Callable, sql, params, many, context):
    """Note a query of the request's replica that failed for the replica's sake, not the query's."""
    try:
        return execute(sql, params, many, context)
    except DatabaseError as error:
        if context["connection"].alias == state.alias:
            if database_unavailable(error):
                state.retry_on_primary = state.replica_lost = True
            elif getattr(error.__cause__, "sqlstate", None) == RECOVERY_CONFLICT:
                state.retry_on_primary = True
        raise


class ReplicaMiddleware:
    """Let a safe API request read from a replica, answer it again from the primary when its replica
    failed halfway, and remember a client's successful write (read-your-writes)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        replicas = replica_aliases()
        if not replicas:
            return self.get_response(request)
        allowed = request.method in SAFE_METHODS and request.path.startswith("/api/")
        state = _RequestState(request=request, replica_allowed=allowed)
        token = _current.set(state)
        try:
            with ExitStack() as watching:
                if allowed:
                    for alias in replicas:
                        watching.enter_context(
                            connections[alias].execute_wrapper(partial(_replica_watch, state))
                        )
                response = self.get_response(request)
            if state.retry_on_primary:
                # a read changes nothing: answered again, whole, from the primary
                if state.replica_lost:
                    logger.warning(
                        "Replica %s was lost during %s: answered from the primary.", state.alias, request.path
                    )
                    _replica_down(alias=state.alias)
                state.alias, state.replica_allowed = DEFAULT_DB_ALIAS, False
                response = self.get_response(request)
            if request.method not in SAFE_METHODS and response.status_code < 400:
                _client_remember_write(request, response)
            response[HEADER] = state.alias if state.alias and state.alias != DEFAULT_DB_ALIAS else PRIMARY
            return response
        finally:
            _current.reset(token)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        # a view that must read the primary says so (the changes feed: apps/api/v1/changes.py)
        view = getattr(view_func, "cls", view_func)
        state = _current.get()
        if state is not None and getattr(view, "reads_from_primary", False):
            state.replica_allowed = False
