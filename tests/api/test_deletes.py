"""Deleting and moving through the API: a 409 for what is still referred to; touched claims regrade."""

from __future__ import annotations

import pytest

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.claims.signals import claims_changed
from apps.documents.models import Document
from apps.entities.models import Entity


@pytest.fixture
def changed():
    """Every `claims_changed` sent while the test runs, as (sender, claim ids)."""
    sent = []

    def receive(sender, claim_ids, **kwargs):
        sent.append((sender, sorted(claim_ids)))

    claims_changed.connect(receive)
    yield sent
    claims_changed.disconnect(receive)


def test_an_entity_that_speaks_a_quote_cannot_be_deleted(
    editor_api_client, make_attestation, make_entity, assert_documented
):
    speaker = make_entity("الأمم المتحدة")
    make_attestation(speaker=speaker)

    response = editor_api_client.delete(f"/api/v1/entities/{speaker.pk}/")

    assert response.status_code == 409
    assert "1 attestations refer to it" in response.json()["detail"]
    assert_documented(response)
    assert Entity.objects.filter(pk=speaker.pk).exists()


def test_a_document_with_quotes_cannot_be_deleted(editor_api_client, make_attestation):
    attestation = make_attestation()

    response = editor_api_client.delete(f"/api/v1/documents/{attestation.document_id}/")

    assert response.status_code == 409
    assert "document cannot be deleted" in response.json()["detail"]
    assert Document.objects.filter(pk=attestation.document_id).exists()


def test_an_outlet_with_documents_cannot_be_deleted(editor_api_client, make_document, make_entity):
    outlet = make_entity("الجزيرة", kind=Entity.Kind.OUTLET)
    make_document(outlet=outlet)

    response = editor_api_client.delete(f"/api/v1/entities/{outlet.pk}/")

    assert response.status_code == 409
    assert "1 documents" in response.json()["detail"]


def test_an_entity_nothing_refers_to_is_deleted(editor_api_client, make_entity):
    entity = make_entity("Nobody")

    response = editor_api_client.delete(f"/api/v1/entities/{entity.pk}/")

    assert response.status_code == 204
    assert not Entity.objects.filter(pk=entity.pk).exists()


def test_deleting_a_claim_tells_the_claims_it_was_related_to(editor_api_client, make_claim, changed):
    doomed, neighbour, bystander = make_claim("doomed"), make_claim("neighbour"), make_claim("bystander")
    ClaimRelation.objects.create(kind=ClaimRelation.Kind.CONTRADICTS, from_claim=doomed, to_claim=neighbour)

    response = editor_api_client.delete(f"/api/v1/claims/{doomed.pk}/")

    assert response.status_code == 204
    assert changed == [(Claim, [neighbour.pk])]
    assert bystander.pk not in changed[0][1]


def test_deleting_a_quote_recomputes_its_claim(editor_api_client, make_attestation, changed):
    attestation = make_attestation()

    response = editor_api_client.delete(f"/api/v1/attestations/{attestation.pk}/")

    assert response.status_code == 204
    assert not Attestation.objects.exists()
    assert changed == [(Attestation, [attestation.claim_id])]


def test_deleting_a_relation_recomputes_both_claims(editor_api_client, make_claim, changed):
    one, other = make_claim("one"), make_claim("other")
    relation = ClaimRelation.objects.create(kind=ClaimRelation.Kind.SUPPORTS, from_claim=one, to_claim=other)

    response = editor_api_client.delete(f"/api/v1/relations/{relation.pk}/")

    assert response.status_code == 204
    assert changed == [(ClaimRelation, sorted([one.pk, other.pk]))]


def test_moving_a_quote_to_another_claim_regrades_both(
    editor_api_client, make_attestation, make_claim, changed
):
    attestation, other = make_attestation(), make_claim("other")

    response = editor_api_client.patch(
        f"/api/v1/attestations/{attestation.pk}/", {"claim": other.pk}, format="json"
    )

    assert response.status_code == 200, response.content
    assert changed == [(Attestation, sorted([attestation.claim_id, other.pk]))]


def test_moving_a_relation_regrades_the_claims_it_left(editor_api_client, make_claim, changed):
    one, two, three = make_claim("one"), make_claim("two"), make_claim("three")
    relation = ClaimRelation.objects.create(kind=ClaimRelation.Kind.SUPPORTS, from_claim=one, to_claim=two)

    response = editor_api_client.patch(
        f"/api/v1/relations/{relation.pk}/", {"to_claim": three.pk}, format="json"
    )

    assert response.status_code == 200, response.content
    assert changed == [(ClaimRelation, sorted([one.pk, two.pk, three.pk]))]
