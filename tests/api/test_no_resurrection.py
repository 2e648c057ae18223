"""A write racing a delete never brings the row back: an UPDATE that finds no row is an error."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models.signals import pre_save

from apps.claims.models import Claim, ClaimRelation
from apps.core.models import RowDeleted


@pytest.fixture
def deleted_just_before_saving():
    """Delete the row about to be saved, as a DELETE that commits first would."""
    connected = []

    def arm(model):
        def delete_first(sender, instance, **kwargs):
            pre_save.disconnect(delete_first, sender=model)
            model._base_manager.filter(pk=instance.pk).delete()

        pre_save.connect(delete_first, sender=model, weak=False)
        connected.append((delete_first, model))

    yield arm
    for receiver, model in connected:
        pre_save.disconnect(receiver, sender=model)


def test_a_stale_copy_of_a_deleted_claim_cannot_be_saved_back(make_claim):
    claim = make_claim()
    stale = Claim.objects.get(pk=claim.pk)
    claim.delete()

    stale.status_note = "x"
    with pytest.raises(RowDeleted), transaction.atomic():
        stale.save()

    assert not Claim.objects.filter(pk=stale.pk).exists()


def test_a_stale_copy_of_a_deleted_relation_cannot_be_saved_back(make_claim):
    relation = ClaimRelation.objects.create(
        from_claim=make_claim("One."), to_claim=make_claim("Two."), kind=ClaimRelation.Kind.SUPPORTS
    )
    stale = ClaimRelation.objects.get(pk=relation.pk)
    relation.delete()

    stale.note = "x"
    with pytest.raises(RowDeleted), transaction.atomic():
        stale.save()

    assert not ClaimRelation.objects.exists()


def test_a_new_row_given_the_id_of_a_deleted_one_is_still_inserted(make_claim):
    claim = make_claim("Restored.")
    pk = claim.pk
    claim.delete()

    Claim(pk=pk, statement="Restored.", publication=Claim.Publication.PUBLISHED).save()

    assert Claim.objects.get(pk=pk).statement == "Restored."


def test_an_api_patch_that_finds_its_claim_deleted_is_a_404_and_inserts_nothing(
    editor_api_client, make_claim, deleted_just_before_saving
):
    claim = make_claim()
    url = f"/api/v1/claims/{claim.pk}/"
    etag = editor_api_client.get(url).headers["ETag"]
    deleted_just_before_saving(Claim)

    response = editor_api_client.patch(url, {"status_note": "x"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 404
    assert "deleted" in response.json()["detail"]
    # the request's transaction rolled back whole: the delete made inside it too, and no insert
    assert Claim.objects.get(pk=claim.pk).version == 1


def test_an_api_patch_that_finds_its_relation_deleted_is_a_404(
    editor_api_client, make_claim, deleted_just_before_saving
):
    relation = ClaimRelation.objects.create(
        from_claim=make_claim("One."), to_claim=make_claim("Two."), kind=ClaimRelation.Kind.SUPPORTS
    )
    deleted_just_before_saving(ClaimRelation)

    response = editor_api_client.patch(f"/api/v1/relations/{relation.pk}/", {"note": "x"}, format="json")

    assert response.status_code == 404
