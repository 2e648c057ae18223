"""A claim's JSON for the hot reads (the list, the detail, its conflicts), built from plain rows.

The claims list used to build 556 model instances and run 799 nested serializer calls for a page
of 50: each quote's document (its body included) twice, its outlet, speaker and origins, the
related claims with their credibility explanations. Here the claims' inline parts (subjects, quotes
with their documents and people, relations out, relations in) are read in one query of fixed SQL,
each part a JSON array of rows of only the columns the response shows, and the JSON is put
together as dicts.
The stored credibility explanation goes through as it is stored, cut to the fields the schema
declares (`CredibilitySerializer`), so the schema and the output cannot drift apart.

`ClaimReadSerializer` keeps the field declarations: drf-spectacular documents them, and
tests/api/test_claim_json.py holds this output to the serializers the other endpoints use.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Field, QuerySet
from django.db.models.expressions import RawSQL
from rest_framework import serializers

from apps.claims.models import Attestation, Claim
from apps.core.models import date_span, format_partial_date
from apps.credibility.rules import LABELS
from apps.credibility.selectors import claim_regrading

_DATETIME = serializers.DateTimeField()


@dataclass
class ClaimInline:
    """A claim's subjects, quotes and relations, already in the shape of its JSON."""

    subjects: list[dict] = field(default_factory=list)
    attestations: list[dict] = field(default_factory=list)
    relations_out: list[dict] = field(default_factory=list)
    relations_in: list[dict] = field(default_factory=list)
    # (first day said, as shown) of each dated quote, and each report's retrieval date
    said: list[tuple] = field(default_factory=list)
    retrieved: list = field(default_factory=list)


def _entity(pk, name, kind) -> dict | None:
    return None if pk is None else {"id": pk, "name": name, "kind": kind}


# The four parts in one query of fixed SQL, each part one JSON array of rows (a row an array of
# its columns, in the order of the part's ORDER BY): a round trip a query cost more than PostgreSQL
# took to run them (a claim's detail was five queries of well under a millisecond each), and the
# ORM spent longer compiling them than that. The claims' ids come as one array, so the text is the
# same whatever the page.
_SUBJECTS = """
    SELECT json_agg(json_build_array(link.claim_id, entity.id, entity.name, entity.kind)
        ORDER BY entity.name, entity.id)
    FROM claims_claim_subjects link JOIN entities_entity entity ON entity.id = link.entity_id
    WHERE link.claim_id = ANY(%(ids)s)
"""
_QUOTES = """
    SELECT json_agg(json_build_array(
        quote.id, quote.claim_id, quote.quote, quote.start, quote."end", quote.stance,
        quote.modality, quote.interested_override, quote.interested_reason, quote.stated_on,
        quote.stated_on_precision, quote.note,
        quote.speaker_id, speaker.name, speaker.kind,
        quote.origin_entity_id, origin.name, origin.kind,
        quote.origin_document_id, origin_document.title,
        quote.document_id, document.title, document.published, document.published_precision,
        document.language, document.retrieved,
        document.outlet_id, outlet.name, outlet.kind
    ) ORDER BY quote.document_id, quote.start, quote.id)
    FROM claims_attestation quote
    JOIN documents_document document ON document.id = quote.document_id
    LEFT JOIN entities_entity outlet ON outlet.id = document.outlet_id
    LEFT JOIN entities_entity speaker ON speaker.id = quote.speaker_id
    LEFT JOIN entities_entity origin ON origin.id = quote.origin_entity_id
    LEFT JOIN documents_document origin_document ON origin_document.id = quote.origin_document_id
    WHERE quote.claim_id = ANY(%(ids)s)
"""
# ClaimRelation's own ordering: by kind, then each claim in the claims' order (newest first)
_RELATIONS = """
    SELECT json_agg(json_build_array(relation.id, relation.kind, relation.{own}_id,
        relation.{other}_id, {other}.statement, {other}.status, relation.note)
        ORDER BY relation.kind, from_claim.created DESC, from_claim.id DESC, to_claim.created DESC,
        to_claim.id DESC)
    FROM claims_claimrelation relation
    JOIN claims_claim from_claim ON from_claim.id = relation.from_claim_id
    JOIN claims_claim to_claim ON to_claim.id = relation.to_claim_id
    WHERE relation.{own}_id = ANY(%(ids)s) {visible}
"""


def _relations_sql(own: str, other: str) -> dict[bool, str]:
    """The relations from `own`'s side, for those who see drafts (True) and for everyone else."""
    published = f"AND {other}.publication = '{Claim.Publication.PUBLISHED}'"
    return {
        True: _RELATIONS.format(own=own, other=other, visible=""),
        False: _RELATIONS.format(own=own, other=other, visible=published),
    }


_DIRECTIONS = [
    ("outgoing", _relations_sql("from_claim", "to_claim")),
    ("incoming", _relations_sql("to_claim", "from_claim")),
]
# for those who see drafts (True) and for everyone else
_INLINE = {
    drafts: "SELECT ({}), ({}), ({}), ({})".format(
        _SUBJECTS, _QUOTES, *(sql[drafts] for _, sql in _DIRECTIONS)
    )
    for drafts in (True, False)
}


# One claim's parts, as a subquery of its own row: `claim_with_inline` (a claim's detail in one
# query, not two). The same SQL with the claim's id from the outer query (`claims_claim`, which no
# part's own tables are named) instead of an array of ids.
_ONE_CLAIM = ("= ANY(%(ids)s)", '= "claims_claim"."id"')
_INLINE_ONE = {
    drafts: "SELECT json_build_array(({}), ({}), ({}), ({}))".format(
        _SUBJECTS.replace(*_ONE_CLAIM),
        _QUOTES.replace(*_ONE_CLAIM),
        *(sql[drafts].replace(*_ONE_CLAIM) for _, sql in _DIRECTIONS),
    )
    for drafts in (True, False)
}


class _AsRead(Field):
    """A value as the driver reads it (JSON already parsed by psycopg): no conversion of Django's."""


def claims_with_inline(claims: QuerySet[Claim], *, drafts: bool) -> QuerySet[Claim]:
    """Annotate `inline_parts`: each claim's subjects, quotes and relations, read with its row, for a
    user who sees drafts or not (`drafts`). For one claim, where `claims_inline` would be a second
    round trip; a page of many reads them with `claims_inline`, in one query for all."""
    return claims.annotate(inline_parts=RawSQL(_INLINE_ONE[drafts], (), output_field=_AsRead()))


def claims_inline(*, claims: Iterable[Claim], user) -> dict[int, ClaimInline]:
    """Read the inline parts of these claims in one query, whatever their number; a related claim
    is shown only to a user who may see it. A claim read with `claims_with_inline` brings its own."""
    claims = list(claims)
    inline = {claim.pk: ClaimInline() for claim in claims}
    if all(hasattr(claim, "inline_parts") for claim in claims):
        for claim in claims:
            _inline_add(inline, *claim.inline_parts)
        return inline
    # the database the router reads claims from (a replica when one is configured)
    with connections[router.db_for_read(Attestation)].cursor() as cursor:
        cursor.execute(_INLINE[user.has_perm("claims.view_draft")], {"ids": list(inline)})
        _inline_add(inline, *cursor.fetchone())
    return inline


def _inline_add(inline: dict[int, ClaimInline], subjects, quotes, *relations) -> None:
    """Add the rows of the four parts to each claim's `ClaimInline`."""
    subjects, quotes, *relations = (rows or [] for rows in (subjects, quotes, *relations))
    # subjects by id, name and kind, in the entities' own order
    for claim_id, *entity in subjects:
        inline[claim_id].subjects.append(_entity(*entity))

    # every quote with its document, outlet, speaker and origins: only the columns shown
    for row in quotes:
        _add_quote(inline[row[1]], row)

    # relations in both directions, each naming the other claim (one this user may see)
    for (direction, _), rows in zip(_DIRECTIONS, relations, strict=True):
        for pk, kind, claim_id, other_id, statement, status, note in rows:
            parts = inline[claim_id]
            listed = parts.relations_out if direction == "outgoing" else parts.relations_in
            listed.append(
                {
                    "id": pk,
                    "kind": kind,
                    "direction": direction,
                    "claim": {"id": other_id, "statement": statement, "status": status},
                    "note": note,
                }
            )


def _day(value: str | None) -> datetime.date | None:
    """A date as JSON carries it (ISO 8601), back to a date."""
    return None if value is None else datetime.date.fromisoformat(value)


def _add_quote(parts: ClaimInline, row: tuple) -> None:
    (pk, claim_id, quote, start, end, stance, modality, override, reason, stated_on,
     stated_precision, note, speaker, speaker_name, speaker_kind, origin, origin_name, origin_kind,
     origin_doc, origin_title, document, title, published, published_precision, language,
     retrieved, outlet, outlet_name, outlet_kind) = row  # fmt: skip
    stated_on, published, retrieved = _day(stated_on), _day(published), _day(retrieved)
    # when it was said: its own date, else its document's (`Attestation.stated`)
    when, precision = (stated_on, stated_precision) if stated_on else (published, published_precision)
    parts.attestations.append(
        {
            "id": pk,
            "claim": claim_id,
            "quote": quote,
            "start": start,
            "end": end,
            "stance": stance,
            "modality": modality,
            "interested_override": override,
            "interested_reason": reason,
            "stated_on": when.isoformat() if when else None,
            "stated_on_precision": precision or "",
            "speaker": _entity(speaker, speaker_name, speaker_kind),
            "origin_entity": _entity(origin, origin_name, origin_kind),
            "origin_document": None if origin_doc is None else {"id": origin_doc, "title": origin_title},
            "document": {
                "id": document,
                "title": title,
                "outlet": _entity(outlet, outlet_name, outlet_kind),
                "published": format_partial_date(published, published_precision),
                "published_precision": published_precision,
                "language": language,
            },
            "note": note,
        }
    )
    if when is not None:
        parts.said.append((date_span(when, precision)[0], format_partial_date(when, precision)))
    if retrieved:
        parts.retrieved.append(retrieved)


def _projector(serializer: serializers.Serializer) -> Callable[[dict], dict]:
    """A function that cuts a stored dict to a serializer's declared fields, as DRF renders it: a
    missing field takes its default, else null where null is allowed, else it is left out."""
    parts = []
    for name, declared in serializer.fields.items():
        key = declared.source
        default = declared.default
        child = None
        nested = isinstance(getattr(declared, "child", None), serializers.Serializer)
        if isinstance(declared, serializers.ListSerializer) and nested:
            inner = _projector(declared.child)
            child = lambda items, inner=inner: [inner(item) for item in items]  # noqa: E731
        elif isinstance(declared, serializers.Serializer):
            child = _projector(declared)
        parts.append((name, key, default, declared.allow_null, child))
    empty = serializers.empty

    def project(stored: dict) -> dict:
        shown = {}
        for name, key, default, allow_null, child in parts:
            if key in stored:
                value = stored[key]
                shown[name] = child(value) if child is not None and value is not None else value
            elif default is not empty:
                shown[name] = default() if callable(default) else default
            elif allow_null:
                shown[name] = None
        return shown

    return project


_explanation_projector: Callable[[dict], dict] | None = None


def _explanation_fields() -> Callable[[dict], dict]:
    """The credibility fields read from the stored explanation (`credibility_explanation.<key>`)."""
    global _explanation_projector
    if _explanation_projector is None:
        from apps.api.v1.serializers import CredibilitySerializer

        stored = CredibilitySerializer()
        for name, declared in list(stored.fields.items()):
            if not declared.source.startswith("credibility_explanation."):
                stored.fields.pop(name)
            else:
                declared.source = declared.source.removeprefix("credibility_explanation.")
        _explanation_projector = _projector(stored)
    return _explanation_projector


def credibility_json(claim: Claim) -> dict:
    """The stored grade with its explanation, as `CredibilitySerializer` declares it."""
    explanation = claim.credibility_explanation
    if not explanation:
        # never graded yet: a claim written outside the services, before `recompute_credibility`
        return {
            "grade": claim.credibility,
            "label": LABELS[claim.credibility],
            "pair": f"F{claim.credibility}",
            "opinions": [],
            "independent_affirming": [],
            "independent_denying": [],
            "attestation_count": 0,
            "conflicts": [],
            "changes_over_time": [],
            "supported_by": [],
            "reasons": ["Not graded yet."],
            "regrading": claim_regrading(claim),
        }
    return {
        "grade": claim.credibility,
        "label": LABELS[claim.credibility],
        "pair": explanation.get("pair") or f"F{claim.credibility}",
        **_explanation_fields()(explanation),
        # waiting for a background regrade: the views annotate it (`claims_with_regrading`)
        "regrading": claim_regrading(claim),
    }


def claim_dates(claim: Claim, *, inline: ClaimInline) -> dict:
    """When it holds, when it was first reported and when its latest report was retrieved."""
    return {
        "holds": claim.period_display,
        "first_reported": min(inline.said)[1] if inline.said else None,
        "latest_retrieved": max(inline.retrieved).isoformat() if inline.retrieved else None,
    }


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


def claim_json(
    claim: Claim, *, inline: ClaimInline, assignee: Callable[[Claim], dict | None], extra: dict
) -> dict:
    """One claim as `ClaimReadSerializer` declares it; `extra` holds the search rank and highlight."""
    return {
        "id": claim.pk,
        "statement": claim.statement,
        "language": claim.language,
        "subjects": inline.subjects,
        "point_in_time": _date(claim.point_in_time),
        "point_in_time_precision": claim.point_in_time_precision,
        "point_in_time_display": claim.point_in_time_display,
        "valid_from": _date(claim.valid_from),
        "valid_from_precision": claim.valid_from_precision,
        "valid_until": _date(claim.valid_until),
        "valid_until_precision": claim.valid_until_precision,
        "dates": claim_dates(claim, inline=inline),
        "status": claim.status,
        "status_note": claim.status_note,
        "assignee": assignee(claim),
        "publication": claim.publication,
        "credibility": credibility_json(claim),
        "attestations": inline.attestations,
        "relations": inline.relations_out + inline.relations_in,
        **extra,
        "created": _DATETIME.to_representation(claim.created),
        "updated": _DATETIME.to_representation(claim.updated),
    }
