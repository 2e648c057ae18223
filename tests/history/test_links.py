"""Many-to-many links (a claim's subjects, a document's authors and citations) are history too:
recorded with who changed them, shown on the revert page, set back by a revert and a restore."""

from __future__ import annotations

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.claims.models import Claim, ClaimSubject
from apps.claims.services import claim_restore
from apps.core.history import LinkTimeline, event_revert, history_points
from apps.documents.models import Document, DocumentAuthor, DocumentCitation
from tests.admin.forms import claim_form


def link_events(proxy, **owner) -> list[tuple[str, int, int | None]]:
    rows = proxy.pgh_event_model.objects.filter(**owner).select_related("pgh_context").order_by("pgh_id")
    target = next(f.attname for f in proxy._meta.concrete_fields if f.name not in ("id", *owner))
    return [
        (e.pgh_label, getattr(e, target), e.pgh_context.metadata.get("user") if e.pgh_context else None)
        for e in rows
    ]


def outside_any_context() -> None:
    """What a new transaction with no `pghistory.context()` sees (a shell). pghistory keeps the
    context of a finished `with` block in a transaction-local setting, and a test is one
    transaction: clear it (an id that is no UUID reads as none)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pghistory.context_id', '', true)")


@pytest.fixture
def taliban_and_un(make_entity):
    return make_entity(name="طالبان"), make_entity(name="الأمم المتحدة")


def test_subjects_changed_in_the_admin_are_recorded_with_the_editor(
    editor_client, editor, make_claim, taliban_and_un
):
    taliban, un = taliban_and_un
    claim = make_claim()
    claim.subjects.add(taliban)
    url = f"/admin/claims/claim/{claim.pk}/change/"

    response = editor_client.post(url, claim_form(claim, subjects=[un.pk]))

    assert response.status_code == 302
    assert set(claim.subjects.values_list("pk", flat=True)) == {un.pk}
    assert link_events(ClaimSubject, claim=claim.pk) == [
        ("insert", taliban.pk, None),
        ("delete", taliban.pk, editor.pk),
        ("insert", un.pk, editor.pk),
    ]


def test_the_revert_page_lists_link_changes_and_sets_the_subjects_back(
    editor_client, make_claim, taliban_and_un
):
    taliban, un = taliban_and_un
    claim = make_claim(statement="Old words.")
    with pghistory.context(user=None):
        claim.subjects.add(taliban)
    with pghistory.context(user=None):
        claim.statement = "New words."
        claim.save()
        claim.subjects.set([un])
    added = ClaimSubject.pgh_event_model.objects.get(claim=claim, entity=taliban, pgh_label="insert")
    url = f"/admin/claims/claim/{claim.pk}/revert/"

    page = editor_client.get(url)
    response = editor_client.post(url, {"event": f"claims.ClaimSubjectEvent:{added.pk}"})

    html = page.content.decode()
    assert "subject «طالبان» added" in html and "subject «الأمم المتحدة» added" in html
    assert "<strong>subjects</strong> (changed)" in html
    assert "الأمم المتحدة" in html and "طالبان" in html
    assert response.status_code == 302
    claim.refresh_from_db()
    # the moment the Taliban were added: the old statement, the Taliban the only subject
    assert claim.statement == "Old words."
    assert list(claim.subjects.all()) == [taliban]


def test_reverting_to_a_version_brings_back_the_subjects_it_had(make_claim, editor, taliban_and_un):
    taliban, un = taliban_and_un
    with pghistory.context(request="create"):
        claim = make_claim(statement="Old words.")
        claim.subjects.add(taliban, un)
    with pghistory.context(request="edit"):
        claim.statement = "New words."
        claim.save()
        claim.subjects.remove(taliban)
    update = Claim.pgh_event_model.objects.filter(pgh_obj_id=claim.pk).order_by("pgh_id")

    event_revert(event=update[0], by=editor)  # the insert: its request added the two subjects

    assert set(claim.subjects.all()) == {taliban, un}
    event_revert(event=update[1], by=editor)  # the edit: its request also removed the Taliban
    assert list(claim.subjects.all()) == [un]
    claim.refresh_from_db()
    assert claim.statement == "New words."


@pytest.mark.parametrize("with_context", [True, False], ids=["request", "shell"])
def test_a_restored_claim_gets_its_subjects_back(make_claim, taliban_and_un, with_context):
    taliban, un = taliban_and_un
    claim = make_claim()
    claim.subjects.add(taliban)
    with pghistory.context(request="later"):
        claim.subjects.add(un)
    pk = claim.pk
    if with_context:
        with pghistory.context(request="delete"):
            claim.delete()
    else:
        outside_any_context()
        claim.delete()
    assert not ClaimSubject.objects.filter(claim_id=pk).exists()

    restored = claim_restore(claim_id=pk)

    assert set(restored.subjects.all()) == {taliban, un}


def test_a_subject_merged_away_since_is_left_out_of_a_revert(make_claim, taliban_and_un):
    taliban, un = taliban_and_un
    claim = make_claim()
    claim.subjects.add(taliban, un)
    insert = ClaimSubject.pgh_event_model.objects.filter(claim=claim).order_by("pgh_id").last()
    claim.subjects.clear()
    taliban_pk = taliban.pk
    taliban.delete()

    event_revert(event=insert)

    assert list(claim.subjects.all()) == [un]
    points = history_points(Claim, claim.pk)
    assert any(f"#{taliban_pk} (deleted)" in (p.values["subjects"] or "") for p in points)


def test_links_older_than_the_history_count_until_their_first_event(make_claim, taliban_and_un):
    taliban, un = taliban_and_un
    claim = make_claim()
    claim.subjects.add(taliban, un)
    # as if the links were made before history was installed: their insert events are gone
    ClaimSubject.pgh_event_model.objects.filter(claim=claim).delete()
    insert = Claim.pgh_event_model.objects.get(pgh_obj_id=claim.pk)
    claim.subjects.remove(taliban)

    assert LinkTimeline(Claim, claim.pk).at(insert) == {"subjects": sorted([taliban.pk, un.pk])}


def test_document_authors_and_citations_are_recorded_and_reverted(make_document, make_entity, editor):
    author = make_entity(name="Reporter", kind="person")
    document = make_document(title="First")
    cited = make_document(title="UN report", body="UN report body")
    with pghistory.context(request="edit"):
        document.authors.add(author)
        document.cites.add(cited)
    with pghistory.context(request="unlink"):
        document.authors.clear()
        document.cites.clear()
    assert link_events(DocumentAuthor, document=document.pk) == [
        ("insert", author.pk, None),
        ("delete", author.pk, None),
    ]
    assert [label for label, *_ in link_events(DocumentCitation, from_document=document.pk)] == [
        "insert",
        "delete",
    ]
    added = DocumentCitation.pgh_event_model.objects.get(from_document=document, pgh_label="insert")

    event_revert(event=added, by=editor)

    assert list(document.authors.all()) == [author] and list(document.cites.all()) == [cited]
    assert Document.objects.get(pk=document.pk).title == "First"


def test_the_revert_page_takes_the_same_queries_for_two_events_or_fourteen(
    editor_client, make_claim, make_entity
):
    claim = make_claim()
    claim.subjects.add(make_entity(name="first"))
    url = f"/admin/claims/claim/{claim.pk}/revert/"
    with CaptureQueriesContext(connection) as few:
        editor_client.get(url)
    for number in range(6):
        entity = make_entity(name=f"entity {number}")
        claim.subjects.add(entity)
        claim.statement = f"Statement {number}."
        claim.save()
    with CaptureQueriesContext(connection) as many:
        page = editor_client.get(url)

    assert len(page.context["points"]) == 14
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_merge_moves_links_as_recorded_removals_and_additions(make_claim, make_document, make_entity):
    from apps.entities.services import entity_merge

    keep, duplicate = make_entity(name="طالبان"), make_entity(name="Taliban")
    claim = make_claim()
    claim.subjects.add(duplicate)
    document = make_document()
    document.authors.add(duplicate)

    entity_merge(keep=keep, duplicate=duplicate)

    assert list(claim.subjects.all()) == [keep] and list(document.authors.all()) == [keep]
    assert [(label, entity) for label, entity, _ in link_events(ClaimSubject, claim=claim.pk)] == [
        ("insert", duplicate.pk),
        ("delete", duplicate.pk),
        ("insert", keep.pk),
    ]


def test_a_link_is_never_updated_in_place(make_claim, make_entity):
    from django.db import ProgrammingError, transaction

    claim = make_claim()
    claim.subjects.add(make_entity(name="one"))
    other = make_entity(name="two")

    refused = pytest.raises(ProgrammingError, match="Cannot update rows from claims_claim_subjects")
    with refused, transaction.atomic():
        ClaimSubject.objects.filter(claim=claim).update(entity=other)
    assert [e.name for e in claim.subjects.all()] == ["one"]
