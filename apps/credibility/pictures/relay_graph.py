"""The relay graph: each quote of a claim from its document and speaker through every relay to its
root and to the independent source (family) the grade counted it under."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from apps.claims.models import Attestation, Claim
from apps.credibility.models import SourceRating
from apps.credibility.pictures.groups import (
    OPINIONS,
    UNGRADED,
    RootGroupRef,
    date_as_published,
    group_of,
    root_groups,
    shorten,
)
from apps.credibility.roots import attestation_root
from apps.credibility.rules import Root

DOCUMENTS, SPEAKERS, RELAYS, ROOTS, FAMILIES = range(5)
COLUMN_TITLES = ["Document", "Speaker", "Relayed from", "Root", "Independent source"]


@dataclass
class GraphNode:
    """A box in the relay graph: a document, a speaker, a document relayed from, a root, or the
    independent source (family) the grade counted it under (`group`)."""

    key: str
    column: int
    label: str
    detail: str = ""
    entity_id: int | None = None
    document_id: int | None = None
    group: RootGroupRef | None = None
    rating: str | None = None  # the current A–F rating (for a group: the one its grade used)
    rateable: bool = False  # an entity: "unrated" is a link to rate it
    roles: list[str] = field(default_factory=list)


@dataclass
class RelayChain:
    """One quote's way from its document to its independent source, as node keys."""

    attestation_id: int
    stance: str
    modality: str
    quote: str
    keys: list[str]

    @property
    def excerpt(self) -> str:
        return shorten(self.quote)


@dataclass
class RelayGraph:
    claim: Claim
    nodes: dict[str, GraphNode]
    chains: list[RelayChain]

    @property
    def groups(self) -> list[GraphNode]:
        return [n for n in self.nodes.values() if n.column == FAMILIES]

    def chains_to(self, key: str) -> list[RelayChain]:
        return [chain for chain in self.chains if chain.keys[-1] == key]

    def edges(self) -> dict[tuple[str, str], list[RelayChain]]:
        edges: dict[tuple[str, str], list[RelayChain]] = {}
        for chain in self.chains:
            for pair in pairwise(chain.keys):
                edges.setdefault(pair, []).append(chain)
        return edges


def _hops(attestation: Attestation, same_claim: Sequence[Attestation]) -> list[tuple]:
    """The documents a report is relayed from, as `attestation_root` follows them: each with the
    report of the claim in it that the chain goes on from (None where the chain ends there)."""
    seen, current, hops = {attestation.document_id}, attestation, []
    while current.origin_document_id is not None and current.origin_document_id not in seen:
        origin = current.origin_document_id
        seen.add(origin)
        inner = sorted(
            (a for a in same_claim if a.document_id == origin),
            key=lambda a, stance=current.stance: (a.stance != stance, a.start, a.pk),
        )
        hops.append((current.origin_document, inner[0] if inner else None))
        if not inner:
            break
        current = inner[0]
    return hops


def _document_detail(document) -> str:
    outlet = document.outlet.name if document.outlet_id else "outlet unknown"
    return f"{date_as_published(document.published, document.published_precision) or 'undated'} · {outlet}"


def claim_relay_graph(*, claim: Claim, user) -> RelayGraph:
    """Each quote of the claim (none when this user may not see it) from its document and speaker
    through every relay to its root and the independent source (family) the stored grade counted it
    under; each root and source with its rating. A fixed number of queries, whatever the quotes."""
    attestations = list(
        Attestation.objects.filter(claim__in=Claim.objects.visible_to(user).filter(pk=claim.pk))
        .select_related(
            # the chain starts at the document (title, outlet, date) and its speaker
            "document__outlet",
            "speaker",
            # and is followed through the origin entity or document, to the document's issuer
            "origin_entity",
            "origin_document__outlet",
            # a translation's issuer is its original's
            "document__translation_of__outlet",
            "origin_document__translation_of__outlet",
        )
        # an issuer without an outlet is the document's one author
        .prefetch_related("document__authors", "origin_document__authors")
        .order_by("document__published", "document_id", "start", "id")
    )
    groups, of = root_groups(claim)
    nodes: dict[str, GraphNode] = {}
    chains, roots = [], {}
    for a in attestations:
        roots[a.pk] = root = attestation_root(a, attestations)
        group = group_of(a, groups, of)
        path = [_node(nodes, f"document:{a.document_id}", DOCUMENTS, a.document.title, a.document)]
        if a.speaker_id and not (
            root.kind == "entity" and root.id == a.speaker_id and not a.origin_document_id
        ):
            path.append(_node(nodes, f"speaker:{a.speaker_id}", SPEAKERS, a.speaker.name, entity=a.speaker))
        for document, inner in _hops(a, attestations):
            said = inner.speaker if inner is not None and inner.speaker_id else None
            key = f"relay:{document.pk}:{said.pk if said else ''}"
            path.append(_node(nodes, key, RELAYS, document.title, document, said=said))
        if not (group.root and (group.root["type"], group.root["id"]) == (root.kind, root.id)):
            path.append(_root_node(nodes, root))
        path.append(_group_node(nodes, group))
        path[-1].roles.append(a.stance)
        chains.append(RelayChain(a.pk, a.stance, a.modality, a.quote, [n.key for n in path]))
    # the order of the independent sources is the explanation's, as on the comparison
    order = {g.key: i for i, g in enumerate(groups)}
    nodes = dict(
        sorted(nodes.items(), key=lambda kv: (kv[1].column, order.get(kv[1].group and kv[1].group.key, 0)))
    )
    _rate(nodes)
    return RelayGraph(claim=claim, nodes=nodes, chains=chains)


def _node(nodes, key, column, label, document=None, *, entity=None, said=None) -> GraphNode:
    if key not in nodes:
        node = GraphNode(key=key, column=column, label=label)
        if document is not None:
            node.document_id = document.pk
            node.detail = _document_detail(document) + (f" · said by {said.name}" if said else "")
        if entity is not None:
            node.entity_id, node.detail = entity.pk, "speaker"
        nodes[key] = node
    return nodes[key]


def _root_node(nodes, root: Root) -> GraphNode:
    key = f"root:{root.kind}:{root.id}"
    if key not in nodes:
        entity = root.kind == "entity"
        nodes[key] = GraphNode(
            key=key,
            column=ROOTS,
            label=root.name,
            entity_id=root.id if entity else None,
            document_id=None if entity else root.id,
            rateable=entity,
            detail="" if entity else "a document with no known issuer",
        )
    return nodes[key]


def _group_node(nodes, group: RootGroupRef) -> GraphNode:
    key = f"source:{group.key}"
    if key not in nodes:
        root = group.root or {"type": "", "id": None, "name": "not yet graded"}
        entity = root["type"] == "entity"
        nodes[key] = GraphNode(
            key=key,
            column=FAMILIES,
            label=root["name"],
            group=group,
            entity_id=root["id"] if entity else None,
            document_id=root["id"] if root["type"] == "document" else None,
            rating=group.reliability,
            rateable=entity,
            detail="" if entity or not group.root else "a document with no known issuer",
        )
    return nodes[key]


def _rate(nodes: dict[str, GraphNode]) -> None:
    """Give each root its current rating, and each opinion's root or ungraded source: one query.
    A group weighed by the grade keeps the rating that grade used."""
    wanted = {
        n.entity_id
        for n in nodes.values()
        if n.rateable and (n.column == ROOTS or n.group.role in (OPINIONS, UNGRADED))
    }
    if not wanted:
        return
    ratings = dict(SourceRating.objects.current().filter(entity__in=wanted).values_list("entity_id", "grade"))
    for node in nodes.values():
        if node.rateable and node.entity_id in wanted:
            node.rating = ratings.get(node.entity_id)
