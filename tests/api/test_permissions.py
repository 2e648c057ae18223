"""Who reads and writes what: anonymous, consumer, fact-checker, editor × read, write × draft, published."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import pytest

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.credibility.models import SourceRating
from apps.documents.models import Document
from apps.entities.models import Entity
from tests.conftest import BODY

READERS = ["anonymous", "consumer"]
DRAFT_READERS = ["fact-checker", "editor"]


@pytest.fixture
def world(make_claim, make_attestation, make_entity):
    """A published claim contradicted by a draft; each has a quote."""
    published = make_claim("The Taliban broke with al-Qaeda.")
    draft = make_claim("Al-Qaeda is in Kunar.", publication=Claim.Publication.DRAFT)
    published_quote = make_attestation(claim=published)
    draft_quote = make_attestation("القاعدة ما زالت في كونار", claim=draft)
    contradiction = ClaimRelation.objects.create(
        kind=ClaimRelation.Kind.CONTRADICTS, from_claim=published, to_claim=draft
    )
    return SimpleNamespace(
        published=published,
        draft=draft,
        published_quote=published_quote,
        draft_quote=draft_quote,
        contradiction=contradiction,
        entity=make_entity("The Soufan Group"),
    )


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    return {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}


# --- reading: drafts do not exist for readers ---------------------------------------------


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/claims/{draft.pk}/",
        "/api/v1/claims/{draft.pk}/conflicts/",
        "/api/v1/attestations/{draft_quote.pk}/",
        "/api/v1/relations/{contradiction.pk}/",
    ],
)
def test_a_draft_and_what_hangs_off_it_are_a_404_to_a_reader(client_as, world, role, url):
    response = client_as(role).get(url.format(**vars(world)))

    assert response.status_code == 404


@pytest.mark.parametrize("role", READERS + DRAFT_READERS)
def test_a_published_claim_is_read_by_everyone(client_as, world, role):
    response = client_as(role).get(f"/api/v1/claims/{world.published.pk}/")

    assert response.status_code == 200


@pytest.mark.parametrize("role", READERS)
def test_the_claim_list_hides_drafts_from_a_reader(client_as, world, role):
    response = client_as(role).get("/api/v1/claims/")

    assert ids(response) == {world.published.pk}


@pytest.mark.parametrize("role", READERS)
def test_asking_a_reader_s_list_for_drafts_finds_none(client_as, world, role):
    response = client_as(role).get("/api/v1/claims/?publication=draft")

    assert ids(response) == set()


@pytest.mark.parametrize("role", READERS)
def test_conflicts_of_a_published_claim_do_not_list_a_draft_for_a_reader(client_as, world, role):
    response = client_as(role).get(f"/api/v1/claims/{world.published.pk}/conflicts/")

    assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize("role", READERS)
def test_nested_relations_do_not_name_a_draft_for_a_reader(client_as, world, role):
    detail = client_as(role).get(f"/api/v1/claims/{world.published.pk}/").json()
    listed = client_as(role).get("/api/v1/claims/").json()["results"][0]

    assert detail["relations"] == []
    assert listed["relations"] == []


@pytest.mark.parametrize("role", READERS)
def test_the_attestation_list_hides_a_draft_s_quotes_from_a_reader(client_as, world, role):
    response = client_as(role).get("/api/v1/attestations/")

    assert ids(response) == {world.published_quote.pk}


@pytest.mark.parametrize("role", READERS)
def test_the_relation_list_hides_edges_to_a_draft_from_a_reader(client_as, world, role):
    response = client_as(role).get("/api/v1/relations/")

    assert ids(response) == set()


@pytest.mark.parametrize("role", READERS)
def test_has_conflicts_ignores_contradictions_by_drafts_for_a_reader(client_as, world, role):
    contested = client_as(role).get("/api/v1/claims/?has_conflicts=true")
    uncontested = client_as(role).get("/api/v1/claims/?has_conflicts=false")

    assert ids(contested) == set()
    assert ids(uncontested) == {world.published.pk}


@pytest.mark.parametrize(
    ("resource", "parameter"),
    [
        ("attestations", "claim"),
        ("relations", "claim"),
        ("relations", "from_claim"),
        ("relations", "to_claim"),
    ],
)
def test_a_draft_s_id_in_a_filter_answers_like_an_unknown_id(api_client, world, resource, parameter):
    draft = api_client.get(f"/api/v1/{resource}/?{parameter}={world.draft.pk}")
    unknown = api_client.get(f"/api/v1/{resource}/?{parameter}=999999")

    assert unknown.status_code == 400
    assert draft.status_code == unknown.status_code
    assert str(draft.json()).replace(str(world.draft.pk), "999999") == str(unknown.json())


@pytest.mark.parametrize("role", DRAFT_READERS)
def test_fact_checkers_and_editors_see_drafts_everywhere(client_as, world, role):
    client = client_as(role)

    detail = client.get(f"/api/v1/claims/{world.draft.pk}/")
    claims = client.get("/api/v1/claims/")
    conflicts = client.get(f"/api/v1/claims/{world.published.pk}/conflicts/")
    attestations = client.get("/api/v1/attestations/")
    relations = client.get("/api/v1/relations/")
    published = client.get(f"/api/v1/claims/{world.published.pk}/")

    assert detail.status_code == 200
    assert ids(claims) == {world.published.pk, world.draft.pk}
    assert ids(conflicts) == {world.draft.pk}
    assert ids(attestations) == {world.published_quote.pk, world.draft_quote.pk}
    assert ids(relations) == {world.contradiction.pk}
    assert [r["claim"]["id"] for r in published.json()["relations"]] == [world.draft.pk]


# --- writing: readers never ---------------------------------------------------------------

WRITES = [
    ("post", "/api/v1/entities/", {"name": "ISKP", "kind": "organization"}),
    ("post", "/api/v1/documents/", {"title": "t", "language": "ar", "body": BODY}),
    ("post", "/api/v1/claims/", {"statement": "A new claim."}),
    ("patch", "/api/v1/claims/{published.pk}/", {"status": "refuted"}),
    ("delete", "/api/v1/claims/{published.pk}/", None),
    (
        "post",
        "/api/v1/attestations/",
        {"claim": "{published.pk}", "document": "{published_quote.document_id}", "quote": "كونار"},
    ),
    (
        "post",
        "/api/v1/relations/",
        {"kind": "supports", "from_claim": "{draft.pk}", "to_claim": "{published.pk}"},
    ),
    ("delete", "/api/v1/relations/{contradiction.pk}/", None),
    ("post", "/api/v1/source-ratings/", {"entity": "{entity.pk}", "grade": "B", "rationale": "Record."}),
]


def _fill(template, world):
    if isinstance(template, str):
        return template.format(**vars(world))
    if isinstance(template, dict):
        return {key: _fill(value, world) for key, value in template.items()}
    return template


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize(("method", "url", "payload"), WRITES)
def test_a_reader_cannot_write_anything(row_counts, client_as, world, role, method, url, payload):
    before = row_counts()

    response = getattr(client_as(role), method)(_fill(url, world), _fill(payload, world), format="json")

    # anonymous: who are you (401, and how to say it); consumer: not allowed (403)
    assert response.status_code == {"anonymous": 401, "consumer": 403}[role]
    if role == "anonymous":
        assert response.headers["WWW-Authenticate"] == "Token"
    assert row_counts() == before
    world.published.refresh_from_db()
    assert world.published.status == Claim.Status.UNREVIEWED


# --- writing: fact-checkers judge ---------------------------------------------------------


def test_a_fact_checker_sets_a_claim_s_status_and_its_note(fact_checker_client, world):
    response = fact_checker_client.patch(
        f"/api/v1/claims/{world.published.pk}/",
        {"status": "refuted", "status_note": "The UN team found the ties intact."},
        format="json",
    )

    assert response.status_code == 200, response.content
    world.published.refresh_from_db()
    assert world.published.status == Claim.Status.REFUTED
    assert world.published.status_note == "The UN team found the ties intact."


def test_a_fact_checker_may_not_change_a_claim_s_statement(fact_checker_client, world):
    response = fact_checker_client.patch(
        f"/api/v1/claims/{world.published.pk}/",
        {"statement": "Rewritten.", "status": "refuted"},
        format="json",
    )

    assert response.status_code == 403, response.content
    world.published.refresh_from_db()
    assert (world.published.statement, world.published.status) == (
        "The Taliban broke with al-Qaeda.",
        Claim.Status.UNREVIEWED,
    )


def test_a_fact_checker_relates_two_claims(fact_checker_client, fact_checker, world):
    response = fact_checker_client.post(
        "/api/v1/relations/",
        {"kind": "supports", "from_claim": world.draft.pk, "to_claim": world.published.pk, "note": "n"},
        format="json",
    )

    assert response.status_code == 201, response.content
    relation = ClaimRelation.objects.get(pk=response.json()["id"])
    assert (relation.kind, relation.from_claim, relation.to_claim) == (
        "supports",
        world.draft,
        world.published,
    )
    assert relation.created_by == fact_checker


def test_a_fact_checker_annotates_a_relation(fact_checker_client, world):
    response = fact_checker_client.patch(
        f"/api/v1/relations/{world.contradiction.pk}/", {"note": "Reported in 002."}, format="json"
    )

    assert response.status_code == 200, response.content
    world.contradiction.refresh_from_db()
    assert world.contradiction.note == "Reported in 002."


def test_a_fact_checker_rates_a_source(fact_checker_client, fact_checker, world):
    response = fact_checker_client.post(
        "/api/v1/source-ratings/",
        {"entity": world.entity.pk, "grade": "C", "rationale": "Right twice, wrong once."},
        format="json",
    )

    assert response.status_code == 201, response.content
    rating = SourceRating.objects.get()
    assert (rating.entity, rating.grade, rating.rated_by) == (world.entity, "C", fact_checker)


@pytest.mark.parametrize(
    ("url", "payload"),
    [
        ("/api/v1/documents/", {"title": "t", "language": "ar", "body": BODY}),
        ("/api/v1/claims/", {"statement": "A new claim."}),
        ("/api/v1/entities/", {"name": "ISKP", "kind": "organization"}),
        (
            "/api/v1/attestations/",
            {"claim": "{published.pk}", "document": "{published_quote.document_id}", "quote": "كونار"},
        ),
    ],
)
def test_a_fact_checker_cannot_create_documents_claims_entities_or_quotes(
    row_counts, fact_checker_client, world, url, payload
):
    before = row_counts()

    response = fact_checker_client.post(url, _fill(payload, world), format="json")

    assert response.status_code == 403
    assert row_counts() == before


# --- writing: editors write everything ----------------------------------------------------


def test_an_editor_creates_an_entity_with_its_aliases(editor_api_client, editor):
    response = editor_api_client.post(
        "/api/v1/entities/",
        {
            "name": "Mike Pompeo",
            "kind": "person",
            "aliases": [{"name": "مايك بومبيو", "language": "ar"}, {"name": "Pompeo", "language": "en"}],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    entity = Entity.objects.get(pk=response.json()["id"])
    assert (entity.name, entity.kind, entity.created_by) == ("Mike Pompeo", "person", editor)
    assert set(entity.aliases.values_list("name", "language")) == {("مايك بومبيو", "ar"), ("Pompeo", "en")}
    assert {a["name"] for a in response.json()["aliases"]} == {"مايك بومبيو", "Pompeo"}


def test_an_editor_creates_a_document_whose_hash_the_server_computes(editor_api_client):
    forged = editor_api_client.post(
        "/api/v1/documents/",
        {"title": "مقال", "language": "ar", "body": BODY, "body_sha256": "0" * 64},
        format="json",
    )
    response = editor_api_client.post(
        "/api/v1/documents/", {"title": "مقال", "language": "ar", "body": BODY}, format="json"
    )

    assert forged.status_code == 400
    assert forged.json() == {"body_sha256": ["Set by the server; it cannot be written."]}
    assert response.status_code == 201, response.content
    expected = hashlib.sha256(BODY.encode("utf-8")).hexdigest()
    assert response.json()["body_sha256"] == expected
    assert Document.objects.get(pk=response.json()["id"]).body_sha256 == expected


def test_an_editor_creates_a_claim_with_its_subjects(editor_api_client, editor, make_entity):
    taliban = make_entity("Taliban")

    response = editor_api_client.post(
        "/api/v1/claims/",
        {"statement": "The Taliban host al-Qaeda.", "subjects": [taliban.pk], "publication": "draft"},
        format="json",
    )

    assert response.status_code == 201, response.content
    claim = Claim.objects.get(pk=response.json()["id"])
    assert (claim.statement, claim.publication, claim.created_by) == (
        "The Taliban host al-Qaeda.",
        "draft",
        editor,
    )
    assert list(claim.subjects.all()) == [taliban]


def test_an_editor_anchors_a_quote_whose_offsets_are_found(editor_api_client, make_claim, make_document):
    claim, document = make_claim(), make_document()
    quote = "القاعدة ما زالت في كونار"

    response = editor_api_client.post(
        "/api/v1/attestations/",
        {"claim": claim.pk, "document": document.pk, "quote": quote, "stance": "affirms"},
        format="json",
    )

    assert response.status_code == 201, response.content
    start = BODY.index(quote)
    assert (response.json()["start"], response.json()["end"]) == (start, start + len(quote))
    attestation = Attestation.objects.get(pk=response.json()["id"])
    assert BODY[attestation.start : attestation.end] == quote


def test_an_editor_relates_claims_and_a_contradiction_is_stored_once_smaller_id_first(
    editor_api_client, make_claim
):
    first, second = make_claim("A"), make_claim("B")

    response = editor_api_client.post(
        "/api/v1/relations/",
        {"kind": "contradicts", "from_claim": second.pk, "to_claim": first.pk},
        format="json",
    )

    assert response.status_code == 201, response.content
    relation = ClaimRelation.objects.get()
    assert (relation.from_claim, relation.to_claim) == (first, second)


def test_an_editor_rates_a_source(editor_api_client, editor, make_entity):
    entity = make_entity("Al Jazeera", kind=Entity.Kind.OUTLET)

    response = editor_api_client.post(
        "/api/v1/source-ratings/",
        {"entity": entity.pk, "grade": "B", "rationale": "Usually right."},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert SourceRating.objects.get().rated_by == editor


def test_an_editor_corrects_a_quote_s_stance(editor_api_client, world):
    response = editor_api_client.patch(
        f"/api/v1/attestations/{world.published_quote.pk}/", {"stance": "denies"}, format="json"
    )

    assert response.status_code == 200, response.content
    world.published_quote.refresh_from_db()
    assert world.published_quote.stance == "denies"


def test_an_editor_deletes_a_claim(editor_api_client, world):
    response = editor_api_client.delete(f"/api/v1/claims/{world.draft.pk}/")

    assert response.status_code == 204
    assert not Claim.objects.filter(pk=world.draft.pk).exists()
