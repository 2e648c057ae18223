"""The credibility rule, step for step as docs/credibility.md writes it; pure, no database.

A claim's grade on the Admiralty information scale comes from three steps, in this order:

1. **Evidence**: its independent affirming and denying roots and their reliability (E1–E7).
2. **Conflicts**: the published claims that contradict it, weighed by their standing (C1–C4).
3. **Editorial status**: an editor's verdict has the last word (S1–S5).

A claim's *standing* is steps 1 and 3 without step 2; conflicts are weighed standing against
standing, so two claims that contradict each other are judged by the same numbers and no claim's
grade depends on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from apps.claims.models import Claim, Credibility

# Roots rated D or E are listed but not counted; an unrated root counts, graded F ("cannot be judged").
NOT_COUNTED = frozenset("DE")
# Roots that can confirm: rated A, B or C.
CONFIRMING = frozenset("ABC")
# A lone root that makes a claim probably true: rated A or B.
STRONG = frozenset("AB")
UNRATED = "F"

LABELS = {
    Credibility.CONFIRMED: "confirmed by independent sources",
    Credibility.PROBABLY_TRUE: "probably true",
    Credibility.POSSIBLY_TRUE: "possibly true",
    Credibility.DOUBTFUL: "doubtful",
    Credibility.IMPROBABLE: "improbable",
    Credibility.CANNOT_BE_JUDGED: "truth cannot be judged",
}


@dataclass(frozen=True)
class Root:
    """Where a report ultimately comes from: an entity, or a document with no known issuer."""

    kind: str  # "entity" or "document"
    id: int
    name: str

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.id)


@dataclass
class RootEvidence:
    """One independent root (a source family) and the attestations (of one stance) that lead back
    to it; `members` are the entities of the family its attestations name."""

    root: Root
    grade: str = UNRATED  # the root's current reliability, A–F; F when unrated or a document
    rated: bool = False
    attestation_ids: list[int] = field(default_factory=list)
    document_ids: list[int] = field(default_factory=list)
    members: dict[int, str] = field(default_factory=dict)
    hedged_ids: set[int] = field(default_factory=set)
    interested_ids: set[int] = field(default_factory=set)

    @property
    def counted(self) -> bool:
        return self.grade not in NOT_COUNTED

    @property
    def hedged(self) -> bool:
        """Every report of it is hedged ("reportedly", «يبدو»): it cannot confirm."""
        return bool(self.attestation_ids) and set(self.attestation_ids) <= self.hedged_ids

    @property
    def interested(self) -> bool:
        """It is one of the claim's subjects (or of their family) speaking about itself."""
        return bool(self.attestation_ids) and set(self.attestation_ids) <= self.interested_ids

    def pair(self, grade: int) -> str:
        """The analyst's pair: this source's reliability and the claim's credibility ("B2")."""
        return f"{self.grade}{grade}"


@dataclass(frozen=True)
class Conflict:
    """A published claim that contradicts this one, with its standing grade."""

    claim_id: int
    statement: str
    standing: int


@dataclass
class Assessment:
    grade: int
    reasons: list[str]
    conflicts: list[dict]
    changes: list[dict] = field(default_factory=list)


def _best(evidence: Sequence[RootEvidence]) -> str | None:
    grades = [e.grade for e in evidence if e.counted]
    return min(grades) if grades else None


def _names(evidence: Sequence[RootEvidence]) -> str:
    def name(e: RootEvidence) -> str:
        hedge = ", hedged" if e.hedged else ""
        return f"{e.root.name} ({e.grade if e.rated else 'unrated'}{hedge})"

    return ", ".join(name(e) for e in evidence)


def evidence_grade(
    affirming: Sequence[RootEvidence], denying: Sequence[RootEvidence]
) -> tuple[int, list[str]]:
    """Step 1: the grade the independent roots alone support, with the reasons (E0–E9)."""
    reasons = []
    ignored = [e for e in (*affirming, *denying) if not e.counted]
    if ignored:
        reasons.append(f"E0: not counted, rated D or E: {_names(ignored)}.")
    interested = [e for e in (*affirming, *denying) if e.counted and e.interested]
    independent = [e for e in (*affirming, *denying) if e.counted and not e.interested]
    only_interested = bool(interested) and not independent
    if interested and independent:
        reasons.append(
            f"E8: the claim's own subjects speaking about themselves ({_names(interested)}): listed, "
            "not weighed against independent sources."
        )
    pro = [e for e in affirming if e.counted and (only_interested or not e.interested)]
    con = [e for e in denying if e.counted and (only_interested or not e.interested)]
    a, d = len(pro), len(con)

    if a == 0 and d == 0:
        return Credibility.CANNOT_BE_JUDGED, [
            *reasons,
            "E1: no counted independent source affirms or denies it.",
        ]
    if d > a or (d == a and _best(con) < _best(pro)):
        why = (
            f"{d} deny it, {a} affirm" if d > a else f"as many deny as affirm ({a}), the deniers better rated"
        )
        grade, reasons = (
            Credibility.IMPROBABLE,
            [*reasons, f"E2: independent sources: {why}. Denying: {_names(con)}."],
        )
    elif d == a:
        grade, reasons = (
            Credibility.DOUBTFUL,
            [
                *reasons,
                f"E3: as many independent sources deny it ({_names(con)}) as affirm it ({_names(pro)}).",
            ],
        )
    else:
        grade, why = _affirmed(pro)
        reasons.append(f"{why}: {_names(pro)}.")
        if d:
            grade += 1
            reasons.append(f"E7: fewer deny it ({_names(con)}): one step down, to {LABELS[grade]}.")
    if only_interested:
        clamped = min(max(grade, Credibility.POSSIBLY_TRUE), Credibility.DOUBTFUL)
        reasons.append(
            f"E9: only the claim's own subjects speak to it ({_names(interested)}): their word alone "
            f"makes it no more than {LABELS[Credibility.POSSIBLY_TRUE]} and no less than "
            f"{LABELS[Credibility.DOUBTFUL]}; {LABELS[clamped]}."
        )
        grade = clamped
    return grade, reasons


def _affirmed(pro: Sequence[RootEvidence]) -> tuple[int, str]:
    """More affirm than deny: how far the affirming roots carry it (E4–E6)."""
    confirming = [e for e in pro if e.rated and e.grade in CONFIRMING and not e.hedged]
    firm = [e for e in pro if not e.hedged]
    if len(confirming) >= 2:
        return Credibility.CONFIRMED, f"E4: {len(confirming)} independent sources rated A–C affirm it"
    if not firm:
        return (
            Credibility.POSSIBLY_TRUE,
            "E6: only hedged reports affirm it (reportedly, appears): they cannot confirm",
        )
    if len(pro) >= 2:
        return (
            Credibility.PROBABLY_TRUE,
            f"E5: {len(pro)} independent sources affirm it, fewer than two rated A–C",
        )
    if pro[0].rated and pro[0].grade in STRONG:
        return Credibility.PROBABLY_TRUE, f"E5: one independent source affirms it, rated {pro[0].grade}"
    return Credibility.POSSIBLY_TRUE, "E6: one independent source affirms it"


def claim_pair(affirming: Sequence[RootEvidence], denying: Sequence[RootEvidence], grade: int) -> str:
    """The claim's analyst pair: its best counted root's reliability (independent ones first) and its
    grade; "F" (cannot be judged) when no root counts."""
    counted = [e for e in (*affirming, *denying) if e.counted]
    independent = [e for e in counted if not e.interested]
    best = _best(independent or counted)
    return f"{best or UNRATED}{grade}"


def status_grade(grade: int, status: str) -> tuple[int, str | None]:
    """Step 3: the editor's verdict has the last word."""
    if status == Claim.Status.REFUTED:
        return Credibility.IMPROBABLE, "S1: an editor has refuted it."
    if status == Claim.Status.UNVERIFIABLE:
        return Credibility.CANNOT_BE_JUDGED, "S2: an editor has found it unverifiable."
    if status == Claim.Status.CORROBORATED and grade > Credibility.PROBABLY_TRUE:
        return Credibility.PROBABLY_TRUE, "S3: an editor has corroborated it: at least probably true."
    if status == Claim.Status.DISPUTED and grade < Credibility.DOUBTFUL:
        return Credibility.DOUBTFUL, "S4: an editor has marked it disputed: doubtful at best."
    if status == Claim.Status.UNREVIEWED:
        return grade, None  # S5: no verdict yet
    return grade, f"S5: an editor has marked it {status}; the grade, {LABELS[grade]}, already agrees."


def standing_grade(affirming: Sequence[RootEvidence], denying: Sequence[RootEvidence], status: str) -> int:
    """Steps 1 and 3: what a contradicting claim is weighed against."""
    grade, _ = evidence_grade(affirming, denying)
    return status_grade(grade, status)[0]


def conflict_grade(
    grade: int, standing: int, conflicts: Sequence[Conflict]
) -> tuple[int, list[str], list[dict]]:
    """Step 2: a better or equally supported contradicting claim makes this one doubtful or improbable."""
    reasons, weighed = [], []
    worst = grade
    for conflict in sorted(conflicts, key=lambda c: (c.standing, c.claim_id)):
        if conflict.standing < standing and conflict.standing <= Credibility.POSSIBLY_TRUE:
            floor = (
                Credibility.IMPROBABLE
                if conflict.standing <= Credibility.PROBABLY_TRUE
                else Credibility.DOUBTFUL
            )
            verdict = "better supported"
            reasons.append(
                f"C2: contradicted by #{conflict.claim_id}, better supported ({LABELS[conflict.standing]}): "
                f"{LABELS[floor]} at best."
            )
        elif conflict.standing == standing and conflict.standing <= Credibility.POSSIBLY_TRUE:
            floor, verdict = Credibility.DOUBTFUL, "equally supported"
            reasons.append(
                f"C3: contradicted by #{conflict.claim_id}, equally supported "
                f"({LABELS[conflict.standing]}): doubtful."
            )
        else:
            floor, verdict = grade, "not better supported"
            reasons.append(
                f"C4: contradicted by #{conflict.claim_id}, not better supported "
                f"({LABELS[conflict.standing]}): not held against it."
            )
        # "cannot be judged" (6) holds no position of its own: a better supported contradiction sets it
        worst = floor if worst == Credibility.CANNOT_BE_JUDGED and floor != grade else max(worst, floor)
        weighed.append(
            {
                "claim": conflict.claim_id,
                "statement": conflict.statement,
                "grade": conflict.standing,
                "weighed": verdict,
            }
        )
    return worst, reasons, weighed


def assess(
    *,
    affirming: Sequence[RootEvidence],
    denying: Sequence[RootEvidence],
    status: str,
    conflicts: Sequence[Conflict],
    changes: Sequence[Conflict] = (),
) -> Assessment:
    """The three steps: evidence, then conflicts (the contradicting claims whose periods overlap its
    own; the others are a change over time, listed), then the editor's verdict."""
    grade, reasons = evidence_grade(affirming, denying)
    standing = status_grade(grade, status)[0]
    if conflicts and standing != grade:
        reasons.append(
            f"C0: weighed against the claims contradicting it as {LABELS[standing]}: its evidence "
            f"({LABELS[grade]}) after the editor's status ({status})."
        )
    if conflicts:
        grade, conflict_reasons, weighed = conflict_grade(grade, standing, conflicts)
        reasons += conflict_reasons
    else:
        weighed = []  # C1: nothing published contradicts it
    for change in sorted(changes, key=lambda c: c.claim_id):
        reasons.append(
            f"C5: contradicted by #{change.claim_id}, which holds over another period: a change over "
            "time, not weighed."
        )
    grade, verdict = status_grade(grade, status)
    if verdict:
        reasons.append(verdict)
    listed = [
        {"claim": c.claim_id, "statement": c.statement} for c in sorted(changes, key=lambda c: c.claim_id)
    ]
    return Assessment(grade=grade, reasons=reasons, conflicts=weighed, changes=listed)
