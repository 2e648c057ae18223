"""History is undoable: a row set back to an event, a deleted claim restored whole."""

from __future__ import annotations

import pghistory
import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from apps.accounts.roles import CONSUMER
from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.claims.services import claim_restore, document_replace_body
from apps.core.history import event_revert


def claim_events(pk):
    return list(Claim.pgh_event_model.objects.filter(pgh_obj_id=pk).order_by("pgh_id"))


@pytest.fixture
def deleted_claim(make_claim, make_attestation, make_document):
    claim = make_claim(statement="The Taliban broke with al-Qaeda.")
    first = make_attestation(claim=claim)
    second = make_attestation(claim=claim, quote="القاعدة ما زالت في كونار", document=make_document())
    other = make_claim(statement="They did not.")
    relation = ClaimRelation.objects.create(kind="contradicts", from_claim=claim, to_claim=other)
    ids = {
        "claim": claim.pk,
        "attestations": {first.pk: (first.start, first.end), second.pk: (second.start, second.end)},
    }
    ids["relation"], ids["other"] = relation.pk, other.pk
    with pghistory.context(command="test-delete"):
        claim.delete()
    return ids


def test_an_edited_claim_is_set_back_as_a_new_version(make_claim, editor):
    claim = make_claim(statement="Old words.")
    claim.statement = "New words."
    claim.save()
    insert = claim_events(claim.pk)[0]

    reverted = event_revert(event=insert, by=editor)

    claim.refresh_from_db()
    assert claim.statement == "Old words." and reverted.pk == claim.pk
    assert claim.version == 3
    events = claim_events(claim.pk)
    assert [e.pgh_label for e in events] == ["insert", "update", "update"]
    assert events[-1].statement == "Old words."
    assert events[-1].pgh_context.metadata["user"] == editor.pk


def test_a_deleted_claim_comes_back_with_its_attestations_and_relation(deleted_claim, editor):
    claim = claim_restore(claim_id=deleted_claim["claim"], by=editor)

    claim.refresh_from_db()
    assert claim.statement == "The Taliban broke with al-Qaeda."
    offsets = {a.pk: (a.start, a.end) for a in Attestation.objects.filter(claim=claim)}
    assert offsets == deleted_claim["attestations"]
    for attestation in Attestation.objects.filter(claim=claim):
        assert attestation.document.body[attestation.start : attestation.end] == attestation.quote
    relation = ClaimRelation.objects.get(pk=deleted_claim["relation"])
    assert (relation.from_claim_id, relation.to_claim_id) == (claim.pk, deleted_claim["other"])
    # the grade was recomputed: the explanation the regrade writes is there again
    assert claim.credibility_explanation != {}


def test_restoring_a_claim_that_exists_is_refused(make_claim):
    claim = make_claim()
    with pytest.raises(ValidationError, match="exists"):
        claim_restore(claim_id=claim.pk)


def test_a_revert_that_no_longer_validates_is_refused_and_writes_nothing(make_attestation):
    attestation = make_attestation(note="first")
    attestation.note = "second"
    attestation.save()
    insert = Attestation.pgh_event_model.objects.filter(pgh_obj_id=attestation.pk).order_by("pgh_id")[0]
    # the body changes under the quote: it moves, so the old offsets no longer hold it
    document_replace_body(document=attestation.document, body="تمهيد. " + attestation.document.body)
    before = Attestation.pgh_event_model.objects.count(), Claim.pgh_event_model.objects.count()

    with pytest.raises(ValidationError, match="cannot be set back"):
        event_revert(event=insert)

    attestation.refresh_from_db()
    assert attestation.note == "second"
    assert (Attestation.pgh_event_model.objects.count(), Claim.pgh_event_model.objects.count()) == before


def test_the_admin_revert_page_sets_a_claim_back_for_an_editor(make_claim, editor_client):
    claim = make_claim(statement="Old words.")
    claim.statement = "New words."
    claim.save()
    insert = claim_events(claim.pk)[0]
    url = f"/admin/claims/claim/{claim.pk}/revert/"

    page = editor_client.get(url)
    response = editor_client.post(url, {"event": f"claims.ClaimEvent:{insert.pk}"})

    assert page.status_code == 200 and b"Revert to this version" in page.content
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.statement == "Old words."


@pytest.mark.parametrize("path", ["entities/entity", "documents/document", "claims/attestation"])
def test_the_other_revert_pages_open_for_an_editor(make_attestation, editor_client, path):
    attestation = make_attestation()
    pk = {"entities/entity": None, "documents/document": attestation.document_id}.get(path, attestation.pk)
    if pk is None:
        from apps.entities.models import Entity

        pk = Entity.objects.create(name="UN", kind="organization").pk
    assert editor_client.get(f"/admin/{path}/{pk}/revert/").status_code == 200


def test_the_admin_restore_page_restores_a_claim_for_an_editor(deleted_claim, editor_client):
    page = editor_client.get("/admin/claims/claim/deleted/")
    response = editor_client.post("/admin/claims/claim/deleted/", {"claim": deleted_claim["claim"]})

    assert page.status_code == 200 and b"The Taliban broke with al-Qaeda." in page.content
    assert response.status_code == 302
    assert Attestation.objects.filter(claim_id=deleted_claim["claim"]).count() == 2


@pytest.fixture
def consumer(db, django_user_model):
    user = django_user_model.objects.create_user(username="test-consumer", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=CONSUMER))
    return user


@pytest.mark.parametrize("who", ["fact_checker", "consumer"])
def test_revert_and_restore_are_refused_to_others(request, client, deleted_claim, make_claim, who):
    client.force_login(request.getfixturevalue(who))
    claim = make_claim()
    event = claim_events(claim.pk)[0]

    revert = client.post(
        f"/admin/claims/claim/{claim.pk}/revert/", {"event": f"claims.ClaimEvent:{event.pk}"}
    )
    restore = client.post("/admin/claims/claim/deleted/", {"claim": deleted_claim["claim"]})

    assert (revert.status_code, restore.status_code) == (403, 403)
    assert not Claim.objects.filter(pk=deleted_claim["claim"]).exists()


@pytest.mark.parametrize("who, linked", [("editor", True), ("fact_checker", False)])
def test_the_history_page_posts_to_the_revert_page_for_editors_only(request, client, make_claim, who, linked):
    client.force_login(request.getfixturevalue(who))
    claim = make_claim()

    page = client.get(f"/admin/claims/claim/{claim.pk}/history/")

    assert page.status_code == 200
    assert (f'action="/admin/claims/claim/{claim.pk}/revert/"' in page.content.decode()) is linked


@pytest.mark.parametrize("who, linked", [("editor", True), ("fact_checker", False)])
def test_the_claim_list_links_to_the_deleted_claims_for_editors_only(request, client, who, linked):
    client.force_login(request.getfixturevalue(who))

    page = client.get("/admin/claims/claim/")

    assert page.status_code == 200
    assert ('href="/admin/claims/claim/deleted/"' in page.content.decode()) is linked
