"""The admin as an editor uses it: lists, Arabic search, change pages, actions, inlines."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.documents.models import Document
from apps.entities.models import Entity
from tests.admin.forms import claim_form
from tests.conftest import BODY

CHANGELISTS = [
    "/admin/entities/entity/",
    "/admin/documents/document/",
    "/admin/claims/claim/",
    "/admin/claims/attestation/",
    "/admin/claims/claimrelation/",
    "/admin/credibility/sourcerating/",
]


@pytest.mark.parametrize("url", CHANGELISTS)
def test_every_changelist_renders_for_an_editor_on_the_seed_corpus(seed, editor_client, url):
    response = editor_client.get(url)

    assert response.status_code == 200


@pytest.mark.parametrize("url", CHANGELISTS)
def test_every_add_page_renders_for_an_editor(db, editor_client, url):
    assert editor_client.get(url + "add/").status_code == 200


@pytest.mark.parametrize("model", [Entity, Document, Claim, Attestation, ClaimRelation])
def test_every_seed_change_page_renders(seed, editor_client, model):
    obj = model.objects.order_by("pk").first()
    url = f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"

    response = editor_client.get(url)

    assert response.status_code == 200


def test_a_document_page_shows_the_body_right_to_left_with_its_attestations(seed, editor_client):
    document = Document.objects.exclude(body="").filter(attestations__isnull=False).first()

    html = editor_client.get(f"/admin/documents/document/{document.pk}/change/").content.decode()

    assert html.count('<div dir="auto" class="ct-body">') == 1  # the body once
    # the quotes as one line each, not one form each, with the way to the workspace
    assert 'class="ct-quote-table"' in html and 'name="attestations-0-quote"' not in html
    first = document.attestations.order_by("start").first().quote
    assert f'<td class="ct-quote" dir="auto">{first[:60]}' in html
    assert f"/admin/documents/document/{document.pk}/workspace/" in html


@pytest.mark.parametrize("query", ["القاعدة", "طالبان", "Pompeo", "Kunar"])
def test_claim_search_finds_arabic_quotes_and_english_statements(seed, editor_client, query):
    response = editor_client.get("/admin/claims/claim/", {"q": query})

    assert response.status_code == 200
    assert response.context["cl"].result_count > 0


def test_entity_search_finds_an_entity_by_its_arabic_alias(seed, editor_client):
    response = editor_client.get("/admin/entities/entity/", {"q": "طالبان"})

    assert "Taliban" in [e.name for e in response.context["cl"].result_list]


def test_the_entity_autocomplete_answers_in_arabic(seed, editor_client):
    response = editor_client.get(
        "/admin/autocomplete/",
        {"term": "القاعدة", "app_label": "claims", "model_name": "claim", "field_name": "subjects"},
    )

    assert response.status_code == 200
    assert any("Qaeda" in r["text"] for r in response.json()["results"])


def test_claim_list_filters_by_status_publication_language_and_subject(seed, editor_client):
    subject = Entity.objects.matching_name("Taliban").first()

    response = editor_client.get(
        "/admin/claims/claim/",
        {
            "status__exact": "unreviewed",
            "publication__exact": "published",
            "language__exact": "en",
            "subjects__id__exact": subject.pk,
        },
    )

    assert response.status_code == 200
    assert response.context["cl"].result_count > 0


def test_adding_an_attestation_with_only_a_quote_finds_its_offsets(
    db, editor, editor_client, make_claim, make_document
):
    claim, document = make_claim(), make_document()

    response = editor_client.post(
        "/admin/claims/attestation/add/",
        {
            "claim": claim.pk,
            "document": document.pk,
            "quote": "القاعدة ما زالت في كونار",
            "start": "",
            "end": "",
            "stance": "affirms",
            "modality": "asserted",
            "note": "",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    attestation = Attestation.objects.get()
    assert BODY[attestation.start : attestation.end] == "القاعدة ما زالت في كونار"
    assert attestation.created_by == editor


def test_an_ambiguous_quote_in_the_admin_asks_which_occurrence(db, editor_client, make_claim, make_document):
    claim, document = make_claim(), make_document()

    response = editor_client.post(
        "/admin/claims/attestation/add/",
        {
            "claim": claim.pk,
            "document": document.pk,
            "quote": "القاعدة",
            "stance": "affirms",
            "modality": "asserted",
        },
    )

    assert response.status_code == 200
    assert "occurs 2 times" in str(response.context["adminform"].form.errors)
    assert not Attestation.objects.exists()


def test_a_quote_not_in_the_body_is_a_form_error_not_a_crash(db, editor_client, make_claim, make_document):
    claim, document = make_claim(), make_document()

    response = editor_client.post(
        "/admin/claims/attestation/add/",
        {
            "claim": claim.pk,
            "document": document.pk,
            "quote": "افغانستان",
            "stance": "affirms",
            "modality": "asserted",
        },
    )

    assert response.status_code == 200
    assert "quote" in response.context["adminform"].form.errors


def _action(client, url, action, objects, **extra):
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra})


def test_merge_action_moves_every_link_to_the_chosen_entity(db, editor_client, make_entity, make_attestation):
    kept, dup = make_entity(name="Taliban"), make_entity(name="طالبان")
    attestation = make_attestation(speaker=dup)

    confirm = _action(editor_client, "/admin/entities/entity/", "merge_entities", [kept, dup])
    done = _action(
        editor_client, "/admin/entities/entity/", "merge_entities", [kept, dup], apply="1", keep=kept.pk
    )

    assert confirm.status_code == 200 and "Merge" in confirm.content.decode()
    assert done.status_code == 302
    attestation.refresh_from_db()
    assert attestation.speaker == kept
    assert list(Entity.objects.all()) == [kept]
    assert "طالبان" in kept.aliases.values_list("name", flat=True)


def test_publish_and_status_actions_change_every_selected_claim(db, editor_client, make_claim):
    claims = [make_claim(publication="draft"), make_claim(publication="draft")]

    _action(editor_client, "/admin/claims/claim/", "publish", claims)
    _action(
        editor_client,
        "/admin/claims/claim/",
        "set_status",
        claims,
        apply="1",
        status="disputed",
        status_note="UN and Pompeo disagree",
    )

    assert set(Claim.objects.values_list("publication", "status", "status_note")) == {
        ("published", "disputed", "UN and Pompeo disagree")
    }


def test_a_contradiction_added_from_the_later_claim_is_stored_once(db, editor_client, make_claim):
    first, second = make_claim(statement="A"), make_claim(statement="B")
    prefix_out, prefix_in = "relations_out", "relations_in"
    data = {
        "statement": "B",
        "language": "en",
        "status": "unreviewed",
        "publication": "published",
        "attestations-TOTAL_FORMS": 0,
        "attestations-INITIAL_FORMS": 0,
        f"{prefix_out}-TOTAL_FORMS": 1,
        f"{prefix_out}-INITIAL_FORMS": 0,
        f"{prefix_out}-0-kind": "contradicts",
        f"{prefix_out}-0-to_claim": first.pk,
        f"{prefix_out}-0-note": "",
        f"{prefix_in}-TOTAL_FORMS": 0,
        f"{prefix_in}-INITIAL_FORMS": 0,
    }

    response = editor_client.post(f"/admin/claims/claim/{second.pk}/change/", data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    relation = ClaimRelation.objects.get()
    assert (relation.from_claim, relation.to_claim, relation.kind) == (first, second, "contradicts")


def test_changing_a_body_with_anchored_quotes_needs_reanchoring(db, editor_client, make_attestation):
    document = make_attestation().document
    data = {
        "title": document.title,
        "url": "",
        "kind": "news_article",
        "language": "ar",
        "published_precision": "",
        "body": "مقدمة. " + BODY,
        "attestations-TOTAL_FORMS": 1,
        "attestations-INITIAL_FORMS": 1,
    }
    attestation = document.attestations.get()
    data.update(
        {
            "attestations-0-id": attestation.pk,
            "attestations-0-document": document.pk,
            "attestations-0-claim": attestation.claim_id,
            "attestations-0-quote": attestation.quote,
            "attestations-0-start": attestation.start,
            "attestations-0-end": attestation.end,
            "attestations-0-stance": "affirms",
            "attestations-0-modality": "asserted",
        }
    )
    url = f"/admin/documents/document/{document.pk}/change/"

    refused = editor_client.post(url, data)
    accepted = editor_client.post(url, {**data, "reanchor": "on"})

    assert refused.status_code == 200 and "re-anchoring" in str(refused.context["adminform"].form.errors)
    assert accepted.status_code == 302
    document.refresh_from_db()
    attestation.refresh_from_db()
    assert document.body == "مقدمة. " + BODY
    assert document.body[attestation.start : attestation.end] == attestation.quote


def test_a_fact_checker_can_set_statuses_but_not_add_documents(db, client, fact_checker):
    client.force_login(fact_checker)

    assert client.get("/admin/claims/claim/").status_code == 200
    assert client.get("/admin/documents/document/add/").status_code == 403
    assert client.get("/admin/claims/claimrelation/add/").status_code == 200


def test_a_fact_checker_sets_a_claim_s_status_but_not_its_wording_or_publication(
    client, fact_checker, make_claim, make_entity
):
    client.force_login(fact_checker)
    claim = make_claim("The Taliban broke with al-Qaeda.", publication=Claim.Publication.DRAFT)
    claim.subjects.add(make_entity(name="طالبان"))
    url = f"/admin/claims/claim/{claim.pk}/change/"

    page = client.get(url)
    tampered = {"statement": "Rewritten.", "publication": "published"}
    response = client.post(url, claim_form(claim, **tampered, status="disputed", status_note="Two denials."))

    form = page.context["adminform"].form
    assert set(form.fields) >= {"status", "status_note"}
    assert not {"statement", "publication", "subjects"} & set(form.fields)
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.status_note) == ("disputed", "Two denials.")
    assert (claim.statement, claim.publication) == ("The Taliban broke with al-Qaeda.", "draft")
    assert claim.subjects.count() == 1


@pytest.mark.parametrize("who, offered", [("editor", True), ("fact_checker", False)])
def test_only_editors_are_offered_publishing(request, client, who, offered):
    client.force_login(request.getfixturevalue(who))

    actions = client.get("/admin/claims/claim/").context["action_form"].fields["action"].choices

    names = {name for name, _ in actions}
    assert ({"publish", "unpublish"} <= names) is offered
    assert "set_status" in names


def test_the_admin_is_closed_to_anonymous_visitors(client):
    response = client.get("/admin/claims/claim/")

    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("url", CHANGELISTS)
def test_changelists_run_the_same_queries_for_one_row_a_page_as_for_a_hundred(
    seed, editor_client, monkeypatch, url
):
    from django.contrib import admin

    from apps.credibility.models import SourceRating

    SourceRating.objects.create(entity=Entity.objects.first(), grade="B", rationale="usually reliable")
    SourceRating.objects.create(entity=Entity.objects.last(), grade="C", rationale="fairly reliable")
    model_admin = next(a for m, a in admin.site._registry.items() if url.endswith(f"/{m._meta.model_name}/"))

    def queries(per_page: int) -> int:
        monkeypatch.setattr(model_admin, "list_per_page", per_page)
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(url).status_code == 200
        return len(captured)

    assert queries(1) == queries(100)


def test_a_browser_posting_crlf_line_ends_does_not_change_an_anchored_body(
    db, editor_client, make_document, make_attestation
):
    body = "  سطر أول\nطالبان قطعت علاقاتها مع القاعدة\n"
    document = make_document(body=body)
    make_attestation(document=document)
    data = {
        "title": "عنوان جديد",
        "url": "",
        "kind": "news_article",
        "language": "ar",
        "published_precision": "",
        "body": body.replace("\n", "\r\n"),
        "attestations-TOTAL_FORMS": 0,
        "attestations-INITIAL_FORMS": 0,
    }

    response = editor_client.post(f"/admin/documents/document/{document.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    document.refresh_from_db()
    assert (document.title, document.body) == ("عنوان جديد", body)


def test_the_entity_page_refuses_a_draws_on_link_that_closes_a_loop(editor_client, make_entity):
    team, states = make_entity("UN Monitoring Team"), make_entity("Member states", kind="government")
    states.draws_on.add(team)
    url = f"/admin/entities/entity/{team.pk}/change/"
    page = editor_client.get(url)
    data = {
        "kind": team.kind,
        "name": team.name,
        "description": "",
        "independence_boundary": "unknown",
        "draws_on": [states.pk],
        "version_seen": team.version,
    }
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})

    response = editor_client.post(url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["draws_on"]
    assert "(UN Monitoring Team → Member states → UN Monitoring Team)" in errors[0]
