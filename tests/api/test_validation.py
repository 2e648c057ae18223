"""The model's rules through the API: each refusal is a 400 with the field's error; nothing is written."""

from __future__ import annotations

import pytest

from apps.claims.models import ClaimRelation
from apps.credibility.models import SourceRating
from apps.documents.models import Document
from tests.conftest import BODY

KUNAR = "القاعدة ما زالت في كونار"


@pytest.fixture
def claim_and_document(make_claim, make_document):
    return make_claim(), make_document()


def post_attestation(client, claim_and_document, **fields):
    claim, document = claim_and_document
    return client.post(
        "/api/v1/attestations/", {"claim": claim.pk, "document": document.pk, **fields}, format="json"
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"quote": "داعش خراسان"}, "quote"),
        ({"quote": KUNAR, "start": len(BODY), "end": len(BODY) + len(KUNAR)}, "start"),
        ({"quote": KUNAR, "start": 5000}, "start"),
        (
            {"quote": KUNAR, "start": BODY.index(KUNAR) + 1, "end": BODY.index(KUNAR) + 1 + len(KUNAR)},
            "quote",
        ),
        ({"quote": KUNAR, "start": 0, "end": len(KUNAR)}, "quote"),
        ({"quote": "القاعدة"}, "start"),
    ],
    ids=[
        "quote-not-in-body",
        "offsets-past-the-end",
        "start-out-of-range",
        "offsets-one-off",
        "offsets-of-other-text",
        "ambiguous-quote-without-start",
    ],
)
def test_an_unanchorable_quote_is_a_400_on_its_field_and_writes_nothing(
    row_counts, editor_api_client, claim_and_document, fields, field
):
    before = row_counts()

    response = post_attestation(editor_api_client, claim_and_document, **fields)

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert row_counts() == before


def test_the_ambiguous_quote_error_offers_every_start(editor_api_client, claim_and_document):
    starts = [BODY.index("القاعدة"), BODY.rindex("القاعدة")]

    response = post_attestation(editor_api_client, claim_and_document, quote="القاعدة")

    message = response.json()["start"][0]
    assert all(f"start={at}" in message for at in starts)


def test_an_ambiguous_quote_with_its_start_is_anchored(editor_api_client, claim_and_document):
    second = BODY.rindex("القاعدة")

    response = post_attestation(editor_api_client, claim_and_document, quote="القاعدة", start=second)

    assert response.status_code == 201, response.content
    assert (response.json()["start"], response.json()["end"]) == (second, second + len("القاعدة"))


def test_a_claim_related_to_itself_is_a_400_and_writes_nothing(row_counts, editor_api_client, make_claim):
    claim = make_claim()
    before = row_counts()

    response = editor_api_client.post(
        "/api/v1/relations/",
        {"kind": "supports", "from_claim": claim.pk, "to_claim": claim.pk},
        format="json",
    )

    assert response.status_code == 400
    assert "to_claim" in response.json()
    assert row_counts() == before


def test_a_contradiction_entered_the_other_way_round_is_a_duplicate(
    row_counts, editor_api_client, make_claim
):
    first, second = make_claim("A"), make_claim("B")
    ClaimRelation.objects.create(kind=ClaimRelation.Kind.CONTRADICTS, from_claim=first, to_claim=second)
    before = row_counts()

    response = editor_api_client.post(
        "/api/v1/relations/",
        {"kind": "contradicts", "from_claim": second.pk, "to_claim": first.pk},
        format="json",
    )

    assert response.status_code == 400
    assert "already exists" in response.json()["non_field_errors"][0]
    assert row_counts() == before


def test_a_grade_outside_a_to_f_is_a_400_and_writes_nothing(editor_api_client, make_entity):
    entity = make_entity()

    response = editor_api_client.post(
        "/api/v1/source-ratings/", {"entity": entity.pk, "grade": "G", "rationale": "r"}, format="json"
    )

    assert response.status_code == 400
    assert "grade" in response.json()
    assert not SourceRating.objects.exists()


@pytest.mark.parametrize(
    ("url", "payload"),
    [
        ("/api/v1/relations/", {"kind": "denies", "from_claim": "{a}", "to_claim": "{b}"}),
        ("/api/v1/entities/", {"kind": "tribe", "name": "Haqqani"}),
        ("/api/v1/documents/", {"kind": "tweet", "title": "t", "language": "ar", "body": BODY}),
    ],
    ids=["relation", "entity", "document"],
)
def test_an_unknown_kind_is_a_400_and_writes_nothing(row_counts, editor_api_client, make_claim, url, payload):
    a, b = make_claim("A"), make_claim("B")
    payload = {k: v.format(a=a.pk, b=b.pk) for k, v in payload.items()}
    before = row_counts()

    response = editor_api_client.post(url, payload, format="json")

    assert response.status_code == 400
    assert "kind" in response.json()
    assert row_counts() == before


def test_an_alias_without_a_name_is_a_400_in_a_patch_too(editor_api_client, make_entity, row_counts):
    entity = make_entity()
    before = row_counts()

    response = editor_api_client.patch(
        f"/api/v1/entities/{entity.pk}/", {"aliases": [{"language": "en"}]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"aliases": {"0": {"name": ["This field is required."]}}}
    assert row_counts() == before


def test_a_document_date_precision_without_a_date_is_a_400_on_published(editor_api_client):
    response = editor_api_client.post(
        "/api/v1/documents/",
        {"title": "t", "language": "ar", "body": BODY, "published_precision": "year"},
        format="json",
    )

    assert response.status_code == 400
    assert "published" in response.json()
    assert not Document.objects.exists()
