"""A live server with throttling off, and an editor's view of its API for the race tests."""

from __future__ import annotations

import logging

import pytest

from apps.api.v1.throttles import CountedRateThrottle
from tests.reliability.racing import LiveAPI, login

PASSWORD = "pw-for-tests-only"  # the password tests/conftest.py gives its users


@pytest.fixture(autouse=True)
def _no_throttle(monkeypatch):
    # the rates are for people; a race sends twenty requests in the same millisecond
    monkeypatch.setattr(CountedRateThrottle, "allow_request", lambda self, request, view: True)


@pytest.fixture(autouse=True)
def _quiet_refusals():
    """Log only the server's errors: the 4xx a race is meant to produce would bury the tallies."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def editor_api(live_server, editor) -> LiveAPI:
    """The live server's API as an editor who logged in with a token."""
    return LiveAPI(base=live_server.url, token=login(live_server.url, editor.username, PASSWORD))
