"""Limits on every API request: its size, and the time of its database work."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse


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
