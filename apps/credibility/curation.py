"""Curation warnings: what a second editor would query before trusting a grade (check_curation)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.core.arabic import search_normalize
from apps.core.models import periods_overlap
from apps.entities.models import Entity
from apps.entities.names import entity_names, name_pattern, normalized

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


# words too common to tell one report from another, after search normalisation
COMMON_WORDS = frozenset(
    search_normalize(word)
    for word in (
        "التي",
        "الذي",
        "الذين",
        "على",
        "إلى",
        "عن",
        "بين",
        "بعد",
        "قبل",
        "كان",
        "كانت",
        "هذا",
        "هذه",
        "ذلك",
        "تلك",
        "وقال",
        "قال",
        "قالت",
        "وقالت",
        "أن",
        "إن",
        "أنه",
        "إنه",
        "أنها",
        "إنها",
        "مع",
        "لكن",
    )
)
# a figure in a statement: 12, 400-600, 5,000 (years are dates: `when` and the periods hold those)
FIGURE = re.compile(r"\d+(?:[.,]\d{3})*")
YEAR = re.compile(r"^(19|20)\d\d$")
WORD = re.compile(r"\w{4,}")


@dataclass(frozen=True)
class Warning:
    code: str
    where: str  # "claim #3", "attestation #12"
    message: str
    attestations: tuple[int, ...] = ()  # the attestations it is about, for the document page

    def __str__(self) -> str:
        return f"{self.code} {self.where}: {self.message}"


def curation_warnings(*, claim_ids: list[int] | None = None) -> list[Warning]:
    """Every warning for these claims (all when None), in a stable order."""
    attestations = Attestation.objects.select_related(
        "claim", "speaker", "origin_entity", "origin_document", "document"
    )
    claims = Claim.objects.all()
    if claim_ids is not None:
        attestations = attestations.filter(claim__in=claim_ids)
        claims = claims.filter(pk__in=claim_ids)
    rows = list(attestations.order_by("claim_id", "id"))
    subjects = _Subjects(rows)
    return [
        *_hedges_unmarked(rows),
        *_terms_missing(rows, subjects),
        *_interested_unmarked(rows, subjects),
        *_relays_recorded_differently(rows),
        *_issuers_as_speakers(rows),
        *_contradictions_in_time(claims),
    ]


def document_warnings(document_id: int) -> list[Warning]:
    """The warnings about this document's attestations (the document page shows them)."""
    mine = set(Attestation.objects.filter(document=document_id).values_list("pk", flat=True))
    claims = sorted(set(Attestation.objects.filter(pk__in=mine).values_list("claim_id", flat=True)))
    if not claims:
        return []
    return [w for w in curation_warnings(claim_ids=claims) if mine.intersection(w.attestations)]


def _where(a: Attestation) -> str:
    return f"attestation #{a.pk} (claim #{a.claim_id})"


class _Subjects:
    """Each claim's subjects, and the names (aliases too) that name each one or one of its parts."""

    def __init__(self, rows: list[Attestation]) -> None:
        claim_ids = {a.claim_id for a in rows}
        self.of: dict[int, set[int]] = defaultdict(set)
        for claim_id, entity_id in Claim.subjects.through.objects.filter(claim__in=claim_ids).values_list(
            "claim_id", "entity_id"
        ):
            self.of[claim_id].add(entity_id)
        wanted = set().union(*self.of.values()) if self.of else set()
        children: dict[int, list[int]] = defaultdict(list)
        for pk, parent in Entity.objects.filter(parent__isnull=False).values_list("pk", "parent_id"):
            children[parent].append(pk)
        self.parts: dict[int, set[int]] = {}
        for subject in wanted:
            seen, todo = {subject}, [subject]
            while todo:
                for child in children[todo.pop()]:
                    if child not in seen:
                        seen.add(child)
                        todo.append(child)
            self.parts[subject] = seen
        names = entity_names(set().union(*self.parts.values()) if self.parts else set())
        self.patterns = {
            subject: name_pattern({name for part in parts for name in names[part]})
            for subject, parts in self.parts.items()
        }

    def named_in(self, claim_id: int, text: str) -> list[int]:
        normal = normalized(text)
        return [s for s in sorted(self.of[claim_id]) if self.patterns[s] and self.patterns[s].search(normal)]


def _words(text: str) -> set[str]:
    return {word for word in WORD.findall(search_normalize(text).casefold()) if word not in COMMON_WORDS}


def _figures(text: str) -> set[str]:
    figures = {figure.replace(",", "") for figure in FIGURE.findall(search_normalize(text))}
    return {figure for figure in figures if not YEAR.match(figure)}


def _terms_missing(rows: list[Attestation], subjects: _Subjects) -> list[Warning]:
    """A quote that does not say what its statement says: it names none of the claim's subjects and
    none of the words its other quotes share, or it lacks a figure the statement gives. The statement
    is English and the quotes Arabic, so the terms are the subjects' names and aliases, the other
    quotes' words and the digits, all compared after search normalisation."""
    by_claim: dict[int, list[Attestation]] = defaultdict(list)
    for a in rows:
        by_claim[a.claim_id].append(a)
    found = []
    for claim_rows in by_claim.values():
        statement = claim_rows[0].claim.statement
        for a in claim_rows:
            quote_figures = _figures(a.quote)
            missing = sorted(_figures(statement) - quote_figures, key=lambda f: (len(f), f))
            if missing:
                message = (
                    f"the statement gives {', '.join(missing)}, the quote does not: take the figure into "
                    "the quote or narrow the statement to what the quote says."
                )
                found.append(Warning("terms", _where(a), message, (a.pk,)))
                continue
            if not subjects.of[a.claim_id] or subjects.named_in(a.claim_id, a.quote):
                continue
            others = [_words(other.quote) for other in claim_rows if other.pk != a.pk]
            shared = {
                word for word in set().union(*others) if sum(word in o for o in others) * 2 >= len(others)
            }
            if len(others) >= 2 and shared & _words(a.quote):
                continue
            message = (
                "the quote names none of the claim's subjects"
                + (" nor the words its other quotes share" if len(others) >= 2 else "")
                + ": take the subject's name into the quote from its sentence, or narrow the statement."
            )
            found.append(Warning("terms", _where(a), message, (a.pk,)))
    return found


def _interested_unmarked(rows: list[Attestation], subjects: _Subjects) -> list[Warning]:
    """A subject speaking about itself, marked not interested by hand."""
    found = []
    for a in rows:
        if a.interested_override is not False or a.speaker_id is None:
            continue
        for subject in subjects.of[a.claim_id]:
            if a.speaker_id in subjects.parts[subject]:
                message = (
                    f"the speaker, {a.speaker.name}, is (part of) a subject of the claim but marked not "
                    f"interested («{a.interested_reason}»): a party speaking of itself is interested."
                )
                found.append(Warning("interested", _where(a), message, (a.pk,)))
                break
    return found


def _issuers_as_speakers(rows: list[Attestation]) -> list[Warning]:
    """The issuer of a relayed report recorded as speaker: the article (or its reporter) speaks,
    the report's issuer is the origin, as everywhere else."""
    found = []
    for a in rows:
        report = a.origin_document
        if report is None or a.speaker_id is None or a.speaker_id != report.outlet_id:
            continue
        if a.document_id == report.pk:
            continue
        message = (
            f"{a.speaker.name} is recorded as speaker of this article's relay of its own «{report.title}»: "
            "record the article (or its reporter) as speaker and the issuer as origin."
        )
        found.append(Warning("relay", _where(a), message, (a.pk,)))
    return found


def _hedges_unmarked(rows: list[Attestation]) -> list[Warning]:
    hedges = [(word, search_normalize(word)) for word in HEDGES]
    found = []
    for a in rows:
        if a.modality != Attestation.Modality.ASSERTED:
            continue
        where = _where(a)
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
            found.append(Warning("hedge", where, message, (a.pk,)))
        elif outside:
            message = (
                f"the words just before the quote hedge it («{outside[0]}»): take them into the quote "
                "and mark it hedged, or say in its note why not."
            )
            found.append(Warning("hedge", where, message, (a.pk,)))
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
                    tuple(pk for pks in recorded.values() for pk in pks),
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
