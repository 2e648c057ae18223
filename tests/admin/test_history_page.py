"""One History page per row: its recorded changes in words (who, when, what), its quotes, parts and
links included, with a revert button for those who may revert; no internal name where editors look."""

from __future__ import annotations

import re

import pytest

from apps.claims.models import Attestation, Claim
from apps.credibility.models import SourceRating
from apps.documents.models import Document
from apps.entities.models import Alias, Entity
from tests.admin.forms import claim_form

HISTORY_PAGES = [
    ("entities", "entity", Entity),
    ("documents", "document", Document),
    ("claims", "claim", Claim),
    ("claims", "attestation", Attestation),
]


def history_rows(response) -> list[str]:
    """The events the History page lists, newest first, each as the words a reader sees."""
    assert response.status_code == 200
    body = response.content.decode()
    table = body[body.index('<div id="change-history"') :]
    rows = re.findall(r"(?s)<tr>(.*?)</tr>", table[table.index("<tbody>") :])
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_an_edit_in_the_admin_reads_on_the_claims_history_with_the_editor_and_both_values(
    seed, editor_client, editor
):
    claim = Claim.objects.order_by("pk").first()
    subjects = list(claim.subjects.values_list("pk", flat=True))
    old_status = claim.get_status_display()

    editor_client.post(
        f"/admin/claims/claim/{claim.pk}/change/",
        claim_form(claim, subjects=subjects, status="corroborated", status_note="Two sources agree."),
    )
    newest = history_rows(editor_client.get(f"/admin/claims/claim/{claim.pk}/history/"))[0]

    assert old_status != "Corroborated"
    assert "test-editor" in newest and f"via /admin/claims/claim/{claim.pk}/change/" in newest
    assert "Changed this claim" in newest
    assert f"status: {old_status} → Corroborated" in newest
    assert "status note: — → Two sources agree." in newest


def test_a_quote_added_to_a_claim_reads_on_its_history_right_to_left(
    editor_client, make_claim, make_attestation
):
    claim = make_claim()

    attestation = make_attestation(claim=claim, quote="طالبان قطعت علاقاتها مع القاعدة")
    response = editor_client.get(f"/admin/claims/claim/{claim.pk}/history/")

    newest = history_rows(response)[0]
    assert f"Added attestation #{attestation.pk}" in newest
    assert "quote: طالبان قطعت علاقاتها مع القاعدة" in newest
    assert '<span dir="auto">طالبان قطعت علاقاتها مع القاعدة</span>' in response.content.decode()


def test_a_subject_added_and_removed_reads_on_the_claims_history(editor_client, make_claim, make_entity):
    claim = make_claim()
    taliban = make_entity(name="طالبان")

    claim.subjects.add(taliban)
    claim.subjects.remove(taliban)
    rows = history_rows(editor_client.get(f"/admin/claims/claim/{claim.pk}/history/"))

    assert "Removed from subjects « طالبان »" in rows[0]
    assert "Added to subjects « طالبان »" in rows[1]


def test_an_entitys_history_takes_in_its_aliases_and_ratings(editor_client, make_entity):
    entity = make_entity(name="القاعدة")

    Alias.objects.create(entity=entity, name="al-Qaeda", language="en")
    SourceRating.objects.create(entity=entity, grade="E", rationale="Claims its own attacks.")
    rows = history_rows(editor_client.get(f"/admin/entities/entity/{entity.pk}/history/"))

    assert "Added source rating" in rows[0] and "grade: E" in rows[0]
    assert "Added alias" in rows[1] and "name: al-Qaeda" in rows[1]
    assert "Created this entity" in rows[2] and "name: القاعدة" in rows[2]


def test_a_documents_history_takes_in_its_quotes_but_not_those_relaying_it(editor_client, make_attestation):
    quoted = make_attestation(quote="طالبان قطعت علاقاتها مع القاعدة")
    relaying = make_attestation(quote="ما زالت في كونار", origin_document=quoted.document)

    page = editor_client.get(f"/admin/documents/document/{quoted.document.pk}/history/")

    assert f"Added attestation #{quoted.pk}" in page.content.decode()
    assert f"attestation #{relaying.pk}" not in page.content.decode()


@pytest.mark.parametrize("app, model_name, model", HISTORY_PAGES)
def test_no_history_page_shows_an_internal_name(seed, editor_client, app, model_name, model):
    obj = model.objects.order_by("pk").first()

    page = editor_client.get(f"/admin/{app}/{model_name}/{obj.pk}/history/")

    assert page.status_code == 200 and len(history_rows(page)) > 0
    assert "pgh" not in page.content.decode().lower()
    assert "doesn’t have a change history" not in page.content.decode()


@pytest.mark.parametrize("who, can_revert", [("editor", True), ("fact_checker", False)])
def test_the_history_page_offers_a_revert_to_editors_only(request, client, make_claim, who, can_revert):
    client.force_login(request.getfixturevalue(who))
    claim = make_claim()

    page = client.get(f"/admin/claims/claim/{claim.pk}/history/")

    assert page.status_code == 200
    assert (f'action="/admin/claims/claim/{claim.pk}/revert/"' in page.content.decode()) is can_revert
    assert ("Revert to this version" in page.content.decode()) is can_revert


def test_a_revert_from_the_history_page_comes_back_to_it_and_reads_as_a_revert(editor_client, make_claim):
    claim = make_claim(status_note="first")
    Claim.objects.filter(pk=claim.pk).update(status_note="second")
    first_event = Claim.pgh_event_model.objects.filter(pgh_obj_id=claim.pk, pgh_label="insert").get()
    history_url = f"/admin/claims/claim/{claim.pk}/history/"

    response = editor_client.post(
        f"/admin/claims/claim/{claim.pk}/revert/",
        {"event": f"claims.ClaimEvent:{first_event.pk}", "next": history_url},
    )
    newest = history_rows(editor_client.get(history_url))[0]

    assert response.status_code == 302 and response["Location"] == history_url
    claim.refresh_from_db()
    assert claim.status_note == "first"
    assert "Changed this claim (a revert to an earlier version)" in newest
    assert "test-editor" in newest and "status note: second → first" in newest


def test_a_revert_goes_back_only_to_a_page_of_this_site(editor_client, make_claim):
    claim = make_claim()
    event = Claim.pgh_event_model.objects.filter(pgh_obj_id=claim.pk).get()

    response = editor_client.post(
        f"/admin/claims/claim/{claim.pk}/revert/",
        {"event": f"claims.ClaimEvent:{event.pk}", "next": "https://elsewhere.example/"},
    )

    assert response["Location"] == f"/admin/claims/claim/{claim.pk}/change/"


def test_a_change_page_has_one_history_button(editor_client, make_claim):
    claim = make_claim()

    page = editor_client.get(f"/admin/claims/claim/{claim.pk}/change/").content.decode()
    tools = re.search(r'(?s)<ul class="object-tools">(.*?)</ul>', page).group(1)

    assert re.findall(r'href="([^"]+)"', tools) == [f"/admin/claims/claim/{claim.pk}/history/"]
    assert "Events" not in tools and "Revert" not in tools


def test_the_index_and_the_sidebar_name_no_internal_model(admin_client, make_claim):
    claim = make_claim()

    index = admin_client.get("/admin/").content.decode()
    sidebar = admin_client.get(f"/admin/claims/claim/{claim.pk}/change/").content.decode()

    for page in (index, sidebar):
        assert "Middleware events" not in page and "Pghistory" not in page


def test_the_all_events_page_stays_reachable_by_its_url_with_readable_columns(admin_client, make_claim):
    claim = make_claim()

    page = admin_client.get("/admin/pghistory/middlewareevents/", {"obj": f"claims.Claim:{claim.pk}"})

    assert page.status_code == 200
    assert "Pgh obj model" not in page.content.decode() and f"claim #{claim.pk}" in page.content.decode()


def test_view_site_leads_to_the_api_not_back_to_the_admin(editor_client):
    page = editor_client.get("/admin/").content.decode()

    [href] = re.findall(r'<a href="([^"]*)">View site</a>', page)
    site = editor_client.get(href, HTTP_ACCEPT="text/html")

    assert not href.startswith("/admin") and href != "/"
    assert site.status_code == 200 and "/api/v1/claims/" in site.content.decode()
