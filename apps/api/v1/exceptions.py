"""Errors the database raises that a client caused or must wait out: never a 500."""

from __future__ import annotations

from django.db import OperationalError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.models import VersionConflict

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE when statement_timeout cancels a query


def exception_handler(exc, context):
    """DRF's handler, plus a 503 when the request ran past the database's statement timeout and a
    412 when a write lost the race to another (the conditional UPDATE found a newer version)."""
    if isinstance(exc, VersionConflict):
        return Response(
            {"detail": "Someone changed it while you were saving: GET it again, then make your change."},
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
    if isinstance(exc, OperationalError) and getattr(exc.__cause__, "sqlstate", None) == QUERY_CANCELED:
        return Response(
            {"detail": "The request took longer than the server allows: narrow it (filters, page_size)."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "10"},
        )
    return drf_exception_handler(exc, context)
