"""A time limit on the database work of every API request."""

from __future__ import annotations

from django.conf import settings
from django.db import connection


class StatementTimeoutMiddleware:
    """`SET statement_timeout` for the length of an API request, then back to the server's default.

    A runaway query (a search over a huge corpus, a page of 200 rich claims) is cancelled by
    PostgreSQL and answered with a 503 (apps.api.v1.exceptions) instead of holding a worker. The
    limit is set just before the request's first query, on the driver's own connection, so a view
    that reads nothing costs nothing and the queries a test counts are the view's own.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        limit = int(settings.API_STATEMENT_TIMEOUT_MS or 0)
        if limit <= 0 or not request.path.startswith("/api/"):
            return self.get_response(request)
        limited = False

        def limit_first(execute, sql, params, many, context):
            nonlocal limited
            if not limited:
                context["connection"].connection.execute(f"SET statement_timeout = {limit}")
                limited = True
            return execute(sql, params, many, context)

        try:
            with connection.execute_wrapper(limit_first):
                return self.get_response(request)
        finally:
            if limited:
                try:
                    connection.connection.execute("RESET statement_timeout")
                except Exception:  # an aborted or lost connection: not reused with the limit on it
                    connection.close()
