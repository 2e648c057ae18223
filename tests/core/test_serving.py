"""`make serve`: gunicorn with DEBUG off, its static files collected and served by whitenoise."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys

import pytest
import requests
from django.db import connection

from tests.conftest import ROOT
from tests.servers import gunicorn_serving


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def production_server(transactional_db, tmp_path):
    """gunicorn as `make serve` starts it (two workers here, each with its connection pool), on this
    test's database."""
    db = connection.settings_dict
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}},
        "ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "claimtrack.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "STATIC_MANIFEST": "true",
        "STATIC_ROOT": str(tmp_path / "static"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
        "SECURE_HSTS_PRELOAD": "false",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "DATABASE_POOL": "true",
    }
    if db["HOST"].startswith("/"):
        # the embedded server listens on a socket in a folder: a URL without a host, libpq's
        # PGHOST and PGPORT naming the folder and the port
        env.update(
            DATABASE_URL=f"postgres://{db['USER']}@/{db['NAME']}", PGHOST=db["HOST"], PGPORT=str(db["PORT"])
        )
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, timeout=120
    )
    assert collected.returncode == 0
    with gunicorn_serving(env=env, port=port, log=tmp_path / "gunicorn.log") as base:
        yield base


def test_the_production_server_serves_the_admin_the_api_and_hashed_static_files(production_server):
    login = requests.get(f"{production_server}/admin/login/", timeout=10)
    api = requests.get(f"{production_server}/api/v1/claims/", timeout=10)
    missing = requests.get(f"{production_server}/no-such-page/", timeout=10)

    assert login.status_code == 200
    css = login.text.split('href="/static/admin/css/base.')[1].split('"')[0]
    static = requests.get(f"{production_server}/static/admin/css/base.{css}", timeout=10)
    assert static.status_code == 200 and "max-age=315360000" in static.headers["Cache-Control"]
    workspace = requests.get(f"{production_server}/static/claims/workspace.js", timeout=10)
    assert workspace.status_code == 200, "a script the pages load by its own name is served too"
    assert api.status_code == 200 and api.headers["Content-Type"] == "application/json"
    # DEBUG is off: no debug page, no settings on show
    assert missing.status_code == 404 and "DEBUG = True" not in missing.text
