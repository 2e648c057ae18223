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


@pytest.mark.parametrize("secret", [None, "", "change-me", "django-insecure-abc"])
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    env = {"DEBUG": "false"}
    if secret is not None:
        env["SECRET_KEY"] = secret

    result = _start(**env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _start(DEBUG="false", SECRET_KEY="a-long-random-value-made-for-this-test-0123456789")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_database_url_that_is_not_postgresql_is_refused():
    result = _start(DEBUG="true", DATABASE_URL="sqlite:///tmp/x.db")

    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
