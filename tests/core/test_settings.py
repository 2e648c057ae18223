import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SETUP = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def _start(**env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(ENV_FILE="", DJANGO_SETTINGS_MODULE="claimtrack.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", SETUP],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


WEAK_KEYS = [None, "", "change-me", "abc", "django-insecure-abc", "x" * 60, "django-insecure-" + "k3y-" * 12]


@pytest.mark.parametrize("secret", WEAK_KEYS)
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    env = {"DEBUG": "false"}
    if secret is not None:
        env["SECRET_KEY"] = secret

    result = _start(**env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _start(DEBUG="false", SECRET_KEY="a-long-random-value-made-for-this-test-0123456789-abc")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_database_url_that_is_not_postgresql_is_refused():
    result = _start(DEBUG="true", DATABASE_URL="sqlite:///tmp/x.db")

    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_production_settings_pass_the_deploy_check():
    environment = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(
        ENV_FILE="",
        DEBUG="false",
        SECRET_KEY="a-long-random-value-made-for-this-test-0123456789-abcdefghijklmnop",
        ALLOWED_HOSTS="claimtrack.example.org",
        CSRF_TRUSTED_ORIGINS="https://claimtrack.example.org",
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_reads_hosts_and_trusted_origins_from_the_environment():
    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.ALLOWED_HOSTS, settings.CSRF_TRUSTED_ORIGINS, settings.SECURE_SSL_REDIRECT, "
        "settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)"
    )
    environment = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(
        ENV_FILE="",
        DJANGO_SETTINGS_MODULE="claimtrack.settings",
        DEBUG="false",
        SECRET_KEY="a-long-random-value-made-for-this-test-0123456789-abc",
        ALLOWED_HOSTS="a.example.org,b.example.org",
        CSRF_TRUSTED_ORIGINS="https://a.example.org",
    )

    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=environment, capture_output=True, text=True
    )

    assert result.stdout.strip() == (
        "['a.example.org', 'b.example.org'] ['https://a.example.org'] True True 31536000"
    ), result.stderr


def test_the_jit_compiler_is_off_for_the_application_s_connections(db, django_db_blocker):
    """An estimate far off (the admin's claim search on a few hundred claims, after a larger corpus
    was there) put a query past jit_above_cost: 0.9 s compiling a query that runs in 15 ms."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_database_jit_turns_it_back_on():
    setup = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', ''))"
    )
    environment = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    environment.update(DJANGO_SETTINGS_MODULE="claimtrack.settings")
    printed = {}
    for value in ("false", "true"):
        result = subprocess.run(
            [sys.executable, "-c", setup],
            cwd=ROOT,
            env={**environment, "DATABASE_JIT": value},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        printed[value] = result.stdout.strip()
    assert "-c jit=off" in printed["false"]
    assert "jit" not in printed["true"]
