"""W3C Web Annotations (JSON-LD): each quote as an `Annotation` on its document's text.

`GET /api/v1/attestations/{id}/annotation/` gives one quote; `GET /api/v1/claims/{id}/annotations/`
a claim's quotes as an `AnnotationCollection` with its first `AnnotationPage` embedded (and
`?page=N` for the others), as the Web Annotation Protocol lays them out. What each property holds
(docs/api.md, "W3C Web Annotation"):

- `motivation` is `identifying`: the annotation identifies the passage as an appearance of the claim,
  as Recogito links a place name to its gazetteer entry. Its bodies say so with their purposes: the
  claim itself (`identifying`), its statement (`describing`, a `TextualBody` in the claim's language)
  and the quote's stance and modality (`tagging`: "affirms", "hedged"). Not `assessing`: the
  annotation does not judge the passage; the claim's grade and verdict are ClaimReview's.
- `target`: the document (its API address as `source`, the address it was retrieved from as the
  source's `via`) with a `TextQuoteSelector` (the exact quote and the 32 code points before and after
  it in the body) and a `TextPositionSelector` (`start` and `end` in code points, as stored).
- No `creator`: who recorded a quote is the newsroom's business, not a reader's.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Greatest, Least, Substr
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from apps.api.v1.pagination import MAX_PAGE_SIZE
from apps.api.v1.permissions import RolePermission
from apps.claims.models import Attestation, Claim
from apps.claims.workspace import text_direction

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# the media type the Web Annotation Protocol answers with
ANNOTATION_CONTENT_TYPE = f'application/ld+json; profile="{CONTEXT}"'
CONTEXT_LENGTH = 32  # code points of prefix and suffix
PAGE_SIZE = 50


class AnnotationRenderer(JSONRenderer):
    """JSON-LD (`?format=jsonld`); the view adds the Web Annotation profile to the answer's type."""

    media_type = "application/ld+json"
    format = "jsonld"


RENDERERS = [AnnotationRenderer, JSONRenderer, BrowsableAPIRenderer]


def with_quote_context(attestations: QuerySet[Attestation]) -> QuerySet[Attestation]:
    """The quotes with their claim and document, and the 32 code points of the body before and after
    each, cut in SQL: a body is never loaded whole."""
    body = F("document__body")
    return (
        attestations
        # the body names the claim (statement, language) and the document (language, url)
        .select_related("claim", "document")
        .defer(
            "document__body",
            "document__search_vector",
            "claim__search_vector",
            "claim__credibility_explanation",
        )
        .annotate(
            quote_prefix=Substr(
                body,
                Greatest(F("start") - (CONTEXT_LENGTH - 1), Value(1)),
                Least(F("start"), Value(CONTEXT_LENGTH)),
            ),
            quote_suffix=Substr(body, F("end") + 1, Value(CONTEXT_LENGTH)),
        )
    )


class _Links:
    """Absolute addresses of the API's rows, for one request."""

    def __init__(self, request) -> None:
        self.request = request

    def _url(self, name: str, pk: int) -> str:
        return self.request.build_absolute_uri(reverse(name, args=[pk]))

    def annotation(self, pk: int) -> str:
        return self._url("attestation-annotation", pk)

    def collection(self, pk: int) -> str:
        return self._url("claim-annotations", pk)

    def claim(self, pk: int) -> str:
        return self._url("claim-detail", pk)

    def document(self, pk: int) -> str:
        return self._url("document-detail", pk)


def _text(value: str, language: str, purpose: str) -> dict[str, Any]:
    body = {"type": "TextualBody", "value": value, "format": "text/plain", "purpose": purpose}
    if language:
        body["language"] = language
        body["textDirection"] = text_direction(language)
    return body


def attestation_annotation(attestation: Attestation, *, links: _Links, context: bool = True) -> dict:
    """One quote as a Web Annotation; `attestation` comes from `with_quote_context()`."""
    claim, document = attestation.claim, attestation.document
    source: dict[str, Any] = {"id": links.document(document.pk), "type": "Text"}
    if document.language:
        source["language"] = document.language
        source["textDirection"] = text_direction(document.language)
    if document.url:
        source["via"] = document.url
    annotation = {
        "id": links.annotation(attestation.pk),
        "type": "Annotation",
        "motivation": "identifying",
        "created": attestation.created.isoformat(),
        "modified": attestation.updated.isoformat(),
        "body": [
            {"type": "SpecificResource", "source": links.claim(claim.pk), "purpose": "identifying"},
            _text(claim.statement, claim.language, "describing"),
            {"type": "TextualBody", "value": attestation.stance, "purpose": "tagging"},
            {"type": "TextualBody", "value": attestation.modality, "purpose": "tagging"},
        ],
        "target": {
            "type": "SpecificResource",
            "source": source,
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": attestation.quote,
                    "prefix": attestation.quote_prefix or "",
                    "suffix": attestation.quote_suffix or "",
                },
                {"type": "TextPositionSelector", "start": attestation.start, "end": attestation.end},
            ],
        },
    }
    return {"@context": CONTEXT, **annotation} if context else annotation


def _page_numbers(request) -> tuple[int, int]:
    """`page` and `page_size` from the query, or a 400 naming the one refused."""
    numbers = {}
    for name, default, highest in (("page", 1, None), ("page_size", PAGE_SIZE, MAX_PAGE_SIZE)):
        raw = request.query_params.get(name)
        if raw is None:
            numbers[name] = default
            continue
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1 or (highest and int(raw) > highest):
            bounds = f"from 1 to {highest}" if highest else "from 1"
            raise ValidationError({name: [f"A whole number {bounds}."]})
        numbers[name] = int(raw)
    return numbers["page"], numbers["page_size"]


def claim_annotation_page(claim: Claim, *, request, embedded: bool) -> dict:
    """One `AnnotationPage` of the claim's quotes (`?page=`, `?page_size=`); with `embedded`, the
    `AnnotationCollection` with that page as its `first`. Three queries: the claim, the count, the page."""
    links = _Links(request)
    number, size = _page_numbers(request)
    quotes = with_quote_context(claim.attestations.order_by("document_id", "start", "id"))
    paginator = Paginator(quotes, size)
    collection_url = links.collection(claim.pk)
    # the page size a client chose is kept in the addresses it is given
    sized = "" if size == PAGE_SIZE else f"&page_size={size}"

    def page_url(n: int) -> str:
        return f"{collection_url}?page={n}{sized}"

    collection = {
        "id": collection_url,
        "type": "AnnotationCollection",
        "label": f"Quotes of claim #{claim.pk}: {claim.statement}",
        "total": paginator.count,
    }
    if not paginator.count and embedded:
        return {"@context": CONTEXT, **collection}  # no quote: a collection without pages
    collection["first"], collection["last"] = page_url(1), page_url(paginator.num_pages)
    try:
        page = paginator.page(number)
    except EmptyPage:
        raise NotFound(f"No page {number}: there are {paginator.num_pages}.") from None
    items = {
        "id": page_url(number),
        "type": "AnnotationPage",
        "startIndex": page.start_index() - 1,
        "items": [attestation_annotation(a, links=links, context=False) for a in page.object_list],
    }
    if page.has_next():
        items["next"] = page_url(number + 1)
    if page.has_previous():
        items["prev"] = page_url(number - 1)
    if embedded:
        return {"@context": CONTEXT, **collection, "first": items}
    return {"@context": CONTEXT, **items, "partOf": collection}


# --- the schema ------------------------------------------------------------------------------

_TEXT = {"type": "string"}
_URL = {"type": "string", "format": "uri"}
_SELECTORS = {
    "type": "array",
    "items": {
        "oneOf": [
            {
                "type": "object",
                "required": ["type", "exact", "prefix", "suffix"],
                "properties": {
                    "type": {"type": "string", "enum": ["TextQuoteSelector"]},
                    "exact": {**_TEXT, "description": "The quote, exactly as in the body."},
                    "prefix": {**_TEXT, "description": "The 32 code points before it (fewer at the start)."},
                    "suffix": {**_TEXT, "description": "The 32 code points after it (fewer at the end)."},
                },
            },
            {
                "type": "object",
                "required": ["type", "start", "end"],
                "properties": {
                    "type": {"type": "string", "enum": ["TextPositionSelector"]},
                    "start": {"type": "integer", "minimum": 0, "description": "In code points, from 0."},
                    "end": {"type": "integer", "minimum": 1, "description": "In code points, exclusive."},
                },
            },
        ]
    },
}
_BODY = {
    "type": "object",
    "required": ["type", "purpose"],
    "properties": {
        "type": {"type": "string", "enum": ["SpecificResource", "TextualBody"]},
        "purpose": {"type": "string", "enum": ["identifying", "describing", "tagging"]},
        "source": {**_URL, "description": "The claim's API address (purpose identifying)."},
        "value": {
            **_TEXT,
            "description": "The claim's statement (describing), or the quote's stance or modality (tagging).",
        },
        "language": _TEXT,
        "textDirection": {"type": "string", "enum": ["ltr", "rtl"]},
        "format": _TEXT,
    },
}
ANNOTATION_SCHEMA = {
    "type": "object",
    "description": "A W3C Web Annotation (JSON-LD): the quote on its document, the claim as its body. "
    "See docs/api.md, “W3C Web Annotation”.",
    "required": ["id", "type", "motivation", "body", "target"],
    "properties": {
        "@context": {"type": "string", "enum": [CONTEXT]},
        "id": _URL,
        "type": {"type": "string", "enum": ["Annotation"]},
        "motivation": {"type": "string", "enum": ["identifying"]},
        "created": {"type": "string", "format": "date-time"},
        "modified": {"type": "string", "format": "date-time"},
        "body": {"type": "array", "items": _BODY},
        "target": {
            "type": "object",
            "required": ["type", "source", "selector"],
            "properties": {
                "type": {"type": "string", "enum": ["SpecificResource"]},
                "source": {
                    "type": "object",
                    "required": ["id", "type"],
                    "properties": {
                        "id": {**_URL, "description": "The document's API address."},
                        "type": {"type": "string", "enum": ["Text"]},
                        "language": _TEXT,
                        "textDirection": {"type": "string", "enum": ["ltr", "rtl"]},
                        "via": {**_URL, "description": "The address the document was retrieved from."},
                    },
                },
                "selector": _SELECTORS,
            },
        },
    },
}
_PAGE = {
    "type": "object",
    "required": ["id", "type", "startIndex", "items"],
    "properties": {
        "@context": {"type": "string", "enum": [CONTEXT]},
        "id": _URL,
        "type": {"type": "string", "enum": ["AnnotationPage"]},
        "startIndex": {"type": "integer", "minimum": 0},
        "items": {"type": "array", "items": ANNOTATION_SCHEMA},
        "next": _URL,
        "prev": _URL,
        "partOf": {"type": "object", "description": "The collection, without its pages."},
    },
}
COLLECTION_SCHEMA = {
    "type": "object",
    "description": "Without `page`: the claim's quotes as an AnnotationCollection, its first page "
    "embedded; with `page`: that AnnotationPage, its collection as `partOf`.",
    "required": ["@context", "id", "type"],
    "properties": {
        # a page's own properties (with `page`), then the collection's
        **{name: schema for name, schema in _PAGE["properties"].items() if name not in ("@context", "type")},
        "@context": {"type": "string", "enum": [CONTEXT]},
        "id": _URL,
        "type": {"type": "string", "enum": ["AnnotationCollection", "AnnotationPage"]},
        "label": _TEXT,
        "total": {"type": "integer", "minimum": 0},
        "first": _PAGE,
        "last": _URL,
    },
}


# --- the views -------------------------------------------------------------------------------


def _answer(request, data: dict) -> Response:
    # JSON-LD answers carry the Web Annotation profile, as the protocol asks
    jsonld = isinstance(getattr(request, "accepted_renderer", None), AnnotationRenderer)
    return Response(data, content_type=ANNOTATION_CONTENT_TYPE if jsonld else None)


class AttestationAnnotationView(generics.GenericAPIView):
    renderer_classes = RENDERERS
    permission_classes = [RolePermission]
    filter_backends = []  # one quote: no filters, no ordering
    pagination_class = None

    def get_queryset(self):
        # a draft's quote is no quote for those who may not see drafts: a 404, as everywhere
        return with_quote_context(
            Attestation.objects.filter(claim__in=Claim.objects.visible_to(self.request.user))
        )

    @extend_schema(
        operation_id="attestations_annotation_retrieve",
        tags=["attestations"],
        responses={200: OpenApiResponse(ANNOTATION_SCHEMA, "The quote as a W3C Web Annotation.")},
    )
    def get(self, request, *args, **kwargs):
        """The quote as a W3C Web Annotation (JSON-LD): the claim as its body, the document's text as
        its target with a TextQuoteSelector and a TextPositionSelector."""
        return _answer(request, attestation_annotation(self.get_object(), links=_Links(request)))


class ClaimAnnotationsView(generics.GenericAPIView):
    renderer_classes = RENDERERS
    permission_classes = [RolePermission]
    filter_backends = []
    pagination_class = None

    def get_queryset(self):
        return Claim.objects.visible_to(self.request.user).only("id", "statement")

    @extend_schema(
        operation_id="claims_annotations_retrieve",
        tags=["claims"],
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="A page of the collection (from 1)."),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                description=f"Quotes a page: 1 to {MAX_PAGE_SIZE} ({PAGE_SIZE}).",
            ),
        ],
        responses={200: OpenApiResponse(COLLECTION_SCHEMA, "The claim's quotes as W3C Web Annotations.")},
    )
    def get(self, request, *args, **kwargs):
        """The claim's quotes as a W3C AnnotationCollection (JSON-LD), its first page embedded."""
        claim = self.get_object()
        embedded = "page" not in request.query_params
        return _answer(request, claim_annotation_page(claim, request=request, embedded=embedded))
