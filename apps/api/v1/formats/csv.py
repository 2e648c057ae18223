"""`?format=csv` (or `Accept: text/csv`) on the claims and attestations lists: one row per quote.

A renderer makes `csv` a format of these two lists, so DRF's content negotiation, the schema's
`format` parameter and the throttles treat it as any other; the list itself is not rendered from a
page of serialized rows but streamed from one query over a server-side cursor
(apps/credibility/export.py), with the list's filters and ordering, and not paged: 300,000 rows go
out a few hundred at a time and never sit in memory. Errors (a refused filter, a 429) stay JSON.
"""

from __future__ import annotations

from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from apps.api.v1.schema import AutoSchema
from apps.credibility.export import attestation_rows, claim_rows, csv_response

CSV_MEDIA_TYPE = "text/csv"

CSV_SCHEMA = {
    "type": "string",
    "description": "With `format=csv` (or `Accept: text/csv`): every row that the filters select, not "
    "paged, one per quote (a claim without quotes: one row with the quote's columns empty), as UTF-8 "
    "CSV with a byte order mark. Columns: claim_id, statement, status, publication, grade, pair, "
    "attestation_id, quote, start, end, stance, modality, document_id, document_title, document_url, "
    "document_published, outlet, speaker, origin_entity, origin_document, root. A text cell that "
    "begins with = + - or @ starts with an apostrophe, so that no spreadsheet runs it as a formula.",
}


class CSVRenderer(BaseRenderer):
    """Names the format; the list views stream the rows themselves (`CSVListMixin`)."""

    media_type = CSV_MEDIA_TYPE
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("CSV is streamed by the list view, never rendered from a Response.")


class CSVListSchema(AutoSchema):
    """The list's 200 in CSV is text, not the JSON page; its errors are JSON only."""

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        content = response.get("content", {})
        if CSV_MEDIA_TYPE in content:
            if status_code == "200":
                content[CSV_MEDIA_TYPE] = {"schema": CSV_SCHEMA}
            else:
                del content[CSV_MEDIA_TYPE]
        return response


class CSVListMixin:
    """`?format=csv` on a list view: `csv_response(queryset)` gives the streamed download of the
    filtered, ordered queryset; every other answer is JSON as before."""

    schema = CSVListSchema()

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "list":
            renderers.append(CSVRenderer())
        return renderers

    def list(self, request, *args, **kwargs):
        if isinstance(getattr(request, "accepted_renderer", None), CSVRenderer):
            return self.csv_response(self.filter_queryset(self.get_queryset()))
        return super().list(request, *args, **kwargs)

    def csv_response(self, queryset):
        raise NotImplementedError

    def finalize_response(self, request, response, *args, **kwargs):
        # an error (or any answer that is not the download) is JSON, whatever the format asked for
        if isinstance(response, Response) and isinstance(
            getattr(request, "accepted_renderer", None), CSVRenderer
        ):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class ClaimsCSV(CSVListMixin):
    def csv_response(self, claims):
        return csv_response(claim_rows(claims=claims), filename="claims.csv")


class AttestationsCSV(CSVListMixin):
    def csv_response(self, attestations):
        return csv_response(attestation_rows(attestations=attestations), filename="attestations.csv")
