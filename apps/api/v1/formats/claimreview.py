"""schema.org ClaimReview JSON-LD, as Google's fact-check structured data asks for it.

`GET /api/v1/claims/{id}/claimreview/` gives one claim the reader may see; `GET /api/v1/claimreview/`
is the feed of every published claim with a verdict (status other than unreviewed), paged like the
other lists. What each property holds (docs/api.md, "ClaimReview"):

- `url`: the review's page, `CLAIMREVIEW_URL_TEMPLATE` with the claim's id, else the claim's API address;
- `datePublished`: the day the claim was last changed (`updated`): the status is set by an edit of
  the claim, and the history keeps no separate date for it that a list could read in its own query;
- `author`: the publishing organisation, `CLAIMREVIEW_PUBLISHER_NAME` / `CLAIMREVIEW_PUBLISHER_URL`;
- `reviewRating`: `alternateName` the verdict in words with the grade's label and the analyst's pair
  ("Disputed — doubtful (C4)"); `ratingValue` the 1–6 grade on a 1–5 scale where 5 is best
  (6 − grade: 1 → 5 … 5 → 1), none for grade 6, "truth cannot be judged"; `ratingExplanation` the
  status note;
- `itemReviewed`: a `Claim` with one `appearance` per quote (its document, outlet, speaker, the exact
  words and their language), `firstAppearance` the one published first, `datePublished` the earliest
  date it is known to have been said, `author` the speaker of the first quote that affirms it (or
  whom that quote relays).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, viewsets
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from apps.api.v1.permissions import RolePermission
from apps.claims.models import Attestation, Claim, Credibility
from apps.core.models import DatePrecision, date_span
from apps.credibility.rules import LABELS
from apps.documents.models import Document
from apps.entities.models import Entity

CONTEXT = "https://schema.org"

VERDICTS = {
    Claim.Status.CORROBORATED: "Corroborated",
    Claim.Status.REFUTED: "Refuted",
    Claim.Status.DISPUTED: "Disputed",
    Claim.Status.UNVERIFIABLE: "Unverifiable",
    Claim.Status.UNREVIEWED: "Not yet reviewed",
}

BEST_RATING, WORST_RATING = 5, 1


def rating_value(grade: int) -> int | None:
    """The 1–6 grade on a 1–5 scale where 5 is best: 1 → 5, 2 → 4, 3 → 3, 4 → 2, 5 → 1; grade 6
    ("truth cannot be judged") is no point on a scale of truth, so it has none."""
    if grade == Credibility.CANNOT_BE_JUDGED:
        return None
    return BEST_RATING + 1 - grade


def partial_date(value: datetime.date | None, precision: str) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD, as precisely as the date is known (years padded to four digits)."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def claims_with_appearances(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """The claims with what their ClaimReview shows, in a fixed number of queries."""
    return claims.prefetch_related(
        Prefetch(
            "attestations",
            # each quote is an appearance: its document (title, url, date, outlet), speaker and origin
            queryset=Attestation.objects.select_related("document__outlet", "speaker", "origin_entity")
            # a quote in the document's own voice (no speaker) names the document's authors
            .prefetch_related("document__authors"),
        )
    )


class _Links:
    """Absolute addresses for one request: the API's own rows and the publisher."""

    def __init__(self, request) -> None:
        self.request = request
        # reversed once a request, not once a speaker: a page names hundreds
        self._entities = request.build_absolute_uri(reverse("entity-detail", args=[0])).removesuffix("0/")

    def entity(self, entity: Entity) -> str:
        return f"{self._entities}{entity.pk}/"

    def review(self, claim: Claim) -> str:
        template = settings.CLAIMREVIEW_URL_TEMPLATE
        if template:
            return template.replace("{id}", str(claim.pk))
        return self.request.build_absolute_uri(reverse("claim-detail", args=[claim.pk]))

    def publisher(self) -> dict[str, Any]:
        return {
            "@type": "Organization",
            "name": settings.CLAIMREVIEW_PUBLISHER_NAME,
            "url": settings.CLAIMREVIEW_PUBLISHER_URL or self.request.build_absolute_uri("/"),
        }


def _agent(entity: Entity, links: _Links) -> dict[str, Any]:
    kind = "Person" if entity.kind == Entity.Kind.PERSON else "Organization"
    return {"@type": kind, "@id": links.entity(entity), "name": entity.name}


def _published_key(value: datetime.date | None, precision: str, pk: int) -> tuple:
    # a partial date counts from its first day (2023 from 1 January): undated ones come last
    start = date_span(value, precision)[0]
    return (start is None, start or datetime.date.max, pk)


def _appearance(attestation: Attestation, links: _Links) -> dict[str, Any]:
    """The document a quote appears in, as a CreativeWork, with the quote as its `text`."""
    document: Document = attestation.document
    work: dict[str, Any] = {"@type": "CreativeWork", "headline": document.title}
    if document.url:
        work["url"] = document.url
    published = partial_date(document.published, document.published_precision)
    if published:
        work["datePublished"] = published
    if document.outlet_id:
        work["publisher"] = _agent(document.outlet, links)
    if attestation.speaker_id:
        work["author"] = _agent(attestation.speaker, links)
    else:
        authors = [_agent(author, links) for author in document.authors.all()]
        if authors:
            work["author"] = authors[0] if len(authors) == 1 else authors
    work["text"] = attestation.quote
    work["inLanguage"] = document.language
    return work


def _claim_author(attestations: Iterable[Attestation]) -> Entity | None:
    """Who first said it: the speaker of the earliest quote that affirms it and names one, else whom
    that quote relays."""
    affirming = [a for a in attestations if a.stance == Attestation.Stance.AFFIRMS]
    for attestation in sorted(affirming, key=lambda a: _published_key(*a.stated, a.pk)):
        who = attestation.speaker or attestation.origin_entity
        if who is not None:
            return who
    return None


def claim_review(claim: Claim, *, request) -> dict[str, Any]:
    """One claim as a schema.org ClaimReview (its attestations prefetched: `claims_with_appearances`)."""
    links = _Links(request)
    attestations = sorted(
        claim.attestations.all(),
        key=lambda a: _published_key(a.document.published, a.document.published_precision, a.pk),
    )
    item: dict[str, Any] = {"@type": "Claim"}
    author = _claim_author(attestations)
    if author is not None:
        item["author"] = _agent(author, links)
    said = sorted(
        (a for a in attestations if a.stated[0] is not None), key=lambda a: _published_key(*a.stated, a.pk)
    )
    if said:
        item["datePublished"] = partial_date(*said[0].stated)
    if attestations:
        item["appearance"] = [_appearance(a, links) for a in attestations]
        if attestations[0].document.published is not None:
            item["firstAppearance"] = item["appearance"][0]
    return {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "url": links.review(claim),
        "claimReviewed": claim.statement,
        "inLanguage": claim.language,
        "datePublished": claim.updated.astimezone(datetime.UTC).date().isoformat(),
        "author": links.publisher(),
        "reviewRating": _rating(claim),
        "itemReviewed": item,
    }


def _rating(claim: Claim) -> dict[str, Any]:
    grade = claim.credibility
    pair = (claim.credibility_explanation or {}).get("pair") or f"F{grade}"
    rating: dict[str, Any] = {
        "@type": "Rating",
        "alternateName": f"{VERDICTS[claim.status]} — {LABELS[grade]} ({pair})",
    }
    value = rating_value(grade)
    if value is not None:
        rating.update(ratingValue=value, bestRating=BEST_RATING, worstRating=WORST_RATING)
    if claim.status_note:
        rating["ratingExplanation"] = claim.status_note
    return rating


# --- rendering and the views ------------------------------------------------------------------


class JSONLDRenderer(JSONRenderer):
    """JSON-LD: JSON with its own media type (`?format=jsonld`)."""

    media_type = "application/ld+json"
    format = "jsonld"


RENDERERS = [JSONLDRenderer, JSONRenderer, BrowsableAPIRenderer]

_TEXT = {"type": "string"}
_PARTIAL_DATE = {
    "type": "string",
    "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
    "description": "YYYY, YYYY-MM or YYYY-MM-DD: as precisely as the date is known.",
}
_AGENT = {
    "type": "object",
    "required": ["@type", "name"],
    "properties": {
        "@type": {"type": "string", "enum": ["Person", "Organization"]},
        "@id": {"type": "string", "description": "The entity's API address."},
        "name": _TEXT,
        "url": _TEXT,
    },
}
_APPEARANCE = {
    "type": "object",
    "description": "A document the claim appears in, with the quote as `text`.",
    "required": ["@type", "headline", "text", "inLanguage"],
    "properties": {
        "@type": {"type": "string", "enum": ["CreativeWork"]},
        "url": _TEXT,
        "headline": _TEXT,
        "datePublished": _PARTIAL_DATE,
        "publisher": _AGENT,
        "author": {
            "oneOf": [_AGENT, {"type": "array", "items": _AGENT}],
            "description": "The quote's speaker; without one, the document's author(s).",
        },
        "text": {**_TEXT, "description": "The exact words of the quote."},
        "inLanguage": _TEXT,
    },
}
CLAIM_REVIEW_SCHEMA = {
    "type": "object",
    "description": "A schema.org ClaimReview (JSON-LD). See docs/api.md, “ClaimReview”.",
    "required": [
        "@context",
        "@type",
        "url",
        "claimReviewed",
        "inLanguage",
        "datePublished",
        "author",
        "reviewRating",
        "itemReviewed",
    ],
    "properties": {
        "@context": {"type": "string", "enum": [CONTEXT]},
        "@type": {"type": "string", "enum": ["ClaimReview"]},
        "url": _TEXT,
        "claimReviewed": {**_TEXT, "description": "The claim's statement."},
        "inLanguage": _TEXT,
        "datePublished": {
            "type": "string",
            "format": "date",
            "description": "The day the claim (and so its status) was last changed.",
        },
        "author": {**_AGENT, "description": "The publishing organisation (settings)."},
        "reviewRating": {
            "type": "object",
            "required": ["@type", "alternateName"],
            "properties": {
                "@type": {"type": "string", "enum": ["Rating"]},
                "alternateName": {
                    **_TEXT,
                    "description": "The verdict, the grade's label and the analyst's pair: "
                    "“Disputed — doubtful (C4)”.",
                },
                "ratingValue": {
                    "type": "integer",
                    "minimum": WORST_RATING,
                    "maximum": BEST_RATING,
                    "description": "6 − the credibility grade (1 confirmed → 5); absent for grade 6.",
                },
                "bestRating": {"type": "integer", "enum": [BEST_RATING]},
                "worstRating": {"type": "integer", "enum": [WORST_RATING]},
                "ratingExplanation": {**_TEXT, "description": "The status note."},
            },
        },
        "itemReviewed": {
            "type": "object",
            "required": ["@type"],
            "properties": {
                "@type": {"type": "string", "enum": ["Claim"]},
                "author": _AGENT,
                "datePublished": _PARTIAL_DATE,
                "appearance": {"type": "array", "items": _APPEARANCE},
                "firstAppearance": _APPEARANCE,
            },
        },
    },
}


class ClaimReviewView(generics.GenericAPIView):
    renderer_classes = RENDERERS
    permission_classes = [RolePermission]
    filter_backends = []  # one claim: no filters, no ordering

    def get_queryset(self):
        # a draft is no claim for those who may not see drafts: a 404, as everywhere
        return claims_with_appearances(Claim.objects.visible_to(self.request.user))

    @extend_schema(
        operation_id="claims_claimreview_retrieve",
        tags=["claims"],
        responses={200: OpenApiResponse(CLAIM_REVIEW_SCHEMA, "The claim as a schema.org ClaimReview.")},
    )
    def get(self, request, *args, **kwargs):
        """The claim as schema.org ClaimReview JSON-LD: its verdict and grade, and every appearance."""
        return Response(claim_review(self.get_object(), request=request))


class ClaimReviewFeedViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    renderer_classes = RENDERERS
    permission_classes = [RolePermission]
    ordering_fields = ["created", "updated", "id"]
    ordering = ["-created", "-id"]

    def get_queryset(self):
        # published claims with a verdict, whoever asks: drafts are never in a public feed
        reviewed = Claim.objects.published().exclude(status=Claim.Status.UNREVIEWED)
        return claims_with_appearances(reviewed)

    @extend_schema(
        # drf-spectacular makes it a list and wraps it in the page, as for every list
        responses={200: OpenApiResponse(CLAIM_REVIEW_SCHEMA, "A page of ClaimReviews, one a reviewed claim.")}
    )
    def list(self, request, *args, **kwargs):
        """Every published claim with an editorial status, each as a schema.org ClaimReview (JSON-LD)."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([claim_review(claim, request=request) for claim in page])
