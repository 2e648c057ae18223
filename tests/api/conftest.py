"""API clients: anonymous, by token for each role; a consumer who belongs to no role group."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
import requests
import schemathesis
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.locmem import LocMemCache
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.test import APIClient
from schemathesis.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.api.v1.throttles import CountedRateThrottle
from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.credibility.models import SourceRating
from apps.documents.models import Document
from apps.entities.models import Alias, Entity

PASSWORD = "pw-for-tests-only"  # the password tests/conftest.py gives its users

ROLE_FIXTURES = {"consumer": "consumer", "fact-checker": "fact_checker", "editor": "editor"}

# an answer is documented: its status code, content type and body are the schema's for its operation
DOCUMENTED = [status_code_conformance, content_type_conformance, response_schema_conformance]


def local_counters_clear() -> None:
    """Empty the throttle counters of this process's local-memory cache, which outlives a test.

    Only that cache: a test that counts in Redis is still configured for it when this runs after it,
    and Redis's `clear()` is a FLUSHDB of the whole database, shared with the other xdist worker (its
    race over a live server let 12 requests through a limit of 10 when its counters vanished
    halfway) and with whatever else the machine keeps there. Such tests use their own key prefix."""
    if isinstance(caches[DEFAULT_CACHE_ALIAS], LocMemCache):
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Start each test with empty throttle counters (passwords are hashed cheaply: tests/conftest.py)."""
    local_counters_clear()
    yield
    local_counters_clear()


@pytest.fixture
def unthrottled(monkeypatch):
    """Hundreds of requests in one test: such a test is about what they answer, not the rate limit."""
    monkeypatch.setattr(CountedRateThrottle, "allow_request", lambda self, request, view: True)


class ScriptClient(APIClient):
    """A client that writes as a careful script does: it GETs the row first and sends its ETag
    back in If-Match. A test that means to send no If-Match, or a stale one, passes
    `HTTP_IF_MATCH` itself ("" for none)."""

    def _with_if_match(self, path, extra):
        if "HTTP_IF_MATCH" not in extra:
            etag = self.get(path).headers.get("ETag")
            if etag:
                extra["HTTP_IF_MATCH"] = etag
        elif extra["HTTP_IF_MATCH"] == "":
            del extra["HTTP_IF_MATCH"]
        return extra

    def patch(self, path, data=None, format=None, content_type=None, follow=False, **extra):
        extra = self._with_if_match(path, extra)
        return super().patch(path, data, format, content_type, follow, **extra)

    def put(self, path, data=None, format=None, content_type=None, follow=False, **extra):
        extra = self._with_if_match(path, extra)
        return super().put(path, data, format, content_type, follow, **extra)

    def delete(self, path, data=None, format=None, content_type=None, follow=False, **extra):
        extra = self._with_if_match(path, extra)
        return super().delete(path, data, format, content_type, follow, **extra)


@pytest.fixture
def api_client() -> APIClient:
    return ScriptClient()


@pytest.fixture
def consumer(db, django_user_model):
    """An authenticated API consumer: in no group, with no permission; reads only."""
    return django_user_model.objects.create_user(username="test-consumer", password=PASSWORD)


@pytest.fixture
def token_client(db) -> Callable[..., APIClient]:
    """Make a client that sends `Authorization: Token …` with the token POST /api/v1/auth/token/ gave."""

    def make(user) -> APIClient:
        response = APIClient().post(
            "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
        )
        assert response.status_code == 200, response.content
        client = ScriptClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        return client

    return make


@pytest.fixture
def client_as(request, api_client, token_client) -> Callable[[str], APIClient]:
    """Make the client of a role: "anonymous", "consumer", "fact-checker" or "editor" (by token)."""

    def make(role: str) -> APIClient:
        if role == "anonymous":
            return api_client
        return token_client(request.getfixturevalue(ROLE_FIXTURES[role]))

    return make


@pytest.fixture
def consumer_client(client_as) -> APIClient:
    return client_as("consumer")


@pytest.fixture
def fact_checker_client(client_as) -> APIClient:
    return client_as("fact-checker")


@pytest.fixture
def editor_api_client(client_as) -> APIClient:
    return client_as("editor")


@pytest.fixture
def row_counts(db) -> Callable[[], dict[str, int]]:
    """Count the rows of every curated table, to show that a refused write wrote nothing."""

    def count() -> dict[str, int]:
        return {
            model.__name__: model.objects.count()
            for model in (Entity, Alias, Document, Claim, Attestation, ClaimRelation, SourceRating)
        }

    return count


@pytest.fixture(scope="session")
def openapi() -> schemathesis.BaseSchema:
    """The schema /api/schema/ serves, as schemathesis reads it."""
    document = OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    return schemathesis.openapi.from_dict(json.loads(document))


@pytest.fixture
def assert_documented(openapi) -> Callable:
    """Make a check that a test client's response is one the schema documents for its operation."""

    def check(response) -> None:
        request = response.wsgi_request
        operation = openapi.find_operation_by_path(request.method, request.path)
        assert operation is not None, f"{request.method} {request.path} is not in the schema"
        answer = schemathesis.Response(
            status_code=response.status_code,
            headers={name: [value] for name, value in response.headers.items()},
            content=response.content,
            request=requests.Request(request.method, request.build_absolute_uri()).prepare(),
            elapsed=0.0,
            verify=True,
        )
        # the path's parameters, by their names in the schema: `/claims/{id}/` against `/claims/7/`
        template = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(operation.path))
        parameters = re.fullmatch(template, request.path).groupdict()
        operation.Case(path_parameters=parameters).validate_response(answer, checks=DOCUMENTED)

    return check
