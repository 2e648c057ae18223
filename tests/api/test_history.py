"""API writes are recorded with the token's user; GET /claims/{id}/history/ shows who changed what."""

from __future__ import annotations

import pytest

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.credibility.models import SourceRating
from apps.documents.models import Document
from apps.entities.models import Alias, Entity


def events(model, pk) -> list[tuple[str, int | None]]:
    """(label, user id) of every event of one row, oldest first."""
    rows = (
        model.pgh_event_model.objects.filter(pgh_obj_id=pk).select_related("pgh_context").order_by("pgh_id")
    )
    return [(e.pgh_label, e.pgh_context.metadata.get("user") if e.pgh_context else None) for e in rows]


def test_entity_and_alias_writes_through_the_api_are_recorded_with_the_user(editor_api_client, editor):
    created = editor_api_client.post(
        "/api/v1/entities/",
        {"name": "طالبان", "kind": "organization", "aliases": [{"name": "Taliban", "language": "en"}]},
        format="json",
    )
    pk = created.json()["id"]
    alias_pk = Alias.objects.get(entity_id=pk).pk
    editor_api_client.patch(f"/api/v1/entities/{pk}/", {"description": "movement"}, format="json")
    editor_api_client.delete(f"/api/v1/entities/{pk}/")

    assert created.status_code == 201
    assert events(Entity, pk) == [("insert", editor.pk), ("update", editor.pk), ("delete", editor.pk)]
    assert events(Alias, alias_pk) == [("insert", editor.pk), ("delete", editor.pk)]


@pytest.mark.parametrize(
    "endpoint, model, change",
    [
        ("documents", Document, {"title": "مقال جديد"}),
        ("claims", Claim, {"status_note": "checked"}),
        ("attestations", Attestation, {"note": "his words"}),
        ("relations", ClaimRelation, {"note": "they disagree"}),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_api_updates_and_deletes_are_recorded_with_the_user(
    editor_api_client, editor, make_attestation, make_claim, endpoint, model, change
):
    attestation = make_attestation()
    row = {
        Document: Document.objects.create(title="t", language="en", body="unused text"),
        Claim: attestation.claim,
        Attestation: attestation,
        ClaimRelation: ClaimRelation.objects.create(
            kind="supports", from_claim=attestation.claim, to_claim=make_claim(statement="B")
        ),
    }[model]

    patched = editor_api_client.patch(f"/api/v1/{endpoint}/{row.pk}/", change, format="json")
    deleted = editor_api_client.delete(f"/api/v1/{endpoint}/{row.pk}/")

    assert (patched.status_code, deleted.status_code) == (200, 204), patched.content
    assert events(model, row.pk) == [("insert", None), ("update", editor.pk), ("delete", editor.pk)]


def test_api_inserts_are_recorded_with_the_user(
    editor_api_client, editor, make_claim, make_document, make_entity
):
    claim, document, entity = make_claim(), make_document(), make_entity()

    new_claim = editor_api_client.post("/api/v1/claims/", {"statement": "New"}, format="json").json()
    new_attestation = editor_api_client.post(
        "/api/v1/attestations/",
        {"claim": claim.pk, "document": document.pk, "quote": "طالبان قطعت علاقاتها مع القاعدة"},
        format="json",
    ).json()
    new_rating = editor_api_client.post(
        "/api/v1/source-ratings/", {"entity": entity.pk, "grade": "B", "rationale": "record"}, format="json"
    ).json()

    assert events(Claim, new_claim["id"]) == [("insert", editor.pk)]
    assert events(Attestation, new_attestation["id"]) == [("insert", editor.pk)]
    assert events(SourceRating, new_rating["id"]) == [("insert", editor.pk)]


def test_a_claims_history_lists_who_changed_which_fields_of_it_and_its_attestations(
    editor_api_client, fact_checker_client, editor, fact_checker, make_attestation
):
    attestation = make_attestation()
    claim = attestation.claim
    fact_checker_client.patch(f"/api/v1/claims/{claim.pk}/", {"status": "disputed"}, format="json")
    editor_api_client.delete(f"/api/v1/attestations/{attestation.pk}/")

    response = editor_api_client.get(f"/api/v1/claims/{claim.pk}/history/")

    assert response.status_code == 200
    history = response.json()
    assert [(e["model"], e["event"], e["user"]) for e in history] == [
        ("claim", "insert", None),
        ("attestation", "insert", None),
        ("claim", "update", fact_checker.username),
        ("attestation", "delete", editor.username),
    ]
    assert history[2]["changes"] == {"status": ["unreviewed", "disputed"]}
    assert history[3]["changes"]["quote"] == [attestation.quote, None]
    assert history[3]["object_id"] == attestation.pk


def test_a_claims_history_lists_the_subjects_added_and_removed(
    editor_api_client, editor, make_claim, make_entity
):
    taliban, un = make_entity(name="طالبان"), make_entity(name="الأمم المتحدة")
    claim = make_claim()
    claim.subjects.add(taliban)
    editor_api_client.patch(f"/api/v1/claims/{claim.pk}/", {"subjects": [un.pk]}, format="json")

    history = editor_api_client.get(f"/api/v1/claims/{claim.pk}/history/").json()

    assert [(e["model"], e["event"], e["object_id"], e["user"]) for e in history] == [
        ("claim", "insert", claim.pk, None),
        ("subject", "insert", taliban.pk, None),
        ("subject", "delete", taliban.pk, editor.username),
        ("subject", "insert", un.pk, editor.username),
    ]
    assert history[2]["changes"] == {"subject": [taliban.pk, None]}
    assert history[3]["changes"] == {"subject": [None, un.pk]}


@pytest.mark.parametrize(
    "role, expected", [("anonymous", 401), ("consumer", 403), ("fact-checker", 200), ("editor", 200)]
)
def test_only_editors_and_fact_checkers_read_a_claims_history(client_as, make_claim, role, expected):
    claim = make_claim()

    response = client_as(role).get(f"/api/v1/claims/{claim.pk}/history/")

    assert response.status_code == expected


def test_the_history_of_an_unknown_claim_is_a_404(editor_api_client):
    assert editor_api_client.get("/api/v1/claims/999999/history/").status_code == 404


def test_a_claims_history_runs_a_fixed_number_of_queries(
    editor_api_client, make_attestation, django_assert_num_queries
):
    claim = make_attestation().claim
    editor_api_client.patch(f"/api/v1/claims/{claim.pk}/", {"status": "disputed"}, format="json")
    for n in range(5):
        Claim.objects.filter(pk=claim.pk).update(status_note=f"note {n}")

    # 1 the token and its user  2 the user's permissions  3 its groups' permissions  4 the claim
    # 5 the events of the claim and its attestations  6 the users who made them
    with django_assert_num_queries(6):
        response = editor_api_client.get(f"/api/v1/claims/{claim.pk}/history/")

    assert len(response.json()) == 8


def test_a_claims_history_says_what_made_each_change(editor_api_client, make_claim):
    claim = make_claim()
    editor_api_client.patch(f"/api/v1/claims/{claim.pk}/", {"status": "disputed"}, format="json")

    history = editor_api_client.get(f"/api/v1/claims/{claim.pk}/history/").json()

    assert (history[-1]["event"], history[-1]["via"]) == ("update", f"/api/v1/claims/{claim.pk}/")


def test_a_documents_history_lists_its_own_links_not_those_citing_it(
    editor_api_client, make_document, make_entity
):
    reporter = make_entity(name="Reporter", kind="person")
    document = make_document(title="Report")
    cited = make_document(title="UN report", body="UN report body")
    citing = make_document(title="Later article", body="Later body")
    document.authors.add(reporter)
    document.cites.add(cited)
    citing.cites.add(document)  # a citation *of* it: the citing document's history, not its own
    editor_api_client.patch(f"/api/v1/documents/{document.pk}/", {"title": "Report, revised"}, format="json")

    history = editor_api_client.get(f"/api/v1/documents/{document.pk}/history/").json()

    assert [(e["model"], e["event"], e["object_id"]) for e in history] == [
        ("document", "insert", document.pk),
        ("author", "insert", reporter.pk),
        ("citation", "insert", cited.pk),
        ("document", "update", document.pk),
    ]
    assert history[-1]["changes"] == {"title": ["Report", "Report, revised"]}


def test_an_entitys_history_lists_its_aliases(editor_api_client, editor):
    created = editor_api_client.post(
        "/api/v1/entities/",
        {"name": "طالبان", "kind": "organization", "aliases": [{"name": "Taliban", "language": "en"}]},
        format="json",
    ).json()

    history = editor_api_client.get(f"/api/v1/entities/{created['id']}/history/").json()

    assert [(e["model"], e["event"], e["user"]) for e in history] == [
        ("entity", "insert", editor.username),
        ("alias", "insert", editor.username),
    ]


@pytest.mark.parametrize("resource", ["documents", "entities"])
@pytest.mark.parametrize(
    "role, expected", [("anonymous", 401), ("consumer", 403), ("fact-checker", 200), ("editor", 200)]
)
def test_only_editors_and_fact_checkers_read_a_document_or_entity_history(
    client_as, make_document, make_entity, resource, role, expected
):
    pk = make_document().pk if resource == "documents" else make_entity().pk

    response = client_as(role).get(f"/api/v1/{resource}/{pk}/history/")

    assert response.status_code == expected
