"""Password guessing is cut short: too many failed logins lock out the account and the address, on
the API's token endpoint and the admin login alike, with a 429 that says when to try again."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests.api.conftest import PASSWORD

LIMIT = 3


@pytest.fixture(autouse=True)
def _low_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)


def token_login(username: str, password: str, address: str = "203.0.113.7"):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def admin_login(username: str, password: str, address: str = "203.0.113.7"):
    return Client(REMOTE_ADDR=address).post(
        "/admin/login/", {"username": username, "password": password, "next": "/admin/"}
    )


def test_wrong_passwords_up_to_the_limit_lock_the_token_endpoint_even_for_the_right_one(editor):
    failures = [token_login(editor.username, f"guess-{n}").status_code for n in range(LIMIT)]

    locked = token_login(editor.username, PASSWORD)

    assert failures == [400] * (LIMIT - 1) + [429]  # the failure that reaches the limit locks
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    assert "Too many failed logins" in locked.json()["detail"]


def test_wrong_passwords_up_to_the_limit_lock_the_admin_login(editor):
    failures = [admin_login(editor.username, f"guess-{n}").status_code for n in range(LIMIT)]

    locked = admin_login(editor.username, PASSWORD)

    assert failures == [200] * (LIMIT - 1) + [429]  # the login form again, with its error, then locked
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    assert "Too many failed logins" in locked.content.decode()


def test_an_account_is_locked_whatever_address_the_guesses_come_from(editor):
    for n in range(LIMIT):
        token_login(editor.username, f"guess-{n}", address=f"198.51.100.{n}")

    assert token_login(editor.username, PASSWORD, address="192.0.2.99").status_code == 429


def test_an_address_is_locked_whatever_accounts_it_guesses(editor, fact_checker):
    for n in range(LIMIT):
        token_login(f"someone-{n}", "guess")

    assert token_login(fact_checker.username, PASSWORD).status_code == 429
    assert token_login(fact_checker.username, PASSWORD, address="192.0.2.99").status_code == 200


def test_the_lock_out_ends_after_the_cool_off(editor):
    for n in range(LIMIT):
        token_login(editor.username, f"guess-{n}")
    AccessAttempt.objects.update(attempt_time=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))

    assert token_login(editor.username, PASSWORD).status_code == 200


def test_a_successful_login_clears_the_failures_before_it(editor):
    for n in range(LIMIT - 1):
        token_login(editor.username, f"guess-{n}")
    assert token_login(editor.username, PASSWORD).status_code == 200

    for n in range(LIMIT - 1):
        token_login(editor.username, f"guess-again-{n}")

    assert token_login(editor.username, PASSWORD).status_code == 200


def test_the_token_endpoint_is_rate_limited_by_address(monkeypatch, editor):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "5/minute"})

    answers = [token_login(editor.username, PASSWORD).status_code for _ in range(6)]

    assert answers == [200] * 5 + [429]
