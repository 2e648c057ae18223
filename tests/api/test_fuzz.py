"""Schemathesis sends generated requests to every operation of /api/schema/, in this process.

Every answer must be a documented one: no 5xx, and a status code, content type and body that the
schema lists for that operation. For every role — anonymous (every write refused), consumer,
fact-checker and editor (writes too) — with valid and invalid (negative) data in the bodies, query
parameters and headers the schema documents (If-Match among them), on the seed corpus, committed
(each request commits its writes as it would on a server); the database is flushed after each test.

One test per role, with a Hypothesis run per operation and mode inside it: the seed is restored once
per role, where a pytest test per operation (`schema.parametrize()`) would restore it 70 times; and
schemathesis's `pytest.from_fixture` needs `Function._nodeid`, which pytest 9.2 no longer has.

The requests go to the WSGI application in this process (schemathesis's WSGI transport) over one
kept connection, not through a live server's socket, thread and new connection each: the same
Django stack, middleware included. The cases are drawn once a process for each
operation and mode (15, the most a role is sent) and each role is sent as many of them, first to
last, as its number of examples says: Hypothesis draws the cases of four roles once instead of four
times; the four roles run on one xdist worker (`xdist_group`) to share them.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup

from apps.api.v1.throttles import CountedRateThrottle
from tests.api.conftest import DOCUMENTED, PASSWORD, ROLE_FIXTURES

CHECKS = [not_a_server_error, *DOCUMENTED]
# per operation and mode: a regression test run on every change, not a long search. The two roles
# that only read (and a fact-checker's few writes) differ from the anonymous reader in less: fewer.
EXAMPLES = {"anonymous": 15, "editor": 15, "consumer": 6, "fact-checker": 8}

# the cases drawn for (operation, mode), kept for the next role of this process
_drawn: dict[tuple[str, str], list[schemathesis.Case]] = {}


@pytest.fixture(autouse=True)
def _no_throttle(monkeypatch):
    # the rates are for people; the fuzzer asks hundreds of times a minute
    monkeypatch.setattr(CountedRateThrottle, "allow_request", lambda self, request, view: True)


@pytest.fixture
def in_process_api(settings):
    """The API's WSGI application, served in this process over one connection that it keeps."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # the host a live server is
    # every request would close the connection and open a new one (CONN_MAX_AGE=0), about as long
    # as the request: keep it, as the pooled production server does
    database = connection.settings_dict
    max_age = database["CONN_MAX_AGE"]
    database["CONN_MAX_AGE"] = None
    connection.close()  # reopened at the next query, without an expiry
    yield WSGIHandler()
    database["CONN_MAX_AGE"] = max_age
    connection.close()


def cases(operation, mode: GenerationMode, examples: int) -> list[schemathesis.Case]:
    """The first `examples` cases of an operation in one mode, drawn once a process by Hypothesis."""
    key = (operation.label, mode.value)
    if key not in _drawn:
        drawn = []

        # derandomized: the same cases on every run; no shrinking: a failure is reported as found
        @hypothesis_settings(
            max_examples=max(EXAMPLES.values()),
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(mode))
        def draw(case):
            drawn.append(case)

        draw()
        _drawn[key] = drawn
    return _drawn[key][:examples]


def fuzz(app, headers: dict[str, str] | None = None, examples: int = 15) -> list[str]:
    """Send valid and invalid cases to every operation; return what failed, one entry an operation."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for case in cases(operation, mode, examples):
                try:
                    case.call_and_validate(headers=headers, checks=CHECKS)
                except (AssertionError, FailureGroup) as error:  # a check failed, or several
                    failures.append(f"{operation.label} ({mode.value}): {error}")
                    break
    return failures


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("fuzz")
@pytest.mark.parametrize("role", ["anonymous", "consumer", "fact-checker", "editor"])
def test_every_operation_answers_every_role_as_documented(seed, in_process_api, request, role):
    headers = None
    if role != "anonymous":
        user = request.getfixturevalue(ROLE_FIXTURES[role])
        token = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
        headers = {"Authorization": f"Token {token.json()['token']}"}

    failures = fuzz(in_process_api, headers, EXAMPLES[role])

    assert not failures, "\n\n".join(failures)


@pytest.mark.xdist_group("fuzz")
def test_the_roles_share_one_worker_under_make_test(request):
    """`make test` hands out by xdist_group; pytest 9.2 dropped the id pytest-xdist marks a group on,
    and the four roles drew their cases on two workers (tests/conftest.py)."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("run without --dist loadgroup")
    assert request.node.nodeid.endswith("@fuzz")
