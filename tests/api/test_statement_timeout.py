"""The API's statement timeout: set with a request's first query, reset once its response is closed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from apps.api.middleware import StatementTimeoutMiddleware

# as in production: no test transaction around the request (a cancelled query would abort it)
pytestmark = pytest.mark.django_db(transaction=True)


def current_limit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        return cursor.fetchone()[0]


def run(view, path: str = "/api/v1/claims/") -> HttpResponse:
    return StatementTimeoutMiddleware(view)(RequestFactory().get(path))


@pytest.fixture
def limit(settings):
    settings.API_STATEMENT_TIMEOUT_MS = 40
    return "40ms"


def test_the_first_query_runs_under_the_limit_in_the_same_round_trip(limit, monkeypatch):
    connection.ensure_connection()
    sent = []
    execute = connection.connection.execute
    # anything sent on the driver's connection directly, outside a cursor: a SET of its own was
    monkeypatch.setattr(connection.connection, "execute", lambda *a, **k: sent.append(a) or execute(*a, **k))

    def view(request):
        return HttpResponse(current_limit())

    response = run(view)

    assert response.content.decode() == limit
    assert sent == []


def test_a_first_query_past_the_limit_is_cancelled(limit):
    def view(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.3)")
        return HttpResponse()

    with pytest.raises(OperationalError, match="statement timeout"):
        run(view)
    assert current_limit() == "0"


def test_the_limit_holds_until_the_response_is_closed_then_is_reset(limit):
    def view(request):
        current_limit()
        return HttpResponse()

    response = run(view)

    assert current_limit() == limit  # the server is still sending the response
    response.close()
    assert current_limit() == "0"


def test_a_statement_that_refuses_a_transaction_block_gets_its_own_set(limit):
    def view(request):
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return HttpResponse(cursor.fetchone()[0])

    response = run(view)

    assert response.content.decode() == limit
    response.close()
    assert current_limit() == "0"


def test_outside_the_api_nothing_is_set(limit):
    def view(request):
        return HttpResponse(current_limit())

    assert run(view, "/admin/").content.decode() == "0"
