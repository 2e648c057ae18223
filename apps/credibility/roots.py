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
    (several authors and no outlet: the document is their joint word, not any one of theirs). A
    translation's words are its original's: the original's issuer."""
    seen = {document.pk}
    while document.translation_of_id is not None and document.translation_of_id not in seen:
        seen.add(document.translation_of_id)
        document = document.translation_of  # loaded only for a translation
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


class Families:
    """Which source family each entity belongs to.

    An entity's family is the topmost independence boundary among itself and its parents (the UN
    Monitoring Team → the UN; Pompeo → the US government), else the entity alone. Families linked
    by `draws_on` are one: a source that draws on another counts with it. The family's head is the
    one the others draw on (the smallest id among several); on a claim, the family is shown as the
    quotes name it (`shown`): by its head when a quote rests on the head, else by the boundary of the
    first member quoted, so the UN drawing on member states' intelligence is still the UN there.
    """

    def __init__(self, entities: dict[int, tuple[str, int | None, bool]], draws_on: list[tuple[int, int]]):
        # entities: id → (name, parent id, is boundary)
        self._entities = entities
        head = {pk: self._boundary_head(pk) for pk in entities}
        # union-find over the boundary heads, joined by draws_on
        parent = {h: h for h in set(head.values())}

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        drawing = set()
        for source, target in draws_on:
            if source in head and target in head:
                a, b = find(head[source]), find(head[target])
                drawing.add(head[source])
                if a != b:
                    parent[max(a, b)] = min(a, b)
        groups: dict[int, list[int]] = {}
        for h in parent:
            groups.setdefault(find(h), []).append(h)
        # each group is named by a head nobody in it draws from: the source the others rest on
        named = {}
        for heads in groups.values():
            sinks = sorted(h for h in heads if h not in drawing) or sorted(heads)
            for h in heads:
                named[h] = sinks[0]
        self._family = {pk: named[h] for pk, h in head.items()}
        self._boundary = head

    def _boundary_head(self, pk: int) -> int:
        head, current, seen = pk, pk, set()
        while current is not None and current in self._entities and current not in seen:
            seen.add(current)
            _, parent, boundary = self._entities[current]
            if boundary:
                head = current
            current = parent
        return head

    def of(self, pk: int) -> int:
        """The family (its head's id) of this entity."""
        return self._family.get(pk, pk)

    def boundary_of(self, pk: int) -> int:
        """The independence boundary this entity stands under, before `draws_on` joins families."""
        return self._boundary.get(pk, pk)

    def name(self, pk: int) -> str:
        return self._entities[pk][0] if pk in self._entities else str(pk)

    @classmethod
    def load(cls) -> Families:
        rows = Entity.objects.values_list("pk", "name", "kind", "parent_id", "independence_boundary")
        entities = {
            pk: (name, parent, boundary if boundary is not None else kind in Entity.BOUNDARY_KINDS)
            for pk, name, kind, parent, boundary in rows
        }
        edges = list(Entity.draws_on.through.objects.values_list("from_entity_id", "to_entity_id"))
        return cls(entities, edges)
