"""A claim's JSON is built from plain rows (apps/api/v1/claim_json.py) for speed: it must be what
the serializers the rest of the API uses would say, field for field, for every claim of the seed."""

from __future__ import annotations

import pytest
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from apps.api.v1 import filters, serializers
from apps.api.v1.throttles import CountedRateThrottle
from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.credibility.services import credibility_recompute

# parts of a claim that are not one column of its row: each is compared below on its own
INLINE = {
    "subjects",
    "attestations",
    "relations",
    "dates",
    "credibility",
    "assignee",
    "search_rank",
    "highlight",
}


def _expected_relations(claim: Claim, *, drafts: bool) -> list[dict]:
    shown = []
    for direction, own, other in (
        ("outgoing", "from_claim", "to_claim"),
        ("incoming", "to_claim", "from_claim"),
    ):
        for relation in ClaimRelation.objects.filter(**{own: claim}).select_related(other):
            neighbour = getattr(relation, other)
            if drafts or neighbour.publication == Claim.Publication.PUBLISHED:
                shown.append(
                    {
                        "id": relation.pk,
                        "kind": relation.kind,
                        "direction": direction,
                        "claim": {
                            "id": neighbour.pk,
                            "statement": neighbour.statement,
                            "status": neighbour.status,
                        },
                        "note": relation.note,
                    }
                )
    return shown


def _assert_claim_json_is_the_serializers(shown: dict, *, drafts: bool) -> None:
    claim = Claim.objects.get(pk=shown["id"])
    read = serializers.ClaimReadSerializer(claim)

    assert list(shown) == serializers.ClaimReadSerializer.Meta.fields
    for name, declared in read.fields.items():
        if name not in INLINE:
            value = declared.get_attribute(claim)
            assert shown[name] == (None if value is None else declared.to_representation(value)), name
    assert shown["subjects"] == serializers.EntityRefSerializer(claim.subjects.all(), many=True).data
    # the quotes, as the attestations endpoint shows each of them, by document and place
    quotes = (
        Attestation.objects.filter(claim=claim)
        .select_related("document__outlet", "speaker", "origin_entity", "origin_document")
        .order_by("document_id", "start", "id")
    )
    assert shown["attestations"] == serializers.AttestationReadSerializer(quotes, many=True).data
    assert shown["credibility"] == serializers.CredibilitySerializer(claim).data
    assert sorted(shown["relations"], key=lambda r: r["id"]) == sorted(
        _expected_relations(claim, drafts=drafts), key=lambda r: r["id"]
    )


@pytest.mark.parametrize("role", ["reader", "editor"])
def test_every_seed_claim_in_the_list_is_what_the_serializers_say(seed, api_client, editor_api_client, role):
    client = editor_api_client if role == "editor" else api_client

    listed = client.get("/api/v1/claims/", {"page_size": 200}).json()["results"]

    visible = Claim.objects.all() if role == "editor" else Claim.objects.published()
    assert len(listed) == visible.count() > 100
    for shown in listed:
        _assert_claim_json_is_the_serializers(shown, drafts=role == "editor")


def test_a_claim_detail_is_what_the_serializers_say(seed, api_client):
    claim = Claim.objects.filter(relations_out__isnull=False).published().first()

    shown = api_client.get(f"/api/v1/claims/{claim.pk}/").json()

    _assert_claim_json_is_the_serializers(shown, drafts=False)
    assert shown["relations"]


@pytest.mark.parametrize("role", ["reader", "editor"])
def test_every_seed_claim_s_detail_is_its_entry_in_the_list(
    seed, api_client, editor_api_client, role, monkeypatch
):
    """A detail reads its parts with its row (`claims_with_inline`), a page in a query of its own
    (`claims_inline`): the same SQL, the same JSON, a draft related claim shown only to an editor."""
    monkeypatch.setattr(CountedRateThrottle, "allow_request", lambda self, request, view: True)
    client = editor_api_client if role == "editor" else api_client
    listed = client.get("/api/v1/claims/", {"page_size": 200}).json()["results"]

    details = [client.get(f"/api/v1/claims/{shown['id']}/").json() for shown in listed]

    assert details == listed
    related = [relation["claim"]["id"] for shown in details for relation in shown["relations"]]
    drafts = Claim.objects.filter(pk__in=related, publication=Claim.Publication.DRAFT)
    assert drafts.exists() == (role == "editor")


def test_a_stored_explanation_missing_fields_is_shown_with_their_defaults(seed, api_client):
    claim = (
        Claim.objects.published()
        .filter(credibility_explanation__independent_affirming__0__isnull=False)
        .first()
    )
    explanation = claim.credibility_explanation
    for root in explanation["independent_affirming"]:
        for optional in ("members", "interested", "hedged", "pair", "reliability"):
            root.pop(optional, None)
        root["not_in_the_schema"] = "cut"
    for optional in ("opinions", "supported_by", "changes_over_time"):
        explanation.pop(optional, None)
    Claim.objects.filter(pk=claim.pk).update(credibility_explanation=explanation)
    claim.refresh_from_db()

    shown = api_client.get(f"/api/v1/claims/{claim.pk}/").json()["credibility"]

    assert shown == serializers.CredibilitySerializer(claim).data
    root = shown["independent_affirming"][0]
    assert (root["members"], root["interested"], root["hedged"], root["pair"], root["reliability"]) == (
        [],
        False,
        False,
        None,
        None,
    )
    assert "not_in_the_schema" not in root
    assert (shown["opinions"], shown["supported_by"], shown["changes_over_time"]) == ([], [], [])


def test_a_claim_never_graded_says_so(make_claim, api_client):
    claim = make_claim("Written outside the services.", publication=Claim.Publication.PUBLISHED)
    Claim.objects.filter(pk=claim.pk).update(credibility_explanation={})

    shown = api_client.get(f"/api/v1/claims/{claim.pk}/").json()["credibility"]

    assert shown["reasons"] == ["Not graded yet."] and shown["pair"] == f"F{shown['grade']}"
    credibility_recompute(claim_ids=[claim.pk])
    assert api_client.get(f"/api/v1/claims/{claim.pk}/").json()["credibility"]["reasons"] != [
        "Not graded yet."
    ]


def test_the_json_written_is_byte_for_byte_what_drf_s_renderer_writes(seed, api_client):
    claim = Claim.objects.published().first()
    Claim.objects.filter(pk=claim.pk).update(status_note="a line\u2028and a paragraph\u2029end")

    response = api_client.get("/api/v1/claims/", {"page_size": 50})

    assert response.content == DRFJSONRenderer().render(response.data)
    assert b"\\u2028" in response.content and "\u2028".encode() not in response.content


def test_an_indented_answer_is_still_indented(seed, api_client):
    response = api_client.get("/api/v1/claims/", {"page_size": 1}, HTTP_ACCEPT="application/json; indent=2")

    assert response.content.startswith(b'{\n  "')


def test_a_list_that_names_no_filter_builds_no_filter_form(seed, api_client, monkeypatch):
    built = []
    original = filters.ClaimFilter.__init__
    monkeypatch.setattr(
        filters.ClaimFilter, "__init__", lambda self, *a, **k: built.append(1) or original(self, *a, **k)
    )

    plain = api_client.get("/api/v1/claims/", {"page_size": 5, "unknown": "ignored"})
    refused = api_client.get("/api/v1/claims/", {"status": "no-such-status"})

    assert plain.status_code == 200 and refused.status_code == 400
    assert len(built) == 1  # for the request that named a filter only


def test_an_empty_choice_of_ids_is_not_evaluated(seed, api_client, monkeypatch):
    asked = []
    monkeypatch.setattr(
        filters.ClaimFilter, "filter_subject", lambda self, qs, name, value: asked.append(1) or qs
    )

    response = api_client.get("/api/v1/claims/", {"status": "unreviewed", "page_size": 5})

    assert response.status_code == 200 and asked == []
