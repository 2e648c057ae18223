"""Independent roots: where each attestation's report ultimately comes from (pure, over loaded rows)."""

from __future__ import annotations

from collections.abc import Sequence

from apps.claims.models import Attestation
from apps.credibility.rules import Root
from apps.documents.models import Document
from apps.entities.models import Entity


def _entity(entity: Entity) -> Root:
    return Root(kind="entity", id=entity.pk, name=entity.name)


def document_issuer(document: Document) -> Root:
    """Who stands behind a document: its outlet, else its one author, else the document itself
    (several authors and no outlet: the document is their joint word, not any one of theirs)."""
    if document.outlet_id:
        return _entity(document.outlet)
    authors = list(document.authors.all())  # prefetched
    if len(authors) == 1:
        return _entity(authors[0])
    return Root(kind="document", id=document.pk, name=document.title)


def attestation_root(attestation: Attestation, same_claim: Sequence[Attestation]) -> Root:
    """Follow the relay to its end; `same_claim` is every attestation of the claim.

    An origin document that itself attests the claim is followed to that attestation (the first of
    the same stance, else the first), and on from there; one that does not ends the chain at the
    origin entity, else at the document's issuer.
    Without an origin document: the origin entity, else the speaker, else the document's issuer.
    A chain that comes back to a document it passed through stops where it is.
    """
    seen: set[int] = {attestation.document_id}
    current = attestation
    while True:
        origin = current.origin_document_id
        if origin is not None and origin not in seen:
            seen.add(origin)
            # its report of the same stance if it has one (a relay may also quote a denial there)
            inner = sorted(
                (a for a in same_claim if a.document_id == origin),
                key=lambda a: (a.stance != current.stance, a.start, a.pk),
            )
            if inner:
                current = inner[0]
                continue
            if current.origin_entity_id:
                return _entity(current.origin_entity)
            return document_issuer(current.origin_document)
        if current.origin_entity_id:
            return _entity(current.origin_entity)
        if current.speaker_id:
            return _entity(current.speaker)
        return document_issuer(current.document)
