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


def current_workers() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_parallel_workers_per_gather')")
        return cursor.fetchone()[0]


def test_an_api_request_starts_no_parallel_workers_until_its_response_is_closed(settings):
    settings.API_PARALLEL_WORKERS = 0
    server_default = current_workers()

    response = run(lambda request: HttpResponse(current_workers()))

    assert response.content.decode() == "0" and current_workers() == "0"
    response.close()
    assert current_workers() == server_default == "2"
    assert run(lambda request: HttpResponse(current_workers()), "/admin/").content.decode() == "2"


@pytest.mark.parametrize("probe", [True, False], ids=["probed", "through the index"])
def test_a_search_s_window_has_parallel_workers_and_the_rest_of_the_request_its_own_settings(
    seed, api_client, settings, monkeypatch, probe
):
    """The window's planner settings are set before the request's first query, and were
    overwritten by it (no workers for the one scan that wants them), then reset to the server's
    defaults for the rest of the request (no timeout). A window found through the search index has
    parallel workers; one found by a probe of the newest rows walks the primary key, with no bitmap
    scan (apps.core.search.newest_match_ids; the seed's lists are shorter than a probe's sample)."""
    from apps.api.v1.views import ClaimViewSet, DocumentViewSet

    settings.API_STATEMENT_TIMEOUT_MS, settings.API_PARALLEL_WORKERS = 40_000, 0
    if not probe:
        for view in (ClaimViewSet, DocumentViewSet):
            monkeypatch.setattr(view, "search_probe", 0)
    seen = {}

    def look(execute, sql, params, many, context):
        step = "window" if "LIMIT 2000" in sql else "page" if "ts_rank_cd" in sql else None
        if step:
            driver = context["connection"].connection
            names = (
                "current_setting('max_parallel_workers_per_gather'), current_setting('statement_timeout'),"
                " current_setting('enable_bitmapscan')"
            )
            seen[step] = driver.execute(f"SELECT {names}").fetchone()
        return execute(sql, params, many, context)

    window = ("0", "40s", "off") if probe else ("2", "40s", "on")
    for path in ("/api/v1/documents/", "/api/v1/claims/"):
        with connection.execute_wrapper(look):
            response = api_client.get(path, {"search": "طالبان"})

        assert response.status_code == 200 and response.json()["count"] > 1
        assert seen == {"window": window, "page": ("0", "40s", "on")}, path
        assert current_workers() == "2"
