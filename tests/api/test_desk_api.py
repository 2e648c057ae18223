"""The desk through the API: recorded regrades (`GET /api/v1/regrades/`) and a claim's assignee."""

from __future__ import annotations

import pytest

from apps.claims.models import Claim, ClaimRelation
from apps.credibility.models import Regrade
from apps.credibility.services import credibility_recompute


@pytest.fixture
def graded(make_entity, make_claim, make_attestation):
    """A published claim affirmed by one source, graded once (its first grade: no move yet)."""
    soufan = make_entity("The Soufan Group")
    claim = make_claim("Al-Qaeda is in Kunar.", publication=Claim.Publication.PUBLISHED)
    make_attestation("القاعدة ما زالت في كونار", claim=claim, speaker=soufan)
    credibility_recompute(claim_ids=[claim.pk])
    return claim, soufan


def test_a_first_grade_is_not_a_regrade(graded):
    claim, _ = graded

    assert claim.regrades.count() == 0


def test_a_rating_that_moves_a_grade_is_listed_as_a_regrade_with_its_reason(
    graded, fact_checker_client, api_client
):
    claim, soufan = graded

    fact_checker_client.post(
        "/api/v1/source-ratings/",
        {"entity": soufan.pk, "grade": "A", "rationale": "Its Kunar reporting has held up."},
        format="json",
    )

    response = api_client.get("/api/v1/regrades/")
    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    assert (row["claim"], row["from"], row["to"]) == (claim.pk, 3, 2)
    assert row["claim_statement"] == "Al-Qaeda is in Kunar."
    assert row["reason"].startswith("E5:")
    assert row["at"]


def test_regrades_are_newest_first_and_filter_by_claim_and_since(graded, make_claim, api_client):
    claim, _ = graded
    other = make_claim("Al-Qaeda left Kunar.", publication=Claim.Publication.PUBLISHED)
    old = Regrade.objects.create(claim=other, from_grade=6, to_grade=3, reason="old")
    Regrade.objects.filter(pk=old.pk).update(at="2024-01-01T00:00:00Z")
    new = Regrade.objects.create(claim=claim, from_grade=3, to_grade=4, reason="new")

    every = api_client.get("/api/v1/regrades/").json()["results"]
    of_claim = api_client.get(f"/api/v1/regrades/?claim={other.pk}").json()["results"]
    since = api_client.get("/api/v1/regrades/?since=2025-01-01").json()["results"]
    since_time = api_client.get("/api/v1/regrades/?since=2023-12-31T23:00:00%2B00:00").json()["results"]

    assert [r["id"] for r in every] == [new.pk, old.pk]
    assert [r["id"] for r in of_claim] == [old.pk]
    assert [r["id"] for r in since] == [new.pk]
    assert [r["id"] for r in since_time] == [new.pk, old.pk]


@pytest.mark.parametrize("query", ["since=yesterday", "since=2024-13-01", "claim=abc", "claim=99999999"])
def test_a_bad_regrade_filter_is_a_400_naming_it(api_client, query, db):
    response = api_client.get(f"/api/v1/regrades/?{query}")

    assert response.status_code == 400, response.content
    assert query.split("=")[0] in response.json()


def test_a_drafts_regrades_are_only_for_those_who_see_drafts(make_claim, api_client, fact_checker_client):
    draft = make_claim("A draft.", publication=Claim.Publication.DRAFT)
    Regrade.objects.create(claim=draft, from_grade=6, to_grade=3, reason="x")

    assert api_client.get("/api/v1/regrades/").json()["results"] == []
    assert api_client.get(f"/api/v1/regrades/?claim={draft.pk}").status_code == 400
    assert len(fact_checker_client.get("/api/v1/regrades/").json()["results"]) == 1


def test_regrades_cannot_be_written(graded, editor_api_client):
    claim, _ = graded

    response = editor_api_client.post(
        "/api/v1/regrades/", {"claim": claim.pk, "from": 1, "to": 2}, format="json"
    )

    assert response.status_code == 405


def test_a_new_contradiction_regrades_and_is_recorded(
    graded, make_claim, make_attestation, editor_api_client
):
    claim, _ = graded
    denial = make_claim("Al-Qaeda is not in Kunar.", publication=Claim.Publication.PUBLISHED)
    make_attestation("طالبان قطعت علاقاتها مع القاعدة", claim=denial)
    credibility_recompute(claim_ids=[denial.pk])

    editor_api_client.post(
        "/api/v1/relations/",
        {"from_claim": claim.pk, "to_claim": denial.pk, "kind": ClaimRelation.Kind.CONTRADICTS},
        format="json",
    )

    moved = {r.claim_id: (r.from_grade, r.to_grade) for r in Regrade.objects.all()}
    claim.refresh_from_db()
    assert claim.pk in moved
    assert moved[claim.pk] == (3, claim.credibility)


# --- the assignee --------------------------------------------------------------------------------


def test_a_fact_checker_assigns_a_claim_to_themself_and_it_reads_as_id_and_name(
    graded, fact_checker, fact_checker_client
):
    claim, _ = graded
    etag = fact_checker_client.get(f"/api/v1/claims/{claim.pk}/")["ETag"]

    response = fact_checker_client.patch(
        f"/api/v1/claims/{claim.pk}/", {"assignee": fact_checker.pk}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 200, response.content
    shown = fact_checker_client.get(f"/api/v1/claims/{claim.pk}/").json()["assignee"]
    assert shown == {"id": fact_checker.pk, "name": fact_checker.get_username()}
    mine = fact_checker_client.get("/api/v1/claims/?assignee=me").json()["results"]
    assert [row["id"] for row in mine] == [claim.pk]


def test_an_editor_unassigns_a_claim(graded, fact_checker, editor_api_client):
    claim, _ = graded
    Claim.objects.filter(pk=claim.pk).update(assignee=fact_checker)
    etag = editor_api_client.get(f"/api/v1/claims/{claim.pk}/")["ETag"]

    response = editor_api_client.patch(
        f"/api/v1/claims/{claim.pk}/", {"assignee": None}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 200, response.content
    assert editor_api_client.get(f"/api/v1/claims/{claim.pk}/").json()["assignee"] is None


def test_only_an_editor_or_fact_checker_can_be_assigned(graded, consumer, editor_api_client):
    claim, _ = graded
    etag = editor_api_client.get(f"/api/v1/claims/{claim.pk}/")["ETag"]

    response = editor_api_client.patch(
        f"/api/v1/claims/{claim.pk}/", {"assignee": consumer.pk}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 400
    assert "editor or a fact-checker" in response.json()["assignee"][0]


@pytest.mark.parametrize("value", ["me", 1.5, "1e0", True, {"id": 1}, 99999999])
def test_a_bad_assignee_is_a_400(graded, editor_api_client, value):
    claim, _ = graded
    etag = editor_api_client.get(f"/api/v1/claims/{claim.pk}/")["ETag"]

    response = editor_api_client.patch(
        f"/api/v1/claims/{claim.pk}/", {"assignee": value}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 400, response.content
    assert "assignee" in response.json()


def test_readers_see_no_assignee_and_cannot_filter_on_it(graded, fact_checker, api_client):
    claim, _ = graded
    Claim.objects.filter(pk=claim.pk).update(assignee=fact_checker)

    assert api_client.get(f"/api/v1/claims/{claim.pk}/").json()["assignee"] is None
    assert api_client.get(f"/api/v1/claims/?assignee={fact_checker.pk}").json()["results"] == []


@pytest.mark.parametrize("value", ["someone", "-1", "1;drop"])
def test_a_bad_assignee_filter_is_a_400(editor_api_client, value, db):
    response = editor_api_client.get(f"/api/v1/claims/?assignee={value}")

    assert response.status_code == 400
    assert "assignee" in response.json()
