"""The document workspace: an editor reads a document as published and records its quotes from
the text itself. The page (admin/claims/document/workspace.html with static claims/workspace.js)
saves through the public API (`/api/v1/attestations/`, `/api/v1/claims/`) with the editor's
session, so a quote saved here is validated, versioned and regraded as any other; this module
gives the page its data and the suggestions for a selection."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q

from apps.claims.models import Attestation, Claim
from apps.core.search import WORD, search_queryset
from apps.documents.models import Document
from apps.entities.models import Alias, Entity
from apps.entities.names import entity_names, name_pattern, normalized

# how far around a selection the names of speakers and sources are looked for, in characters
NEARBY_BEFORE = 400
NEARBY_AFTER = 200
# how many suggestions of each kind the panel lists
SUGGESTED = 8
# the words of a selection the claim suggestions are searched by: the longest ones
SELECTION_WORDS = 12
# a selection longer than this is not a quote an editor means: suggestions are not computed
SELECTION_MAX = 3000

RTL_LANGUAGES = frozenset({"ar", "fa", "ur", "he", "ps"})


def text_direction(language: str) -> str:
    return "rtl" if (language or "").split("-")[0] in RTL_LANGUAGES else "ltr"


def attestation_json(a: Attestation) -> dict:
    """One recorded quote as the workspace draws it (offsets in code points, as stored)."""
    return {
        "id": a.pk,
        "start": a.start,
        "end": a.end,
        "quote": a.quote,
        "claim": {"id": a.claim_id, "statement": a.claim.statement},
        "speaker": {"id": a.speaker_id, "name": a.speaker.name} if a.speaker_id else None,
        "origin_entity": {"id": a.origin_entity_id, "name": a.origin_entity.name}
        if a.origin_entity_id
        else None,
        "origin_document": (
            {"id": a.origin_document_id, "title": a.origin_document.title} if a.origin_document_id else None
        ),
        "stance": a.stance,
        "modality": a.modality,
        "note": a.note,
        "version": a.version,
    }


def workspace_data(document: Document) -> dict:
    """What the page needs: the body as stored and every quote recorded in it (three queries)."""
    attestations = (
        Attestation.objects.filter(document=document)
        .select_related("claim", "speaker", "origin_entity", "origin_document")
        .order_by("start", "end", "id")
    )
    return {
        "document": {
            "id": document.pk,
            "title": document.title,
            "language": document.language,
            "dir": text_direction(document.language),
        },
        "body": document.body,
        "attestations": [attestation_json(a) for a in attestations],
    }


@dataclass(frozen=True)
class Suggested:
    id: int
    label: str
    why: str

    def as_json(self) -> dict:
        return {"id": self.id, "label": self.label, "why": self.why}


def suggestions(document: Document, start: int, end: int) -> dict:
    """For the passage [start, end) of the body: the claims it may attest (those already quoted
    there, then those whose statement or quotes share its words, Arabic-aware), the entities that
    may have said it or be its source (the document's outlet and authors, then those named near
    it, nearest first) and the documents it may relay (those this document cites or relays)."""
    passage = document.body[start:end]
    return {
        "claims": [s.as_json() for s in _claims(document, start, end, passage)],
        "entities": [s.as_json() for s in _entities(document, start, end)],
        "documents": [s.as_json() for s in _documents(document)],
    }


def _claims(document: Document, start: int, end: int, passage: str) -> list[Suggested]:
    found: dict[int, Suggested] = {}
    here = (
        Attestation.objects.filter(document=document, start__lt=end, end__gt=start)
        .select_related("claim")
        .order_by("start")
    )
    for a in here:
        found.setdefault(a.claim_id, Suggested(a.claim_id, a.claim.statement, "quoted in this passage"))
    words = sorted(set(WORD.findall(passage)), key=len, reverse=True)[:SELECTION_WORDS]
    words = [word for word in words if len(word) >= 3]
    if words:
        matching = search_queryset(Claim.objects.exclude(pk__in=found), " or ".join(words))
        for claim in matching.order_by("-search_rank", "-pk").only("pk", "statement")[:SUGGESTED]:
            found.setdefault(claim.pk, Suggested(claim.pk, claim.statement, "shares words with it"))
    return list(found.values())[:SUGGESTED]


def _entities(document: Document, start: int, end: int) -> list[Suggested]:
    found: dict[int, Suggested] = {}
    if document.outlet_id:
        found[document.outlet_id] = Suggested(
            document.outlet_id, document.outlet.name, "the document's outlet"
        )
    for author in document.authors.all():
        found.setdefault(author.pk, Suggested(author.pk, author.name, "an author of the document"))
    window_start = max(0, start - NEARBY_BEFORE)
    window = normalized(document.body[window_start : end + NEARBY_AFTER])
    # normalising shortens the text («القاعدة» → «قاعده»): the middle is measured in the same text
    middle = len(normalized(document.body[window_start : (start + end) // 2]))
    distances = []
    # the names of every entity with a name or alias in the window; each pattern is tried once
    candidates = _named_candidates(window)
    names = entity_names(candidates)
    for pk in candidates:
        pattern = name_pattern(names[pk])
        if pattern is None:
            continue
        spots = [abs((m.start() + m.end()) // 2 - middle) for m in pattern.finditer(window)]
        if spots:
            distances.append((min(spots), pk))
    labels = dict(Entity.objects.filter(pk__in=[pk for _, pk in distances]).values_list("pk", "name"))
    for _, pk in sorted(distances):
        found.setdefault(pk, Suggested(pk, labels[pk], "named near it"))
    return list(found.values())[:SUGGESTED]


def _named_candidates(window: str) -> set[int]:
    """The entities one of whose names has a word of the window: a cheap first cut in SQL."""
    words = {word for word in re.findall(r"\w{3,}", window)}
    if not words:
        return set()
    # the normalised name is not stored: compare the longest word of each name, case-insensitively,
    # against the window's words in Python, on the names of entities that share any word
    rows = list(Entity.objects.values_list("pk", "name")) + list(
        Alias.objects.values_list("entity_id", "name")
    )
    return {pk for pk, name in rows if words.intersection(re.findall(r"\w{3,}", normalized(name)))}


def _documents(document: Document) -> list[Suggested]:
    cited = list(document.cites.all().order_by("title"))
    relayed = Document.objects.filter(
        Q(attestations_relayed__document=document) & ~Q(pk__in=[d.pk for d in cited])
    ).distinct()
    found = [Suggested(d.pk, d.title, "cited by this document") for d in cited]
    found += [Suggested(d.pk, d.title, "relayed elsewhere in it") for d in relayed.order_by("title")]
    return found[:SUGGESTED]
