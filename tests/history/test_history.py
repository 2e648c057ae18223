"""Every change to the curated rows is recorded, with who made it; the server's own rewrites are not."""

from __future__ import annotations

import pghistory
import pytest
from django.db import connection

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.core.history import object_history
from apps.credibility.models import SourceRating
from apps.credibility.services import credibility_recompute
from apps.documents.models import Document
from apps.entities.models import Alias, Entity
from apps.entities.services import entity_merge


def events(model, pk) -> list[tuple[str, int | None]]:
    """(label, user id) of every event of one row, oldest first."""
    rows = (
        model.pgh_event_model.objects.filter(pgh_obj_id=pk).select_related("pgh_context").order_by("pgh_id")
    )
    return [(e.pgh_label, e.pgh_context.metadata.get("user") if e.pgh_context else None) for e in rows]


def form_data(response) -> dict:
    """The POST an editor's browser would send back unchanged from an admin change or add page."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
        forms.extend(formset.initial_forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


@pytest.fixture
def rows(make_entity, make_attestation, make_claim, editor):
    attestation = make_attestation()
    entity = make_entity(name="القاعدة")
    return {
        Entity: entity,
        Alias: Alias.objects.create(entity=entity, name="al-Qaeda", language="en"),
        Document: attestation.document,
        Claim: attestation.claim,
        Attestation: attestation,
        ClaimRelation: ClaimRelation.objects.create(
            kind="contradicts", from_claim=attestation.claim, to_claim=make_claim(statement="B")
        ),
        # on an entity of its own: the admin deletes no entity with ratings (a grade is history)
        SourceRating: SourceRating.objects.create(
            entity=make_entity(name="UN"), grade="B", rationale="record"
        ),
    }


# model → (its admin change page, or its parent's for an inline; the field to edit; the new value)
ADMIN_EDITS = {
    Entity: ("entities/entity/{pk}", "description", "Salafi-jihadist network"),
    Document: ("documents/document/{pk}", "title", "مقال جديد"),
    Claim: ("claims/claim/{pk}", "status_note", "checked"),
    Attestation: ("claims/attestation/{pk}", "note", "the spokesman's words"),
    ClaimRelation: ("claims/claimrelation/{pk}", "note", "they disagree"),
}


@pytest.mark.parametrize("model", ADMIN_EDITS, ids=lambda m: m.__name__)
def test_an_admin_edit_and_delete_are_recorded_with_the_editor(rows, editor_client, editor, model):
    row = rows[model]
    page, field, value = ADMIN_EDITS[model]
    url = "/admin/" + page.format(pk=row.pk)
    if model is Document:  # a document in use cannot be deleted: free it first
        Attestation.objects.filter(document=row).delete()
    data = {**form_data(editor_client.get(url + "/change/")), field: value}

    changed = editor_client.post(url + "/change/", data)
    deleted = editor_client.post(url + "/delete/", {"post": "yes"})

    assert changed.status_code == 302, changed.context["errors"] if changed.context else changed
    assert deleted.status_code == 302
    assert events(model, row.pk) == [("insert", None), ("update", editor.pk), ("delete", editor.pk)]


def test_adding_an_entity_with_an_alias_in_the_admin_records_both_inserts(editor_client, editor):
    data = form_data(editor_client.get("/admin/entities/entity/add/"))
    data.update(
        {"name": "طالبان", "kind": "organization", "aliases-0-name": "Taliban", "aliases-0-language": "en"}
    )

    response = editor_client.post("/admin/entities/entity/add/", data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    entity = Entity.objects.get(name="طالبان")
    assert events(Entity, entity.pk) == [("insert", editor.pk)]
    assert events(Alias, entity.aliases.get().pk) == [("insert", editor.pk)]


def test_a_rating_added_in_the_admin_and_deleted_with_its_entity_is_recorded(rows, editor_client, editor):
    entity = rows[Entity]
    data = {**form_data(editor_client.get("/admin/credibility/sourcerating/add/")), "entity": entity.pk}
    data.update({"grade": "C", "rationale": "mixed record"})

    response = editor_client.post("/admin/credibility/sourcerating/add/", data)
    rating = SourceRating.objects.get(entity=entity)
    entity.delete()  # ratings are never edited nor deleted by hand: they go with their entity

    assert response.status_code == 302, response.context["errors"] if response.context else response
    # (the delete's user is the request's too here: pytest runs the test in one transaction, and
    # pghistory's context variables live until the transaction's end)
    assert [label for label, _ in events(SourceRating, rating.pk)] == ["insert", "delete"]
    assert events(SourceRating, rating.pk)[0] == ("insert", editor.pk)


def test_an_alias_edited_and_deleted_inline_is_recorded(rows, editor_client, editor):
    alias = rows[Alias]
    url = f"/admin/entities/entity/{alias.entity_id}/change/"
    data = form_data(editor_client.get(url))
    index = next(k for k, v in data.items() if k.endswith("-id") and v == alias.pk).split("-")[1]

    editor_client.post(url, {**data, f"aliases-{index}-name": "al-Qa'ida"})
    editor_client.post(url, {**form_data(editor_client.get(url)), f"aliases-{index}-DELETE": "on"})

    assert events(Alias, alias.pk) == [("insert", None), ("update", editor.pk), ("delete", editor.pk)]


def test_a_bulk_update_and_raw_sql_are_recorded(rows):
    claim = rows[Claim]

    Claim.objects.filter(pk=claim.pk).update(status="disputed")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claim SET status_note = 'raw' WHERE id = %s", [claim.pk])
        cursor.execute("DELETE FROM entities_alias WHERE id = %s", [rows[Alias].pk])

    assert events(Claim, claim.pk) == [("insert", None), ("update", None), ("update", None)]
    assert events(Alias, rows[Alias].pk) == [("insert", None), ("delete", None)]


def test_a_script_names_its_user_with_a_history_context(rows, editor):
    with pghistory.context(user=editor.pk, command="fix_statuses"):
        Claim.objects.filter(pk=rows[Claim].pk).update(status="refuted")

    assert events(Claim, rows[Claim].pk)[-1] == ("update", editor.pk)


def test_regrades_search_vectors_and_version_bumps_record_nothing(rows):
    claim, entity, document = rows[Claim], rows[Entity], rows[Document]
    before = {model: len(events(model, rows[model].pk)) for model in (Claim, Entity, Document)}

    SourceRating.objects.create(entity=entity, grade="E", rationale="new record")  # its own insert event
    credibility_recompute(claim_ids=[claim.pk])
    Claim.objects.filter(pk=claim.pk).update(credibility=2, credibility_explanation={"x": 1})
    Alias.objects.create(entity=entity, name="قاعدة الجهاد")  # rewrites the entity's search vector
    Attestation.objects.filter(pk=rows[Attestation].pk).update(note="n")  # rewrites the claim's
    claim.refresh_from_db()
    claim.save()  # an unchanged save: only `version` and `updated` move
    document.save()

    assert {model: len(events(model, rows[model].pk)) for model in (Claim, Entity, Document)} == before


def test_the_snapshots_leave_out_the_server_columns():
    claim_fields = {f.name for f in Claim.pgh_event_model._meta.fields}

    assert claim_fields.isdisjoint(
        {
            "search_vector",
            "version",
            "updated",
            "credibility",
            "credibility_explanation",
            "credibility_sources",
        }
    )
    assert {"statement", "status", "publication", "created_by"} <= claim_fields


def test_a_claims_history_lists_its_attestations_and_the_fields_each_change_changed(
    rows, editor_client, editor
):
    claim, attestation = rows[Claim], rows[Attestation]
    editor_client.post(f"/admin/claims/attestation/{attestation.pk}/delete/", {"post": "yes"})
    with pghistory.context(user=editor.pk):
        Claim.objects.filter(pk=claim.pk).update(status="corroborated")

    history = object_history(obj=claim, parts=[Attestation])

    assert [(e.model, e.event) for e in history] == [
        ("claim", "insert"),
        ("attestation", "insert"),
        ("attestation", "delete"),
        ("claim", "update"),
    ]
    assert history[-1].changes == {"status": ["unreviewed", "corroborated"]}
    assert history[-1].username == editor.username
    assert history[2].changes["quote"] == [attestation.quote, None]
    assert history[2].url == f"/admin/claims/attestation/{attestation.pk}/delete/"


def test_a_change_page_links_to_its_history_which_names_the_editor(rows, editor_client, editor):
    claim = rows[Claim]
    editor_client.post(
        f"/admin/claims/claim/{claim.pk}/change/",
        {**form_data(editor_client.get(f"/admin/claims/claim/{claim.pk}/change/")), "status_note": "checked"},
    )

    history_url = f"/admin/claims/claim/{claim.pk}/history/"

    page = editor_client.get(f"/admin/claims/claim/{claim.pk}/change/")
    history = editor_client.get(history_url)

    assert f'href="{history_url}"' in page.content.decode()
    assert history.status_code == 200
    assert editor.username in history.content.decode() and "checked" in history.content.decode()


def test_merging_entities_records_the_moves_and_leaves_each_ones_history_on_it(make_entity, make_attestation):
    kept, dup = make_entity(name="Taliban"), make_entity(name="طالبان")
    attestation = make_attestation(speaker=dup)

    entity_merge(keep=kept, duplicate=dup)

    assert events(Entity, dup.pk) == [("insert", None), ("delete", None)]
    assert events(Entity, kept.pk) == [("insert", None)]  # its alias is a row of its own
    assert events(Attestation, attestation.pk) == [("insert", None), ("update", None)]
    moved = Attestation.pgh_event_model.objects.filter(pgh_obj_id=attestation.pk).order_by("pgh_id")
    assert [e.speaker_id for e in moved] == [dup.pk, kept.pk]


def test_only_a_request_that_may_write_opens_a_history_context(seed, editor_client, monkeypatch):
    """A GET or HEAD changes no row: opening pghistory's context for it (a context id, its metadata,
    a wrapper around every query) took a claim's detail 0.3 ms of its 2.4 for nothing. A POST,
    PUT, PATCH or DELETE still records its user and URL (the tests above)."""
    opened = []
    enter = pghistory.context.__enter__

    def counted(self):
        opened.append(self.metadata.get("url"))
        return enter(self)

    monkeypatch.setattr(pghistory.context, "__enter__", counted)
    claim = Claim.objects.published().first()

    editor_client.get(f"/api/v1/claims/{claim.pk}/")
    editor_client.head(f"/api/v1/claims/{claim.pk}/")
    editor_client.get(f"/admin/claims/claim/{claim.pk}/change/")
    editor_client.post("/admin/logout/")

    assert opened == ["/admin/logout/"]
