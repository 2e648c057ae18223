"""Schemathesis sends generated requests to every operation of /api/schema/ on a live server.

Every answer must be a documented one: no 5xx, and a status code, content type and body that the
schema lists for that operation. For every role — anonymous (every write refused), consumer,
fact-checker and editor (writes too) — with valid and invalid (negative) data in the bodies, query
parameters and headers the schema documents (If-Match among them), on the seed corpus; the live
server's database is flushed after each test.

One test per role, with a Hypothesis test per operation inside it: the seed is loaded once per
role, where a pytest test per operation (`schema.parametrize()`) would load it 70 times; and
schemathesis's `pytest.from_fixture` needs `Function._nodeid`, which pytest 9.2 no longer has.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup

from tests.api.conftest import DOCUMENTED, PASSWORD, ROLE_FIXTURES

CHECKS = [not_a_server_error, *DOCUMENTED]
# per operation and mode: a regression test run on every change, not a long search. The two roles
# that only read (and a fact-checker's few writes) differ from the anonymous reader in less: fewer.
EXAMPLES = {"anonymous": 15, "editor": 15, "consumer": 6, "fact-checker": 8}


@pytest.fixture(autouse=True)
def _no_throttle(monkeypatch):
    # the rates are for people; the fuzzer asks hundreds of times a minute
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)


def fuzz(live_server, headers: dict[str, str] | None = None, examples: int = 15) -> list[str]:
    """Send valid and invalid cases to every operation; return what failed, one entry an operation."""
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # derandomized: the same cases on every run; not shrunk: a failure is reported as found
            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(mode))
            def call(case):
                case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS, timeout=60)

            try:
                call()
            except (AssertionError, FailureGroup) as error:  # a check failed, or several
                failures.append(f"{operation.label} ({mode.value}): {error}")
    return failures


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["anonymous", "consumer", "fact-checker", "editor"])
def test_every_operation_answers_every_role_as_documented(seed, live_server, request, role):
    headers = None
    if role != "anonymous":
        user = request.getfixturevalue(ROLE_FIXTURES[role])
        token = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
        headers = {"Authorization": f"Token {token.json()['token']}"}

    failures = fuzz(live_server, headers, EXAMPLES[role])

    assert not failures, "\n\n".join(failures)
