"""Claims as a spreadsheet: one row per quote, streamed (the API's `?format=csv`, the admin's download).

Each row is a quote with its claim (statement, status, grade, pair), its document, outlet, speaker,
origins and the independent source the stored grade counts it under; a claim with no quote is one
row with the quote's columns empty. The rows come from one query over a server-side cursor, read
`CHUNK` at a time, so 300,000 of them never sit in memory and the queries do not grow with them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from django.db.models import F, Func, QuerySet, TextField, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import JSONObject
from django.http import StreamingHttpResponse

from apps.claims.models import Attestation, Claim
from apps.core.models import format_partial_date

CHUNK = 2000  # rows a fetch from the cursor
ROWS_A_WRITE = 500  # rows sent to the client at a time

HEADER = (
    "claim_id",
    "statement",
    "status",
    "publication",
    "grade",
    "pair",
    "attestation_id",
    "quote",
    "start",
    "end",
    "stance",
    "modality",
    "document_id",
    "document_title",
    "document_url",
    "document_published",
    "outlet",
    "speaker",
    "origin_entity",
    "origin_document",
    "root",
)

# the explanation's entry (affirming, denying or opinion) that lists this quote, and its root's name
COUNTED_ROOT = "lax $.*[*] ? (@.attestations[*] == $id || @.attestation == $id).root.name"

# a spreadsheet runs a cell that begins with one of these as a formula (OWASP's "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _counted_root(explanation: str, attestation_id: str) -> Func:
    """The name of the source the stored grade counts the quote under, read in SQL."""
    found = Func(
        F(explanation),
        Func(Value(COUNTED_ROOT), template="%(expressions)s::jsonpath"),
        JSONObject(id=F(attestation_id)),
        function="jsonb_path_query_first",
    )
    return Func(found, template="(%(expressions)s #>> '{}')", output_field=TextField())


def _columns(*, claim: str, quote: str) -> list:
    """The columns of a row, with `claim` and `quote` the paths to the claim and the quote."""
    return [
        f"{claim}id",
        f"{claim}statement",
        f"{claim}status",
        f"{claim}publication",
        f"{claim}credibility",
        KeyTextTransform("pair", f"{claim}credibility_explanation"),
        f"{quote}id",
        f"{quote}quote",
        f"{quote}start",
        f"{quote}end",
        f"{quote}stance",
        f"{quote}modality",
        f"{quote}document_id",
        f"{quote}document__title",
        f"{quote}document__url",
        f"{quote}document__published",
        f"{quote}document__published_precision",
        f"{quote}document__outlet__name",
        f"{quote}speaker__name",
        f"{quote}origin_entity__name",
        f"{quote}origin_document__title",
        _counted_root(f"{claim}credibility_explanation", f"{quote}id"),
    ]


def claim_rows(*, claims: QuerySet[Claim]) -> Iterator[tuple]:
    """A row per quote of these claims, in their order (each claim's quotes by document and place);
    a claim without quotes gives one row. Lazy: nothing is read before the first row is asked for."""
    ordering = [*(claims.query.order_by or Claim._meta.ordering)]
    rows = (
        claims.prefetch_related(None)
        # a LEFT JOIN from the claims: one row per quote, or one with empty quote columns
        .order_by(*ordering, "attestations__document_id", "attestations__start", "attestations__id")
        .values_list(*_columns(claim="", quote="attestations__"))
    )
    return rows.iterator(chunk_size=CHUNK)


def attestation_rows(*, attestations: QuerySet[Attestation]) -> Iterator[tuple]:
    """A row per quote, in the order of `attestations`."""
    rows = attestations.prefetch_related(None).values_list(*_columns(claim="claim__", quote=""))
    return rows.iterator(chunk_size=CHUNK)


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # shown as the text it is, never run
    return value


def _cells(row: Sequence) -> list:
    *before, published, precision, outlet, speaker, origin_entity, origin_document, root = row
    grade_pair = before[5] or (f"F{before[4]}" if before[4] is not None else None)
    cells = [*before[:5], grade_pair, *before[6:]]
    cells += [
        format_partial_date(published, precision),
        outlet,
        speaker,
        origin_entity,
        origin_document,
        root,
    ]
    return [_cell(value) for value in cells]


def csv_text(rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV, a few hundred rows at a time: a UTF-8 byte order mark first, so that a spreadsheet
    reads the file as UTF-8 (Arabic intact), then the header and the rows (RFC 4180, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(HEADER)
    for count, row in enumerate(rows, start=1):
        writer.writerow(_cells(row))
        if count % ROWS_A_WRITE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(rows: Iterable[Sequence], *, filename: str) -> StreamingHttpResponse:
    """A download of these rows, streamed as they are read."""
    response = StreamingHttpResponse(csv_text(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
