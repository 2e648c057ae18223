"""When the database is out of reach or read-only: a 503 that says so and when to try again."""

from __future__ import annotations

import sys

from django.db import InterfaceError, InternalError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import server_error as django_server_error

RETRY_AFTER_SECONDS = 30

# SQLSTATEs of a server that cannot take this request now: connection exceptions (class 08), a
# server shutting down or starting (57P01–57P03), too many connections, a read-only transaction
# (a standby, or default_transaction_read_only during maintenance)
READ_ONLY = "25006"
UNAVAILABLE_STATES = {"57P01", "57P02", "57P03", "53300", READ_ONLY}
UNAVAILABLE_MESSAGE = (
    "The database is unavailable or read-only for now; nothing was changed. Try again later."
)


def database_unavailable(error: BaseException | None) -> bool:
    """Whether this error means the database cannot serve the request now, not that it was wrong."""
    if isinstance(error, InterfaceError):
        return True  # the connection was lost
    state = getattr(error.__cause__, "sqlstate", None)
    if isinstance(error, InternalError):
        return state == READ_ONLY  # psycopg files a read-only transaction under "internal"
    if not isinstance(error, OperationalError):
        return False
    # psycopg gives no SQLSTATE when it cannot connect at all
    return state is None or state.startswith("08") or state in UNAVAILABLE_STATES


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")


def unavailable_response(request: HttpRequest) -> HttpResponse:
    message = UNAVAILABLE_MESSAGE
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_json(request):
        return JsonResponse({"detail": message}, status=503, headers=headers)
    return HttpResponse(
        f"<!doctype html><title>Unavailable</title><h1>Unavailable</h1><p>{message}</p>",
        status=503,
        headers=headers,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: an outage of the database is a 503 with Retry-After; any other error a 500, in
    JSON for API clients."""
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    if wants_json(request):
        return JsonResponse({"detail": "Server error: it has been logged."}, status=500)
    return django_server_error(request)
