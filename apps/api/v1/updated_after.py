"""`?updated_after=` on every list of rows that record when they changed: the simple form of the
changes feed (apps/api/v1/changes.py), for a consumer that only polls for what is new.

A filter backend (in DEFAULT_FILTER_BACKENDS), so that every list has it without a line in its
FilterSet; it parses the value with a FilterSet of its own, so a bad one is a 400 naming it. Its
own module: DRF imports the default backends while it defines its generic views, so this one must
not import a view.
"""

from __future__ import annotations

import datetime
from functools import cache

import django_filters as filters
from django.core.exceptions import ValidationError as FormValidationError
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.credibility.models import SourceRating
from apps.documents.models import Document
from apps.entities.models import Entity

# the field each model's rows record their last change in
UPDATED_FIELDS = {
    Entity: "updated",
    Document: "updated",
    Claim: "updated",
    Attestation: "updated",
    ClaimRelation: "updated",
    # ratings are added, never changed
    SourceRating: "rated_at",
}
UPDATED_AFTER = "updated_after"
UPDATED_AFTER_HELP = (
    "Rows changed after this time (ISO 8601 date-time, or a date: its midnight UTC); for ratings, "
    "given after it. The simple form of /api/v1/changes/: a row changed by a transaction still "
    "running at that time may carry an earlier time, and deletions are not listed."
)


class _ComparableDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time (or a date) that is a moment PostgreSQL and Python can both hold: not
    year 1 at +23:59, which is year 0 in UTC."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None:
            try:
                moment.astimezone(datetime.UTC)
            except OverflowError as error:
                raise FormValidationError("Enter a date-time between the years 1 and 9999.") from error
        return moment


class _UpdatedAfter(filters.IsoDateTimeFilter):
    field_class = _ComparableDateTimeField


@cache
def _updated_after_filterset(model) -> type[filters.FilterSet]:
    """A FilterSet of one filter, `updated_after`, on the model's change time."""
    meta = type("Meta", (), {"model": model, "fields": []})
    updated_after = _UpdatedAfter(
        field_name=UPDATED_FIELDS[model], lookup_expr="gt", label=UPDATED_AFTER_HELP
    )
    return type(
        f"{model.__name__}UpdatedAfterFilter",
        (filters.FilterSet,),
        {UPDATED_AFTER: updated_after, "Meta": meta},
    )


class UpdatedAfterFilter(BaseFilterBackend):
    """`?updated_after=` on the list of every model that records when its rows changed (not on a
    single row, and not on regrades, which have their own `since`)."""

    def _model(self, view):
        if getattr(view, "action", None) != "list":
            return None
        from drf_spectacular.plumbing import get_view_model  # only for the schema, once views exist

        model = get_view_model(view)
        return model if model in UPDATED_FIELDS else None

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) != "list" or queryset.model not in UPDATED_FIELDS:
            return queryset
        filterset = _updated_after_filterset(queryset.model)(
            request.query_params, queryset=queryset, request=request
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset.qs

    def get_schema_operation_parameters(self, view):
        if self._model(view) is None:
            return []
        return [
            {
                "name": UPDATED_AFTER,
                "required": False,
                "in": "query",
                "description": UPDATED_AFTER_HELP,
                "schema": {"type": "string", "format": "date-time"},
            }
        ]
