"""Errors the database raises that a client caused or must wait out: never a 500."""

from __future__ import annotations

from django.db import DataError, IntegrityError, OperationalError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.constraints import CONFLICTS, violation, violation_field, violation_message
from apps.core.models import RowDeleted, VersionConflict
from apps.core.outage import RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE, database_unavailable
from apps.core.search import PROGRAM_LIMIT_EXCEEDED, TSVECTOR_LIMIT

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE when statement_timeout cancels a query
# a deadlock broken, or a transaction that could not be serialised: rolled back whole, worth a retry
RETRYABLE = {"40P01", "40001"}


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


def exception_handler(exc, context):
    """DRF's handler, plus what the database said, in words and never as a 500: a 412 when a write
    lost the race to another (the conditional UPDATE found a newer version), a 404 when the row was
    deleted while the write waited for it, a 409 when another request stored the same thing first,
    a 400 for a value the database cannot hold, and a 503 with Retry-After when the database is
    unavailable, broke a deadlock, or cancelled a query past the statement timeout."""
    if isinstance(exc, RowDeleted):
        return Response(
            {"detail": f"Not found: {exc} Nothing of yours was saved."}, status=status.HTTP_404_NOT_FOUND
        )
    if isinstance(exc, VersionConflict):
        return Response(
            {"detail": "Someone changed it while you were saving: GET it again, then make your change."},
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
    if database_unavailable(exc):
        # in JSON whatever was asked: the browsable API's page would query the database again
        request = context.get("request")
        if request is not None:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return Response(
            {"detail": UNAVAILABLE_MESSAGE},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if isinstance(exc, OperationalError) and sqlstate == PROGRAM_LIMIT_EXCEEDED:
        # a text past the search index's limit that validation did not measure (model checks do)
        return Response(
            {
                "detail": f"A text has too many different words for the search index ({TSVECTOR_LIMIT + 1:,} "
                "bytes of distinct words a row); split it."
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DataError):
        # a value the database cannot hold (a number past its column's range) that no field checked
        return Response(
            {"detail": "A value in the request is out of range for what it is stored as."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, IntegrityError):
        # a rule the database held after the request's own checks passed: a race lost, in words
        if violation(exc)[0] in CONFLICTS:
            return Response({"detail": violation_message(exc)}, status=status.HTTP_409_CONFLICT)
        # a rule of one field (a check the model's validation did not see): on that field, as a 400 is
        field = violation_field(exc)
        body = {field: [violation_message(exc)]} if field else {"detail": violation_message(exc)}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, OperationalError) and sqlstate in RETRYABLE:
        return Response(
            {
                "detail": "The request collided with others writing the same claims; nothing was saved. "
                "Send it again."
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "1"},
        )
    if isinstance(exc, OperationalError) and sqlstate == QUERY_CANCELED:
        return Response(
            {"detail": "The request took longer than the server allows: narrow it (filters, page_size)."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "10"},
        )
    return drf_exception_handler(exc, context)
