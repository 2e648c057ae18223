"""A claim's relay chains as W3C PROV-O (JSON-LD): `GET /api/v1/claims/{id}/provenance/`.

One graph (docs/api.md, "PROV-O"):

- the claim, a `schema:Claim` whose `schema:appearance`s are its quotes;
- each quote, a `prov:Entity` (and an `oa:SpecificResource` of its document's text, with the same
  TextQuote and TextPosition selectors as its Web Annotation), `prov:wasAttributedTo` its speaker (or,
  in the document's own voice, the document's outlet, else its authors), `prov:wasDerivedFrom` its
  origin — the origin document's quote of the same claim when that document has one (followed as the
  grade follows it), else the origin document, else the origin entity's statement — and
  `prov:hadPrimarySource` the independent root at the end of its chain (apps/credibility/roots.py
  `attestation_root`, as the grade finds it): an entity's statement, or a document;
- each document, a `prov:Entity` `prov:wasAttributedTo` its outlet and authors;
- each person or organisation, a `prov:Agent` (`prov:Person` or `prov:Organization`) that
  `prov:actedOnBehalfOf` its parent (a reporter for the outlet, the Monitoring Team for the UN);
- an entity's statement known only as relayed (no document of its own holds it), a `prov:Entity`
  with a blank-node id, `prov:wasAttributedTo` that entity.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from apps.api.v1.formats.annotation import with_quote_context
from apps.api.v1.permissions import RolePermission
from apps.claims.models import Attestation, Claim
from apps.core.models import DatePrecision
from apps.credibility.roots import attestation_root
from apps.documents.models import Document
from apps.entities.models import Entity

CONTEXT = {
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "schema": "http://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
DATE_TYPES = {
    DatePrecision.YEAR: "xsd:gYear",
    DatePrecision.MONTH: "xsd:gYearMonth",
    DatePrecision.DAY: "xsd:date",
}
PARENTS_DEPTH = 10  # an entity's parents, followed at most this far up


class JSONLDRenderer(JSONRenderer):
    """JSON-LD: JSON with its own media type (`?format=jsonld`)."""

    media_type = "application/ld+json"
    format = "jsonld"


def _ref(iri: str) -> dict[str, str]:
    return {"@id": iri}


def _text(value: str, language: str) -> dict[str, str]:
    return {"@value": value, "@language": language} if language else {"@value": value}


def _date(value, precision: str) -> dict[str, str] | None:
    if value is None:
        return None
    shown = {
        DatePrecision.YEAR: f"{value.year:04d}",
        DatePrecision.MONTH: f"{value.year:04d}-{value.month:02d}",
    }
    return {"@value": shown.get(precision, value.isoformat()), "@type": DATE_TYPES.get(precision, "xsd:date")}


class _Graph:
    """The nodes of one claim's provenance, each added once, by id."""

    def __init__(self, request, claim: Claim) -> None:
        self.request, self.claim = request, claim
        self.nodes: dict[str, dict[str, Any]] = {}
        self.agents: set[int] = set()

    def url(self, name: str, pk: int) -> str:
        return self.request.build_absolute_uri(reverse(name, args=[pk]))

    def agent(self, entity_id: int) -> dict[str, str]:
        self.agents.add(entity_id)
        return _ref(self.url("entity-detail", entity_id))

    def statement(self, entity: Entity) -> dict[str, str]:
        """What an entity stated of the claim where no document of its own holds it."""
        key = f"_:statement-{entity.pk}"
        self.nodes.setdefault(
            key,
            {
                "@id": key,
                "@type": "prov:Entity",
                "rdfs:label": f"{entity.name}: its statement of claim #{self.claim.pk}",
                "prov:wasAttributedTo": self.agent(entity.pk),
            },
        )
        return _ref(key)

    def document(self, document: Document) -> dict[str, str]:
        iri = self.url("document-detail", document.pk)
        if iri not in self.nodes:
            node: dict[str, Any] = {
                "@id": iri,
                "@type": "prov:Entity",
                "dcterms:title": _text(document.title, document.language),
            }
            if document.url:
                node["schema:url"] = _ref(document.url)
            published = _date(document.published, document.published_precision)
            if published:
                node["dcterms:issued"] = published
            issuers = [document.outlet_id] if document.outlet_id else []
            issuers += [author.pk for author in document.authors.all()]  # prefetched
            if issuers:
                node["prov:wasAttributedTo"] = [self.agent(pk) for pk in issuers]
            if document.translation_of_id:
                node["prov:wasDerivedFrom"] = _ref(self.url("document-detail", document.translation_of_id))
            self.nodes[iri] = node
        return _ref(iri)

    def document_by_reference(self, pk: int, title: str) -> dict[str, str]:
        """A document only a chain's end names (a translation's original)."""
        iri = self.url("document-detail", pk)
        self.nodes.setdefault(iri, {"@id": iri, "@type": "prov:Entity", "dcterms:title": title})
        return _ref(iri)


def _origin_quote(attestation: Attestation, same_claim: list[Attestation]) -> Attestation | None:
    """The origin document's quote of the same claim, chosen as `attestation_root` chooses it."""
    inner = sorted(
        (a for a in same_claim if a.document_id == attestation.origin_document_id),
        key=lambda a: (a.stance != attestation.stance, a.start, a.pk),
    )
    return inner[0] if inner else None


def claim_provenance(claim: Claim, *, request) -> dict:
    """The claim's relay chains as a PROV-O graph. A fixed number of queries, and one more a level of
    parents above the agents named."""
    deferred = ("body", "search_vector")
    quotes = list(
        with_quote_context(claim.attestations.all())
        .select_related(
            # the speaker and the origins are agents and entities of the graph
            "speaker",
            "origin_entity",
            # documents are attributed to their outlets; a chain ends at an issuer
            "document__outlet",
            "origin_document__outlet",
            # a translation's issuer is its original's
            "document__translation_of__outlet",
            "origin_document__translation_of__outlet",
        )
        .defer(*(f"{path}__{column}" for path in ("origin_document", "document__translation_of",
                                                  "origin_document__translation_of") for column in deferred))
        # documents are attributed to their authors too; an issuer without an outlet is its one author
        .prefetch_related("document__authors", "origin_document__authors")
        .order_by("document_id", "start", "id")
    )  # fmt: skip
    graph = _Graph(request, claim)
    claim_iri = graph.url("claim-detail", claim.pk)
    claim_node = {
        "@id": claim_iri,
        "@type": ["prov:Entity", "schema:Claim"],
        "schema:text": _text(claim.statement, claim.language),
        "schema:appearance": [],
    }
    graph.nodes[claim_iri] = claim_node
    for quote in quotes:
        iri = graph.url("attestation-detail", quote.pk)
        claim_node["schema:appearance"].append(_ref(iri))
        document = graph.document(quote.document)
        node: dict[str, Any] = {
            "@id": iri,
            "@type": ["prov:Entity", "oa:SpecificResource"],
            "prov:value": _text(quote.quote, quote.document.language),
            "oa:hasSource": document,
            "oa:hasSelector": [
                {
                    "@type": "oa:TextQuoteSelector",
                    "oa:exact": quote.quote,
                    "oa:prefix": quote.quote_prefix or "",
                    "oa:suffix": quote.quote_suffix or "",
                },
                {"@type": "oa:TextPositionSelector", "oa:start": quote.start, "oa:end": quote.end},
            ],
        }
        stated = _date(*quote.stated)
        if stated:
            node["dcterms:date"] = stated
        if quote.speaker_id:
            node["prov:wasAttributedTo"] = graph.agent(quote.speaker_id)
        else:  # the document's own voice
            attributed = graph.nodes[document["@id"]].get("prov:wasAttributedTo")
            if attributed:
                node["prov:wasAttributedTo"] = attributed
        if quote.origin_document_id:
            inner = _origin_quote(quote, quotes)
            node["prov:wasDerivedFrom"] = (
                _ref(graph.url("attestation-detail", inner.pk))
                if inner is not None
                else graph.document(quote.origin_document)
            )
        elif quote.origin_entity_id:
            node["prov:wasDerivedFrom"] = graph.statement(quote.origin_entity)
        root = attestation_root(quote, quotes)
        if root.kind == "entity":
            node["prov:hadPrimarySource"] = graph.statement(Entity(pk=root.id, name=root.name))
        else:
            node["prov:hadPrimarySource"] = graph.document_by_reference(root.id, root.name)
        graph.nodes[iri] = node
    _add_agents(graph)
    return {"@context": CONTEXT, "@graph": list(graph.nodes.values())}


def _add_agents(graph: _Graph) -> None:
    """Every entity the graph names, as a prov:Agent, with the parents it acts on behalf of."""
    wanted, loaded = set(graph.agents), {}
    for _ in range(PARENTS_DEPTH):
        missing = wanted - loaded.keys()
        if not missing:
            break
        for entity in Entity.objects.filter(pk__in=missing).only("id", "name", "kind", "parent_id"):
            loaded[entity.pk] = entity
            if entity.parent_id:
                wanted.add(entity.parent_id)
    for pk in sorted(loaded):
        entity = loaded[pk]
        kind = "prov:Person" if entity.kind == Entity.Kind.PERSON else "prov:Organization"
        node: dict[str, Any] = {
            "@id": graph.url("entity-detail", pk),
            "@type": ["prov:Agent", kind],
            "rdfs:label": entity.name,
        }
        if entity.parent_id in loaded:
            node["prov:actedOnBehalfOf"] = _ref(graph.url("entity-detail", entity.parent_id))
        graph.nodes[node["@id"]] = node


_REF = {"type": "object", "required": ["@id"], "properties": {"@id": {"type": "string"}}}
PROVENANCE_SCHEMA = {
    "type": "object",
    "description": "The claim's relay chains as a W3C PROV-O graph (JSON-LD). See docs/api.md, “PROV-O”.",
    "required": ["@context", "@graph"],
    "properties": {
        "@context": {"type": "object", "additionalProperties": {"type": "string"}},
        "@graph": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["@id", "@type"],
                "properties": {
                    "@id": {"type": "string"},
                    "@type": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                    "prov:wasDerivedFrom": _REF,
                    "prov:hadPrimarySource": _REF,
                    "prov:wasAttributedTo": {"oneOf": [_REF, {"type": "array", "items": _REF}]},
                    "prov:actedOnBehalfOf": _REF,
                },
                "additionalProperties": True,
            },
        },
    },
}


class ClaimProvenanceView(generics.GenericAPIView):
    renderer_classes = [JSONLDRenderer, JSONRenderer, BrowsableAPIRenderer]
    permission_classes = [RolePermission]
    filter_backends = []  # one claim: no filters, no ordering
    pagination_class = None

    def get_queryset(self):
        # a draft is no claim for those who may not see drafts: a 404, as everywhere
        return Claim.objects.visible_to(self.request.user).only("id", "statement", "language")

    @extend_schema(
        operation_id="claims_provenance_retrieve",
        tags=["claims"],
        responses={200: OpenApiResponse(PROVENANCE_SCHEMA, "The claim's relay chains as PROV-O.")},
    )
    def get(self, request, *args, **kwargs):
        """The claim's relay chains as W3C PROV-O (JSON-LD): each quote derived from its origin,
        attributed to its speaker, with the independent root as its primary source."""
        return Response(claim_provenance(self.get_object(), request=request))
