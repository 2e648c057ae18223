"""The credibility rule, branch by branch: evidence (E1–E7), conflicts (C1–C4), editorial status (S1–S5)."""

from __future__ import annotations

from itertools import count

import pytest

from apps.claims.models import Claim, Credibility
from apps.credibility.rules import (
    Conflict,
    Root,
    RootEvidence,
    assess,
    conflict_grade,
    evidence_grade,
    standing_grade,
    status_grade,
)

Status = Claim.Status
_ids = count(1)


def source(grade: str | None = None, name: str | None = None) -> RootEvidence:
    """Return an independent entity root rated `grade`, or unrated (graded F) when None."""
    pk = next(_ids)
    root = Root(kind="entity", id=pk, name=name or f"Source {pk}")
    if grade is None:
        return RootEvidence(root=root)
    return RootEvidence(root=root, grade=grade, rated=True)


def sources(*grades: str | None) -> list[RootEvidence]:
    return [source(grade) for grade in grades]


def contradicting(standing: int, claim_id: int | None = None) -> Conflict:
    """Return a published claim that contradicts the one assessed, with this standing."""
    pk = claim_id or next(_ids)
    return Conflict(claim_id=pk, statement=f"Claim {pk}", standing=standing)


# Step 1: evidence


def test_a_claim_no_source_affirms_or_denies_cannot_be_judged():
    grade, reasons = evidence_grade([], [])

    assert grade == Credibility.CANNOT_BE_JUDGED
    assert len(reasons) == 1
    assert reasons[0].startswith("E1:")


def test_a_claim_affirmed_only_by_an_e_rated_root_cannot_be_judged():
    affirming = [source("E", name="Rumour Mill")]

    grade, reasons = evidence_grade(affirming, [])

    assert grade == Credibility.CANNOT_BE_JUDGED
    assert reasons[0] == "E0: not counted, rated D or E: Rumour Mill (E)."
    assert reasons[1].startswith("E1:")


def test_a_denier_rated_d_is_listed_but_does_not_move_a_claim_down():
    affirming, denying = [source("B")], [source("D", name="Partisan Blog")]

    grade, reasons = evidence_grade(affirming, denying)

    assert grade == Credibility.PROBABLY_TRUE
    assert reasons[0] == "E0: not counted, rated D or E: Partisan Blog (D)."
    assert reasons[1].startswith("E5:")
    assert not any(reason.startswith("E7:") for reason in reasons)


@pytest.mark.parametrize(
    ("affirming", "denying", "count"),
    [
        ((), ("C",), "1 deny it, 0 affirm"),
        (("A",), ("C", None), "2 deny it, 1 affirm"),
        (("A", "B"), ("C", None, None), "3 deny it, 2 affirm"),
        (("A", "E"), ("C", None), "2 deny it, 1 affirm"),  # the E-rated affirmer does not make it a tie
    ],
    ids=["denied-only", "two-deny-one-affirms", "three-deny-two-affirm", "uncounted-affirmer"],
)
def test_more_independent_deniers_than_affirmers_make_a_claim_improbable(affirming, denying, count):
    grade, reasons = evidence_grade(sources(*affirming), sources(*denying))

    assert grade == Credibility.IMPROBABLE
    assert reasons[-1].startswith(f"E2: independent sources: {count}.")


@pytest.mark.parametrize(
    ("affirming", "denying"),
    [(("C",), ("B",)), ((None,), ("C",)), (("B", None), ("A", "C"))],
    ids=["C-vs-B", "unrated-vs-C", "two-each-best-B-vs-A"],
)
def test_a_tie_is_broken_by_the_deniers_better_grade(affirming, denying):
    grade, reasons = evidence_grade(sources(*affirming), sources(*denying))

    assert grade == Credibility.IMPROBABLE
    assert reasons[-1].startswith("E2:")
    assert "the deniers better rated" in reasons[-1]


@pytest.mark.parametrize(
    ("affirming", "denying"),
    # only the best grade on each side breaks a tie
    [(("B",), ("B",)), ((None,), (None,)), (("A",), ("C",)), (("A", None), ("A", "B"))],
    ids=["B-vs-B", "unrated-vs-unrated", "affirmers-better-rated", "two-each-same-best"],
)
def test_an_unbroken_tie_makes_a_claim_doubtful(affirming, denying):
    grade, reasons = evidence_grade(sources(*affirming), sources(*denying))

    assert grade == Credibility.DOUBTFUL
    assert reasons[-1].startswith("E3:")


@pytest.mark.parametrize(
    "affirming", [("A", "C"), ("B", "B", None), ("C", "C", "E")], ids=["A-C", "B-B-unrated", "C-C-E"]
)
def test_two_independent_sources_rated_a_to_c_confirm_a_claim(affirming):
    grade, reasons = evidence_grade(sources(*affirming), [])

    assert grade == Credibility.CONFIRMED
    assert reasons[-1].startswith("E4:")


@pytest.mark.parametrize(
    "affirming", [("B", None), (None, None), ("C", "F")], ids=["B-unrated", "unrated-unrated", "C-rated-F"]
)
def test_two_independent_sources_fewer_than_two_rated_a_to_c_make_a_claim_probably_true(affirming):
    grade, reasons = evidence_grade(sources(*affirming), [])

    assert grade == Credibility.PROBABLY_TRUE
    assert reasons[-1].startswith("E5: 2 independent sources affirm it, fewer than two rated A–C")


@pytest.mark.parametrize("rating", ["A", "B"])
def test_one_source_rated_a_or_b_makes_a_claim_probably_true(rating):
    grade, reasons = evidence_grade([source(rating)], [])

    assert grade == Credibility.PROBABLY_TRUE
    assert reasons[-1].startswith(f"E5: one independent source affirms it, rated {rating}")


@pytest.mark.parametrize("rating", ["C", "F", None], ids=["C", "rated-F", "unrated"])
def test_one_source_rated_c_or_worse_but_counted_makes_a_claim_possibly_true(rating):
    grade, reasons = evidence_grade([source(rating)], [])

    assert grade == Credibility.POSSIBLY_TRUE
    assert reasons[-1].startswith("E6:")


@pytest.mark.parametrize(
    ("affirming", "denying", "branch", "expected", "label"),
    [
        (("A", "B", "C"), (None,), "E4:", Credibility.PROBABLY_TRUE, "probably true"),
        (("B", None, None), ("A",), "E5:", Credibility.POSSIBLY_TRUE, "possibly true"),
        (("A", None, None), ("C", "C"), "E5:", Credibility.POSSIBLY_TRUE, "possibly true"),
    ],
    ids=["E4-1-to-2", "E5-2-to-3", "E5-2-to-3-two-deny"],
)
def test_fewer_independent_deniers_move_a_claim_one_step_down(affirming, denying, branch, expected, label):
    grade, reasons = evidence_grade(sources(*affirming), sources(*denying))

    assert grade == expected
    assert reasons[-2].startswith(branch)
    assert reasons[-1].startswith("E7:")
    assert reasons[-1].endswith(f"one step down, to {label}.")


def test_a_lone_c_rated_source_with_a_denier_is_a_tie_and_so_doubtful():
    # E7 needs fewer deniers than affirmers, so it never follows E6 (one affirmer): one denier is a tie
    affirming, denying = [source("C")], [source("C")]

    grade, reasons = evidence_grade(affirming, denying)

    assert grade == Credibility.DOUBTFUL
    assert reasons[-1].startswith("E3:")


# Step 3: editorial status


@pytest.mark.parametrize("grade", [Credibility.CONFIRMED, Credibility.CANNOT_BE_JUDGED])
def test_a_refuted_claim_is_improbable_whatever_its_evidence(grade):
    new, reason = status_grade(grade, Status.REFUTED)

    assert new == Credibility.IMPROBABLE
    assert reason.startswith("S1:")


@pytest.mark.parametrize("grade", [Credibility.CONFIRMED, Credibility.IMPROBABLE])
def test_an_unverifiable_claim_cannot_be_judged_whatever_its_evidence(grade):
    new, reason = status_grade(grade, Status.UNVERIFIABLE)

    assert new == Credibility.CANNOT_BE_JUDGED
    assert reason.startswith("S2:")


@pytest.mark.parametrize(
    "grade",
    [Credibility.POSSIBLY_TRUE, Credibility.DOUBTFUL, Credibility.IMPROBABLE, Credibility.CANNOT_BE_JUDGED],
)
def test_a_corroborated_claim_is_at_least_probably_true(grade):
    new, reason = status_grade(grade, Status.CORROBORATED)

    assert new == Credibility.PROBABLY_TRUE
    assert reason.startswith("S3:")


@pytest.mark.parametrize(
    "grade", [Credibility.CONFIRMED, Credibility.PROBABLY_TRUE, Credibility.POSSIBLY_TRUE]
)
def test_a_disputed_claim_is_doubtful_at_best(grade):
    new, reason = status_grade(grade, Status.DISPUTED)

    assert new == Credibility.DOUBTFUL
    assert reason.startswith("S4:")


@pytest.mark.parametrize(
    ("grade", "status"),
    [
        (Credibility.CONFIRMED, Status.CORROBORATED),
        (Credibility.PROBABLY_TRUE, Status.CORROBORATED),
        (Credibility.DOUBTFUL, Status.DISPUTED),
        (Credibility.IMPROBABLE, Status.DISPUTED),
        (Credibility.CANNOT_BE_JUDGED, Status.DISPUTED),
        (Credibility.CONFIRMED, Status.UNREVIEWED),
        (Credibility.CANNOT_BE_JUDGED, Status.UNREVIEWED),
    ],
    ids=[
        "corroborated-at-1",
        "corroborated-at-2",
        "disputed-at-4",
        "disputed-at-5",
        "disputed-at-6",
        "unreviewed-at-1",
        "unreviewed-at-6",
    ],
)
def test_an_unreviewed_claim_or_a_verdict_the_evidence_agrees_with_keeps_its_grade(grade, status):
    new, reason = status_grade(grade, status)

    assert new == grade
    # no verdict, no reason; a verdict the grade already agrees with is said
    if status == Status.UNREVIEWED:
        assert reason is None
    else:
        assert reason.startswith(f"S5: an editor has marked it {status}")


@pytest.mark.parametrize(
    ("affirming", "status", "expected"),
    [
        (("A", "B"), Status.UNREVIEWED, Credibility.CONFIRMED),
        (("A", "B"), Status.REFUTED, Credibility.IMPROBABLE),
        ((), Status.CORROBORATED, Credibility.PROBABLY_TRUE),
        (("A",), Status.DISPUTED, Credibility.DOUBTFUL),
    ],
    ids=["evidence-alone", "refuted", "corroborated", "disputed"],
)
def test_a_claims_standing_is_its_evidence_grade_after_the_editors_verdict(affirming, status, expected):
    standing = standing_grade(sources(*affirming), [], status)

    assert standing == expected


# Step 2: conflicts, weighed standing against standing


@pytest.mark.parametrize(
    ("grade", "standing", "other", "expected", "label"),
    [
        (
            Credibility.POSSIBLY_TRUE,
            Credibility.POSSIBLY_TRUE,
            Credibility.CONFIRMED,
            Credibility.IMPROBABLE,
            "improbable",
        ),
        (
            Credibility.POSSIBLY_TRUE,
            Credibility.POSSIBLY_TRUE,
            Credibility.PROBABLY_TRUE,
            Credibility.IMPROBABLE,
            "improbable",
        ),
        # evidence says probably true, an editor's dispute puts its standing at doubtful
        (
            Credibility.PROBABLY_TRUE,
            Credibility.DOUBTFUL,
            Credibility.POSSIBLY_TRUE,
            Credibility.DOUBTFUL,
            "doubtful",
        ),
    ],
    ids=["other-confirmed", "other-probably-true", "other-possibly-true"],
)
def test_a_better_supported_contradiction_makes_a_claim_improbable_or_doubtful(
    grade, standing, other, expected, label
):
    new, reasons, weighed = conflict_grade(grade, standing, [contradicting(other)])

    assert new == expected
    assert len(reasons) == 1
    assert reasons[0].startswith("C2:")
    assert reasons[0].endswith(f"{label} at best.")
    assert weighed[0]["weighed"] == "better supported"


@pytest.mark.parametrize(
    "standing", [Credibility.CONFIRMED, Credibility.PROBABLY_TRUE, Credibility.POSSIBLY_TRUE]
)
def test_an_equally_supported_contradiction_makes_a_claim_doubtful(standing):
    new, reasons, weighed = conflict_grade(standing, standing, [contradicting(standing)])

    assert new == Credibility.DOUBTFUL
    assert reasons[0].startswith("C3:")
    assert weighed[0]["weighed"] == "equally supported"


@pytest.mark.parametrize(
    ("standing", "other"),
    [(Credibility.CONFIRMED, Credibility.PROBABLY_TRUE), (Credibility.PROBABLY_TRUE, Credibility.IMPROBABLE)],
    ids=["1-vs-2", "2-vs-5"],
)
def test_a_less_supported_contradiction_is_not_held_against_a_claim(standing, other):
    new, reasons, weighed = conflict_grade(standing, standing, [contradicting(other)])

    assert new == standing
    assert reasons[0].startswith("C4:")
    assert weighed[0]["weighed"] == "not better supported"


@pytest.mark.parametrize(
    ("standing", "other"),
    [
        (Credibility.IMPROBABLE, Credibility.DOUBTFUL),
        (Credibility.CANNOT_BE_JUDGED, Credibility.DOUBTFUL),
        (Credibility.DOUBTFUL, Credibility.DOUBTFUL),
        (Credibility.CANNOT_BE_JUDGED, Credibility.IMPROBABLE),
    ],
    ids=["5-vs-4", "6-vs-4", "4-vs-4", "6-vs-5"],
)
def test_a_doubtful_or_worse_contradiction_is_never_held_against_a_claim_even_a_worse_one(standing, other):
    new, reasons, weighed = conflict_grade(standing, standing, [contradicting(other)])

    assert new == standing
    assert reasons[0].startswith("C4:")
    assert weighed[0]["weighed"] == "not better supported"


def test_the_worst_of_several_contradictions_wins():
    conflicts = [
        contradicting(Credibility.POSSIBLY_TRUE),  # C3: doubtful
        contradicting(Credibility.DOUBTFUL),  # C4: not held against it
        contradicting(Credibility.PROBABLY_TRUE),  # C2: improbable
    ]

    grade, reasons, _ = conflict_grade(Credibility.POSSIBLY_TRUE, Credibility.POSSIBLY_TRUE, conflicts)

    assert grade == Credibility.IMPROBABLE
    assert [reason[:3] for reason in reasons] == ["C2:", "C3:", "C4:"]


def test_weighed_contradictions_are_listed_best_supported_first_then_by_claim():
    conflicts = [
        Conflict(claim_id=30, statement="Kunar is held by al-Qaeda.", standing=Credibility.DOUBTFUL),
        Conflict(claim_id=20, statement="طالبان لم تقطع علاقاتها", standing=Credibility.POSSIBLY_TRUE),
        Conflict(claim_id=10, statement="The break was announced.", standing=Credibility.POSSIBLY_TRUE),
        Conflict(claim_id=40, statement="The envoy denied it.", standing=Credibility.CONFIRMED),
    ]

    _, _, weighed = conflict_grade(Credibility.PROBABLY_TRUE, Credibility.PROBABLY_TRUE, conflicts)

    assert weighed == [
        {"claim": 40, "statement": "The envoy denied it.", "grade": 1, "weighed": "better supported"},
        {"claim": 10, "statement": "The break was announced.", "grade": 3, "weighed": "not better supported"},
        {"claim": 20, "statement": "طالبان لم تقطع علاقاتها", "grade": 3, "weighed": "not better supported"},
        {
            "claim": 30,
            "statement": "Kunar is held by al-Qaeda.",
            "grade": 4,
            "weighed": "not better supported",
        },
    ]


# The three steps together


def test_a_claim_nothing_contradicts_is_graded_on_evidence_and_status_alone():
    assessment = assess(affirming=sources("A", "B"), denying=[], status=Status.UNREVIEWED, conflicts=[])

    assert assessment.grade == Credibility.CONFIRMED
    assert [reason[:3] for reason in assessment.reasons] == ["E4:"]
    assert assessment.conflicts == []  # C1


def test_assess_takes_evidence_then_conflicts_then_the_editors_verdict():
    # a lone C-rated source (3), corroborated (standing 2), contradicted by an equal claim (4)
    conflict = contradicting(Credibility.PROBABLY_TRUE, claim_id=7)

    assessment = assess(affirming=[source("C")], denying=[], status=Status.CORROBORATED, conflicts=[conflict])

    assert assessment.grade == Credibility.PROBABLY_TRUE  # the editor has the last word
    # the standing it is weighed at is said before the conflicts are
    assert [reason[:3] for reason in assessment.reasons] == ["E6:", "C0:", "C3:", "S3:"]
    assert assessment.conflicts == [
        {"claim": 7, "statement": "Claim 7", "grade": 2, "weighed": "equally supported"}
    ]


def test_assess_weighs_a_contradiction_against_the_claims_standing_not_its_evidence():
    # confirmed by its evidence, but disputed: its standing (4) is worse than the other claim's (2)
    conflict = contradicting(Credibility.PROBABLY_TRUE)

    assessment = assess(affirming=sources("A", "B"), denying=[], status=Status.DISPUTED, conflicts=[conflict])

    assert assessment.grade == Credibility.IMPROBABLE
    assert [reason[:3] for reason in assessment.reasons] == ["E4:", "C0:", "C2:", "S5:"]
    assert assessment.reasons[1].startswith("C0: weighed against the claims contradicting it as doubtful")
    assert assessment.conflicts[0]["weighed"] == "better supported"


def test_assess_does_not_hold_a_doubtful_contradiction_against_an_improbable_claim():
    conflict = contradicting(Credibility.DOUBTFUL)

    assessment = assess(
        affirming=[source("C")], denying=sources("C", "B"), status=Status.UNREVIEWED, conflicts=[conflict]
    )

    assert assessment.grade == Credibility.IMPROBABLE
    assert [reason[:3] for reason in assessment.reasons] == ["E2:", "C4:"]
    assert assessment.conflicts[0]["weighed"] == "not better supported"


def test_a_claim_without_counted_sources_is_improbable_when_a_confirmed_claim_contradicts_it():
    conflict = contradicting(Credibility.CONFIRMED)

    assessment = assess(affirming=[], denying=[], status=Status.UNREVIEWED, conflicts=[conflict])

    assert [reason[:3] for reason in assessment.reasons] == ["E1:", "C2:"]
    assert assessment.grade == Credibility.IMPROBABLE
