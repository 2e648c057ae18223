"""Credibility through the API: a claim's grade and why, filters and ordering on it, ratings that move
it, entities' reliability and track records, and drafts that never show through an explanation."""

from __future__ import annotations

import datetime
import re

import pytest

from apps.claims.models import Claim, ClaimRelation, Credibility
from apps.credibility.models import SourceRating
from apps.credibility.services import credibility_recompute
from apps.entities.models import Entity

TALIBAN_CLOSE = "The relationship between the Taliban and al-Qaeda remains close."
POMPEO_BROKE = "The Taliban have succeeded in breaking with terrorist groups."
# every reason opens with the branch of the rule that gave it: E1–E7, C1–C4, S1–S5
BRANCH = re.compile(r"[ECS][0-7]: ")


def result_ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def result_names(response, key: str) -> list[str]:
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


def on(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(tzinfo=datetime.UTC)


# --- one claim ----------------------------------------------------------------------------


def test_a_claim_carries_its_grade_and_the_explanation_of_it(seed, api_client):
    pompeo = Claim.objects.get(statement=POMPEO_BROKE)
    close = Claim.objects.get(statement=TALIBAN_CLOSE)

    response = api_client.get(f"/api/v1/claims/{pompeo.pk}/")

    assert response.status_code == 200
    credibility = response.json()["credibility"]
    assert set(credibility) == {
        "grade",
        "label",
        "pair",
        "opinions",
        "changes_over_time",
        "supported_by",
        "independent_affirming",
        "independent_denying",
        "attestation_count",
        "conflicts",
        "reasons",
        "regrading",
    }
    assert (credibility["grade"], credibility["label"]) == (Credibility.IMPROBABLE, "improbable")
    assert credibility["regrading"] is False  # nothing queued: the grade is current
    assert credibility["attestation_count"] == 1
    [root] = credibility["independent_affirming"]
    # Pompeo speaks for the US government: the family is the root, he its member
    # the family takes its member's rating here: Pompeo's F, reliability cannot be judged
    assert (root["root"]["name"], root["reliability"], root["counted"]) == ("United States", "F", True)
    assert root["members"] == [{"id": root["members"][0]["id"], "name": "Mike Pompeo"}]
    assert (credibility["pair"], root["pair"], root["interested"]) == ("F5", "F5", False)
    assert credibility["independent_denying"] == []
    assert {
        "claim": close.pk,
        "statement": TALIBAN_CLOSE,
        "grade": Credibility.CONFIRMED,
        "weighed": "better supported",
    } in credibility["conflicts"]
    assert [c["weighed"] for c in credibility["conflicts"]] == ["better supported"] * 3
    # the worked example of docs/credibility.md: evidence, then conflicts best first, then the status
    coded = [reason for reason in credibility["reasons"] if BRANCH.match(reason)]
    assert [reason.split(":")[0] for reason in coded] == ["E6", "C0", "C2", "C2", "C2", "S5"]
    assert coded[0] == "E6: one independent source affirms it: United States (F)."
    assert (
        f"C2: contradicted by #{close.pk}, better supported (confirmed by independent sources): "
        "improbable at best." in coded
    )


def test_every_reason_of_a_claim_opens_with_its_branch_code(seed, api_client):
    pompeo = Claim.objects.get(statement=POMPEO_BROKE)

    reasons = api_client.get(f"/api/v1/claims/{pompeo.pk}/").json()["credibility"]["reasons"]

    assert reasons, "a grade always says why"
    assert [reason for reason in reasons if not BRANCH.match(reason)] == []


# --- filters ------------------------------------------------------------------------------


@pytest.fixture
def graded(make_claim) -> dict[int, Claim]:
    """One published claim at each grade 1 to 6, and a draft graded 1 that no reader may find.

    The grades are written straight into the column: these tests are about the filters, not the rule.
    """
    claims = {grade: make_claim(f"Graded {grade}.") for grade in Credibility.values}
    draft = make_claim("A confirmed draft.", publication=Claim.Publication.DRAFT)
    for grade, claim in [*claims.items(), (Credibility.CONFIRMED, draft)]:
        Claim.objects.filter(pk=claim.pk).update(credibility=grade)
    return claims


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("credibility=2", {2}),
        ("credibility=1", {1}),
        ("credibility=1&credibility=5", {1, 5}),
        ("min_credibility=4", {4, 5, 6}),
        ("min_credibility=1", {1, 2, 3, 4, 5, 6}),
        ("max_credibility=2", {1, 2}),
        ("max_credibility=6", {1, 2, 3, 4, 5, 6}),
        ("min_credibility=2&max_credibility=3", {2, 3}),
        ("min_credibility=3&max_credibility=3", {3}),
        ("credibility=2&credibility=3&max_credibility=2", {2}),
    ],
)
def test_a_credibility_filter_returns_exactly_the_claims_of_those_grades(api_client, graded, query, expected):
    response = api_client.get("/api/v1/claims/?" + query)

    assert result_ids(response) == {graded[grade].pk for grade in expected}


def test_the_credibility_filter_finds_claims_by_the_grade_their_evidence_gives_them(
    api_client, make_entity, make_claim, make_attestation
):
    # graded by the rule itself: one unrated speaker affirms it (E6), or nothing attests it (E1)
    attested = make_claim("Al-Qaeda is in Kunar.")
    make_attestation("القاعدة ما زالت في كونار", claim=attested, speaker=make_entity("The Soufan Group"))
    unattested = make_claim("Al-Qaeda has left Kunar.")
    credibility_recompute(claim_ids=[attested.pk, unattested.pk])

    possibly_true = api_client.get("/api/v1/claims/?credibility=3")
    cannot_be_judged = api_client.get("/api/v1/claims/?credibility=6")

    assert result_ids(possibly_true) == {attested.pk}
    assert result_ids(cannot_be_judged) == {unattested.pk}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("credibility=7", "credibility"),
        ("credibility=0", "credibility"),
        ("credibility=doubtful", "credibility"),
        ("credibility=2&credibility=7", "credibility"),
        ("min_credibility=abc", "min_credibility"),
        ("min_credibility=0", "min_credibility"),
        ("max_credibility=7", "max_credibility"),
        ("max_credibility=2.5", "max_credibility"),
        ("ordering=credibilty", "ordering"),
    ],
)
def test_a_malformed_credibility_query_is_a_400_naming_the_parameter(
    api_client, make_claim, query, parameter
):
    make_claim()

    response = api_client.get("/api/v1/claims/?" + query)

    assert response.status_code == 400, response.content
    assert parameter in response.json()


# --- ordering -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        # ties (b and a, both 3) end on id whichever way the grade runs
        ("credibility", ["c", "b", "a", "d"]),
        ("-credibility", ["d", "b", "a", "c"]),
    ],
)
def test_claims_are_ordered_by_their_grade_number(api_client, make_claim, ordering, expected):
    # only the order is under test: the grades are written straight into the column
    for statement, grade in [("b", 3), ("c", 1), ("a", 3), ("d", 6)]:
        Claim.objects.filter(pk=make_claim(statement).pk).update(credibility=grade)

    response = api_client.get(f"/api/v1/claims/?ordering={ordering}")

    assert result_names(response, "statement") == expected


# --- ratings ------------------------------------------------------------------------------


def test_a_fact_checkers_rating_regrades_the_claims_resting_on_the_entity(
    fact_checker_client, api_client, make_entity, make_claim, make_attestation
):
    soufan = make_entity("The Soufan Group")
    claim = make_claim("Al-Qaeda is in Kunar.")
    make_attestation("القاعدة ما زالت في كونار", claim=claim, speaker=soufan)
    credibility_recompute(claim_ids=[claim.pk])
    before = api_client.get(f"/api/v1/claims/{claim.pk}/").json()["credibility"]

    rated = fact_checker_client.post(
        "/api/v1/source-ratings/",
        {"entity": soufan.pk, "grade": "A", "rationale": "Its Kunar reporting has held up."},
        format="json",
    )

    assert rated.status_code == 201, rated.content
    after = api_client.get(f"/api/v1/claims/{claim.pk}/").json()["credibility"]
    assert (before["grade"], before["label"]) == (Credibility.POSSIBLY_TRUE, "possibly true")
    assert (after["grade"], after["label"]) == (Credibility.PROBABLY_TRUE, "probably true")
    [root] = after["independent_affirming"]
    assert (root["root"]["id"], root["reliability"]) == (soufan.pk, "A")
    assert after["reasons"] == [
        "E5: one independent source affirms it, rated A: The Soufan Group (A).",
    ]


# --- entities -----------------------------------------------------------------------------


def test_an_entity_shows_its_latest_rating_even_when_an_older_one_was_added_later(api_client, make_entity):
    soufan = make_entity("The Soufan Group")
    SourceRating.objects.create(entity=soufan, grade="C", rationale="Thin record.", rated_at=on("2022-01-10"))
    SourceRating.objects.create(
        entity=soufan, grade="B", rationale="Right on Kunar.", rated_at=on("2024-03-01")
    )
    # back-dated: added last, but not the latest judgement
    SourceRating.objects.create(entity=soufan, grade="E", rationale="Old doubts.", rated_at=on("2023-05-05"))

    response = api_client.get(f"/api/v1/entities/{soufan.pk}/")

    assert response.status_code == 200
    reliability = response.json()["reliability"]
    assert (reliability["grade"], reliability["rationale"]) == ("B", "Right on Kunar.")
    assert datetime.datetime.fromisoformat(reliability["rated_at"]) == on("2024-03-01")


def test_an_entity_never_rated_has_no_grade_and_a_neutral_track_record(api_client, make_entity):
    entity = make_entity("Afghan officials (unnamed)")

    response = api_client.get(f"/api/v1/entities/{entity.pk}/")

    assert response.json()["reliability"] == {
        "grade": None,
        "rationale": None,
        "rated_at": None,
        "track_record": {"affirmed": 0, "corroborated": 0, "refuted": 0, "sample_size": 0, "score": 0.5},
    }


def test_a_claim_an_entity_affirmed_and_a_fact_checker_corroborated_counts_in_its_track_record(
    api_client, fact_checker_client, make_entity, make_claim, make_attestation
):
    soufan = make_entity("The Soufan Group")
    claim = make_claim("Al-Qaeda is in Kunar.")
    make_attestation("القاعدة ما زالت في كونار", claim=claim, speaker=soufan, stance="affirms")
    credibility_recompute(claim_ids=[claim.pk])  # as the services do after an attestation is saved

    verdict = fact_checker_client.patch(
        f"/api/v1/claims/{claim.pk}/", {"status": Claim.Status.CORROBORATED}, format="json"
    )

    assert verdict.status_code == 200, verdict.content
    track_record = api_client.get(f"/api/v1/entities/{soufan.pk}/").json()["reliability"]["track_record"]
    assert track_record == pytest.approx(
        {"affirmed": 1, "corroborated": 1, "refuted": 0, "sample_size": 1, "score": 2 / 3}
    )


def test_a_draft_an_entity_affirmed_is_left_out_of_its_track_record(
    api_client, make_entity, make_claim, make_attestation
):
    soufan = make_entity("The Soufan Group")
    published = make_claim("Al-Qaeda is in Kunar.", status=Claim.Status.CORROBORATED)
    draft = make_claim(
        "Al-Qaeda trains in Kunar.", status=Claim.Status.REFUTED, publication=Claim.Publication.DRAFT
    )
    for claim in (published, draft):
        make_attestation("القاعدة ما زالت في كونار", claim=claim, speaker=soufan)
    credibility_recompute(claim_ids=[published.pk, draft.pk])

    response = api_client.get(f"/api/v1/entities/{soufan.pk}/")

    # a count over drafts would tell any reader that drafts exist
    assert response.json()["reliability"]["track_record"] == pytest.approx(
        {"affirmed": 1, "corroborated": 1, "refuted": 0, "sample_size": 1, "score": 2 / 3}
    )


def test_entities_ordered_by_reliability_put_a_before_c_before_the_unrated(api_client, make_entity):
    # names chosen against the id order, so the unrated are seen to end on id, not on name
    unrated_first = make_entity("Zalmay Khalilzad", kind=Entity.Kind.PERSON)
    fairly = make_entity("Independent Arabia", kind=Entity.Kind.OUTLET)
    completely = make_entity("UN Monitoring Team")
    unrated_last = make_entity("Afghan officials (unnamed)")
    SourceRating.objects.create(entity=fairly, grade="A", rationale="Was right.", rated_at=on("2021-01-01"))
    SourceRating.objects.create(entity=fairly, grade="C", rationale="Less so.", rated_at=on("2023-01-01"))
    SourceRating.objects.create(entity=completely, grade="A", rationale="Always right.")

    response = api_client.get("/api/v1/entities/?ordering=reliability")

    assert result_names(response, "id") == [completely.pk, fairly.pk, unrated_first.pk, unrated_last.pk]


# --- drafts -------------------------------------------------------------------------------


def test_a_draft_contradicting_a_published_claim_is_not_in_its_explanation(
    consumer_client, make_entity, make_claim, make_attestation
):
    published = make_claim("The Taliban broke with al-Qaeda.")
    draft = make_claim("Al-Qaeda is in Kunar.", publication=Claim.Publication.DRAFT)
    make_attestation(claim=published, speaker=make_entity("Mike Pompeo", kind=Entity.Kind.PERSON))
    make_attestation("القاعدة ما زالت في كونار", claim=draft, speaker=make_entity("The Soufan Group"))
    ClaimRelation.objects.create(kind=ClaimRelation.Kind.CONTRADICTS, from_claim=published, to_claim=draft)
    credibility_recompute(claim_ids=[published.pk, draft.pk])

    response = consumer_client.get(f"/api/v1/claims/{published.pk}/")

    assert response.status_code == 200
    credibility = response.json()["credibility"]
    assert credibility["conflicts"] == []
    assert not [reason for reason in credibility["reasons"] if f"#{draft.pk}" in reason]
    # equally supported (E6 each): weighed, the draft would have made it doubtful (C3)
    assert credibility["grade"] == Credibility.POSSIBLY_TRUE


def test_a_contradicting_claim_sent_back_to_draft_leaves_the_explanation(
    consumer_client, editor_api_client, make_entity, make_claim, make_attestation
):
    claim = make_claim("The Taliban broke with al-Qaeda.")
    withdrawn = make_claim("Al-Qaeda is in Kunar.")
    make_attestation(claim=claim, speaker=make_entity("Mike Pompeo", kind=Entity.Kind.PERSON))
    make_attestation("القاعدة ما زالت في كونار", claim=withdrawn, speaker=make_entity("The Soufan Group"))
    ClaimRelation.objects.create(kind=ClaimRelation.Kind.CONTRADICTS, from_claim=claim, to_claim=withdrawn)
    credibility_recompute(claim_ids=[claim.pk, withdrawn.pk])
    claim.refresh_from_db()
    assert [c["claim"] for c in claim.credibility_explanation["conflicts"]] == [withdrawn.pk]

    unpublished = editor_api_client.patch(
        f"/api/v1/claims/{withdrawn.pk}/", {"publication": Claim.Publication.DRAFT}, format="json"
    )

    assert unpublished.status_code == 200, unpublished.content
    credibility = consumer_client.get(f"/api/v1/claims/{claim.pk}/").json()["credibility"]
    assert credibility["conflicts"] == []
    assert not [reason for reason in credibility["reasons"] if f"#{withdrawn.pk}" in reason]
    assert credibility["grade"] == Credibility.POSSIBLY_TRUE


# --- queries ------------------------------------------------------------------------------


@pytest.mark.parametrize("ordering", ["name", "reliability"])
@pytest.mark.parametrize("page_size", [1, 50])
def test_the_entity_list_with_reliability_runs_four_queries_for_one_row_as_for_fifty(
    seed, api_client, django_assert_num_queries, page_size, ordering
):
    # 1 count
    # 2 entities, each with its current rating and track record as subqueries of the same query
    #   (which the reliability ordering sorts on)
    # 3 aliases  4 the entities each draws on
    with django_assert_num_queries(4):
        response = api_client.get("/api/v1/entities/", {"page_size": page_size, "ordering": ordering})

    assert response.status_code == 200
    assert len(response.json()["results"]) == min(page_size, response.json()["count"])
