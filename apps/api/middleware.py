"""Limits on every API request: its size, and the time of its database work."""

from __future__ import annotations

import psycopg
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from apps.core.database import settings_held_back


class RequestSizeLimitMiddleware:
    """Refuse an API request whose body or query string is over the limit before anything reads
    it, with a JSON error that names the limit: 413 for a body over `DATA_UPLOAD_MAX_MEMORY_SIZE`
    bytes (DRF's parsers read the stream themselves and would not check it), 414 for a query string
    over `API_MAX_QUERY_STRING` characters. The admin keeps Django's own checks."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "The Content-Length header is not a number."}, status=400)
        if limit is not None and length > limit:
            return JsonResponse(
                {"detail": f"The request body is {length} bytes; the API takes at most {limit} bytes."},
                status=413,
            )
        query_limit = settings.API_MAX_QUERY_STRING
        length = len(request.META.get("QUERY_STRING", ""))
        if query_limit and length > query_limit:
            detail = f"The query string is {length} characters; the API takes at most {query_limit}."
            return JsonResponse({"detail": detail}, status=414)
        return self.get_response(request)


# the statements a `set_config` can go before in one round trip (not VACUUM, CREATE INDEX
# CONCURRENTLY and the like, which refuse the transaction block that several statements share)
_PLAIN = ("select", "insert", "update", "delete", "with", "execute")  # EXECUTE: apps/core/prepared.py


def _request_settings() -> dict[str, int]:
    """The PostgreSQL settings an API request's queries run under."""
    values = {}
    if int(settings.API_STATEMENT_TIMEOUT_MS or 0) > 0:
        values["statement_timeout"] = int(settings.API_STATEMENT_TIMEOUT_MS)
    if settings.API_PARALLEL_WORKERS is not None:
        values["max_parallel_workers_per_gather"] = int(settings.API_PARALLEL_WORKERS)
    return values


class StatementTimeoutMiddleware:
    """`statement_timeout` for the length of an API request, then back to the server's default;
    and parallel query, off by default (`API_PARALLEL_WORKERS`), likewise.

    A runaway query (a search over a huge corpus, a page of 200 rich claims) is cancelled by
    PostgreSQL and answered with a 503 (apps.api.v1.exceptions) instead of holding a worker. The
    limit is set with the request's first query, on the driver's own connection, so a view that
    reads nothing costs nothing and the queries a test counts are the view's own: it goes before
    that query in the same round trip (`SELECT set_config(…); <the query>`, as pghistory sends its
    context), and it is reset when the response is closed, after the server has sent it. A SET and a
    RESET of their own were two of a claim's seven round trips (issue 17).

    Parallel workers cost an API page more than they save: starting two of them to count a filtered
    list took 12.7 ms where the same plan alone took 6.5 (docs/performance.md §16), and under load
    they take the cores other requests are waiting for. A search's window turns them back on for
    the one scan that needs them (apps.core.search.newest_match_ids).
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        values = _request_settings() if request.path.startswith("/api/") else {}
        if not values:
            return self.get_response(request)
        calls = (f"set_config('{name}', '{value}', false)" for name, value in values.items())
        setting = "SELECT " + ", ".join(calls)
        limited = None  # the driver's connection the limit was sent on

        def limit_first(execute, sql, params, many, context):
            nonlocal limited
            if limited is not None:
                return execute(sql, params, many, context)
            limited = context["connection"].connection
            cursor = context["cursor"].cursor
            together = (
                isinstance(cursor, psycopg.ClientCursor)  # several statements need client-side binding
                and not getattr(cursor, "name", None)  # a named cursor DECLAREs its one query
                and not many
                and isinstance(sql, str)
                and sql.lstrip()[:7].lower().startswith(_PLAIN)
            )
            if not together:
                limited.execute(setting)
                return execute(sql, params, many, context)
            result = execute(f"{setting}; {sql}", params, many, context)
            while cursor.nextset():  # to the query's own result, the last
                pass
            return result

        def send_now(wrapper) -> None:
            nonlocal limited
            if limited is None and wrapper.alias == connection.alias:
                wrapper.ensure_connection()
                limited = wrapper.connection
                limited.execute(setting)

        def reset() -> None:
            if limited is None or connection.connection is not limited:
                return  # never set, or that connection is gone
            try:
                limited.execute("; ".join(f"RESET {name}" for name in values))
            except Exception:  # an aborted or lost connection: not reused with the limit on it
                connection.close()

        try:
            with connection.execute_wrapper(limit_first), settings_held_back(send_now):
                response = self.get_response(request)
        except BaseException:
            reset()
            raise
        close = response.close

        def close_after_reset() -> None:
            # before the response's own close, which hands the connection back (request_finished)
            try:
                reset()
            finally:
                close()

        response.close = close_after_reset
        return response
