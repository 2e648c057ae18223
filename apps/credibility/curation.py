"""Curation warnings: what a second editor would query before trusting a grade (check_curation)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.core.arabic import search_normalize
from apps.core.models import periods_overlap

# words that hedge a report, as they are written in the seed's Arabic and in English; compared after
# search normalisation (hamza, taa marbuta, diacritics), so spelling variants match too
HEDGES = (
    "يبدو",
    "على ما يبدو",
    "تشير المعلومات",
    "المعلومات تشير",
    "وفقا لتقارير",
    "بحسب تقارير",
    "حسب تقارير",
    "يعتقد",
    "ربما",
    "reportedly",
    "allegedly",
    "appears to",
    "according to reports",
)


# how many characters before a quote are read for a hedge left out of it, back to the clause's start
HEDGE_REACH = 40
CLAUSE_ENDS = (".", "!", "?", "؟", "،", "\n")


@dataclass(frozen=True)
class Warning:
    code: str
    where: str  # "claim #3", "attestation #12"
    message: str

    def __str__(self) -> str:
        return f"{self.code} {self.where}: {self.message}"


def curation_warnings(*, claim_ids: list[int] | None = None) -> list[Warning]:
    """Every warning for these claims (all when None), in a stable order."""
    attestations = Attestation.objects.select_related(
        "speaker", "origin_entity", "origin_document", "document"
    )
    claims = Claim.objects.all()
    if claim_ids is not None:
        attestations = attestations.filter(claim__in=claim_ids)
        claims = claims.filter(pk__in=claim_ids)
    rows = list(attestations.order_by("claim_id", "id"))
    return [*_hedges_unmarked(rows), *_relays_recorded_differently(rows), *_contradictions_in_time(claims)]


def _hedges_unmarked(rows: list[Attestation]) -> list[Warning]:
    hedges = [(word, search_normalize(word)) for word in HEDGES]
    found = []
    for a in rows:
        if a.modality != Attestation.Modality.ASSERTED:
            continue
        where = f"attestation #{a.pk} (claim #{a.claim_id})"
        quote = search_normalize(a.quote)
        # the words just before the quote, in its own sentence or clause: a hedge left out of it
        # ("it appears that …"), not the end of the sentence before
        lead = a.document.body[max(0, a.start - HEDGE_REACH) : a.start]
        cut = max(lead.rfind(mark) for mark in CLAUSE_ENDS)
        before = search_normalize(lead[cut + 1 :])
        inside = [word for word, normal in hedges if normal in quote]
        outside = [word for word, normal in hedges if normal in before]
        if inside:
            message = f"the quote hedges («{inside[0]}») but is recorded as asserted: mark it hedged."
            found.append(Warning("hedge", where, message))
        elif outside:
            message = (
                f"the words just before the quote hedge it («{outside[0]}»): take them into the quote "
                "and mark it hedged, or say in its note why not."
            )
            found.append(Warning("hedge", where, message))
    return found


def _relays_recorded_differently(rows: list[Attestation]) -> list[Warning]:
    """One origin document relayed under different names: the roots then depend on who typed it."""
    ways: dict[int, dict[tuple, list[int]]] = defaultdict(lambda: defaultdict(list))
    titles = {}
    for a in rows:
        if a.origin_document_id is None:
            continue
        titles[a.origin_document_id] = a.origin_document.title
        way = (
            a.speaker.name if a.speaker else "the article",
            a.origin_entity.name if a.origin_entity else "—",
        )
        ways[a.origin_document_id][way].append(a.pk)
    found = []
    for document, recorded in sorted(ways.items()):
        origins = {origin for _, origin in recorded}
        if len(origins) > 1:
            listed = "; ".join(
                f"origin {origin} in #{', #'.join(map(str, pks))}" for (_, origin), pks in recorded.items()
            )
            found.append(
                Warning(
                    "relay",
                    f"document #{document} «{titles[document]}»",
                    f"relayed with different origins ({listed}): record it one way everywhere.",
                )
            )
    return found


def _contradictions_in_time(claims) -> list[Warning]:
    ids = set(claims.values_list("pk", flat=True))
    relations = ClaimRelation.objects.filter(kind=ClaimRelation.Kind.CONTRADICTS).filter(
        Q(from_claim__in=ids) | Q(to_claim__in=ids)
    )
    found = []
    for relation in relations.select_related("from_claim", "to_claim").order_by("id"):
        one, other = relation.from_claim, relation.to_claim
        if not periods_overlap(one.period, other.period):
            found.append(
                Warning(
                    "time",
                    f"relation #{relation.pk}",
                    f"#{one.pk} ({one.period_display}) and #{other.pk} ({other.period_display}) hold over "
                    "different periods: a change over time, not a contradiction; re-type it or fix a date.",
                )
            )
    return found
