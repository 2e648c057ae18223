"""Two editors, one claim: the second save of a stale form is refused and nothing is overwritten."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models.signals import pre_save
from django.test import Client

from apps.accounts.roles import EDITOR
from apps.claims.models import Attestation, Claim
from apps.claims.services import claims_set_status
from apps.core.models import VersionConflict
from apps.documents.models import Document
from tests.admin.forms import claim_form


@pytest.fixture
def two_editors(db, django_user_model):
    clients = []
    for name in ("alice", "badria"):
        user = django_user_model.objects.create_user(
            username=name, password="pw-for-tests-only", is_staff=True
        )
        user.groups.add(Group.objects.get(name=EDITOR))
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def test_the_change_page_carries_the_version_it_was_opened_at(two_editors, make_claim):
    claim = make_claim()

    page = two_editors[0].get(f"/admin/claims/claim/{claim.pk}/change/")

    assert page.context["adminform"].form["version_seen"].value() == claim.version == 1
    assert 'name="version_seen"' in page.content.decode()


def test_the_second_editor_to_save_a_stale_form_is_refused_and_the_first_edit_stays(two_editors, make_claim):
    alice, badria = two_editors
    claim = make_claim()
    url = f"/admin/claims/claim/{claim.pk}/change/"
    opened = claim_form(claim)  # both open version 1

    first = alice.post(url, {**opened, "status_note": "Alice: two UN reports agree."})
    second = badria.post(url, {**opened, "status_note": "Badria: Pompeo says otherwise."})

    claim.refresh_from_db()
    assert first.status_code == 302
    assert second.status_code == 200
    assert "Someone else saved this claim after you opened it" in second.content.decode()
    assert (claim.status_note, claim.version) == ("Alice: two UN reports agree.", 2)


def test_a_save_that_loses_the_race_after_its_check_changes_nothing(two_editors, make_claim):
    alice, _ = two_editors
    claim = make_claim()
    opened = claim_form(claim, status_note="Alice's note")

    def someone_else_saves_first(sender, instance, **kwargs):
        # between Alice's form check and her UPDATE, another editor's save lands
        pre_save.disconnect(someone_else_saves_first, sender=Claim)
        Claim.objects.filter(pk=instance.pk).update(status_note="The other editor's note", version=2)

    pre_save.connect(someone_else_saves_first, sender=Claim)
    try:
        response = alice.post(f"/admin/claims/claim/{claim.pk}/change/", opened, follow=True)
    finally:
        pre_save.disconnect(someone_else_saves_first, sender=Claim)

    claim.refresh_from_db()
    assert "while you were saving yours" in response.content.decode()
    # the admin's transaction rolled back whole (here it also held the other editor's update)
    assert (claim.status_note, claim.version) == ("", 1)


def test_a_bulk_status_change_makes_a_form_opened_before_it_stale(two_editors, make_claim):
    alice, _ = two_editors
    claim = make_claim()
    opened = claim_form(claim)

    claims_set_status(claim_ids=[claim.pk], status=Claim.Status.DISPUTED, note="Checked.")
    response = alice.post(f"/admin/claims/claim/{claim.pk}/change/", {**opened, "status": "corroborated"})

    claim.refresh_from_db()
    assert response.status_code == 200
    assert claim.status == Claim.Status.DISPUTED


def test_a_stale_copy_of_a_row_cannot_be_saved_over_a_newer_one(make_attestation):
    attestation = make_attestation()
    stale = Attestation.objects.get(pk=attestation.pk)
    attestation.note = "first"
    attestation.save()

    stale.note = "second"
    with pytest.raises(VersionConflict), transaction.atomic():
        stale.save()

    attestation.refresh_from_db()
    assert (attestation.note, attestation.version) == ("first", 2)


def test_every_save_is_a_new_version(make_claim):
    claim = make_claim()

    claim.save()
    claim.save(update_fields=["status_note"])

    claim.refresh_from_db()
    assert claim.version == 3


def _new_document_form(client, **fields) -> dict:
    """What the document add page posts: its fields, and each inline formset empty."""
    page = client.get("/admin/documents/document/add/")
    data = {"kind": "news_article", "language": "ar", "version_seen": "", **fields}
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


@pytest.mark.django_db(transaction=True)
def test_a_document_saved_as_another_editor_saves_the_same_body_gets_the_duplicate_error(two_editors):
    alice, _ = two_editors
    body = "قال المتحدث إن الحركة لم تتشاور مع أحد."
    form = _new_document_form(alice, title="الثاني", body=body)

    def another_editor_saves_the_same_text_first(sender, instance, **kwargs):
        # between Alice's form check and her INSERT, the other editor's save commits
        pre_save.disconnect(another_editor_saves_the_same_text_first, sender=Document)
        competitor = threading.Thread(target=_create_document, args=("الأول", body))
        competitor.start()
        competitor.join()

    pre_save.connect(another_editor_saves_the_same_text_first, sender=Document, weak=False)
    try:
        response = alice.post("/admin/documents/document/add/", form)
    finally:
        pre_save.disconnect(another_editor_saves_the_same_text_first, sender=Document)

    winner = Document.objects.get()
    assert response.status_code == 200  # the form again, with the error on its body
    assert f"This text is already document #{winner.pk} «الأول»." in response.content.decode()


def _create_document(title: str, body: str) -> None:
    try:
        Document.objects.create(title=title, language="ar", body=body)
    finally:
        connection.close()
