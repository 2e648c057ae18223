"""Credibility in the admin: the grade on the claim page, the filter, the side-by-side comparison,
who may see it, and the admin writes and the command that regrade claims."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from apps.claims.models import Attestation, Claim, ClaimRelation, Credibility
from apps.credibility.services import credibility_recompute
from apps.entities.models import Entity

POMPEO_BROKE = "The Taliban have succeeded in breaking with terrorist groups."
TALIBAN_CLOSE = "The relationship between the Taliban and al-Qaeda remains close."
UN_MONITORING_TEAM = "UN Analytical Support and Sanctions Monitoring Team"
POMPEO_QUOTE = (
    "قال وزير الخارجية مايك بومبيو في الأول من مارس إن طالبان “نجحت في الإنفصال” مع الجماعات الإرهابية"
)
KUNAR_QUOTE = "القاعدة ما زالت في كونار"


@pytest.fixture
def pompeo(seed) -> Claim:
    return Claim.objects.get(statement=POMPEO_BROKE)


@pytest.fixture
def attested_by_soufan(make_entity, make_claim, make_attestation) -> tuple[Claim, Entity, Attestation]:
    """A claim one unrated speaker affirms: possibly true (E6), resting on that speaker."""
    soufan = make_entity("The Soufan Group")
    claim = make_claim("Al-Qaeda is in Kunar.")
    attestation = make_attestation(KUNAR_QUOTE, claim=claim, speaker=soufan)
    credibility_recompute(claim_ids=[claim.pk])  # as the services do after an attestation is saved
    claim.refresh_from_db()
    assert claim.credibility == Credibility.POSSIBLY_TRUE
    return claim, soufan, attestation


def compare_url(query: str) -> str:
    return reverse("admin:claims_claim_compare") + "?" + query


def _action(client, action: str, claims):
    return client.post(
        "/admin/claims/claim/", {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in claims]}
    )


# --- the claim page and list --------------------------------------------------------------


def test_the_claim_page_shows_the_grade_its_reasons_and_a_link_to_compare(pompeo, editor_client):
    response = editor_client.get(f"/admin/claims/claim/{pompeo.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "5 — improbable" in html
    reasons = pompeo.credibility_explanation["reasons"]
    assert reasons
    for reason in reasons:
        # every claim a reason names is a link to it
        linked = re.sub(
            r"#(\d+)", lambda m: f'<a href="/admin/claims/claim/{m[1]}/change/">#{m[1]}</a>', escape(reason)
        )
        assert f'<li dir="auto">{linked}</li>' in html
    assert any("contradicted by #" in reason for reason in reasons)
    assert escape(compare_url(f"conflicts_of={pompeo.pk}")) in html


def test_a_claim_never_graded_says_so_on_its_page_as_in_the_api(editor_client, make_claim):
    claim = make_claim()  # written outside the services: nothing has graded it yet

    response = editor_client.get(f"/admin/claims/claim/{claim.pk}/change/")

    assert response.status_code == 200
    assert '<li dir="auto">Not graded yet.</li>' in response.content.decode()


def test_the_claim_list_filters_by_credibility(seed, editor_client):
    response = editor_client.get("/admin/claims/claim/", {"credibility__exact": Credibility.PROBABLY_TRUE})

    assert response.status_code == 200
    listed = {claim.pk for claim in response.context["cl"].queryset}
    assert listed == set(
        Claim.objects.filter(credibility=Credibility.PROBABLY_TRUE).values_list("pk", flat=True)
    )
    assert listed and len(listed) < Claim.objects.count()


# --- comparing claims ---------------------------------------------------------------------


def test_comparing_two_selected_claims_opens_both_side_by_side(db, editor_client, make_claim):
    first, second = make_claim("A"), make_claim("B")

    response = _action(editor_client, "compare", [second, first])

    assert response.status_code == 302
    assert response["Location"] == compare_url(f"ids={first.pk}&ids={second.pk}")


def test_comparing_one_selected_claim_opens_it_with_its_contradicting_claims(db, editor_client, make_claim):
    claim = make_claim()

    response = _action(editor_client, "compare", [claim])

    assert response.status_code == 302
    assert response["Location"] == compare_url(f"conflicts_of={claim.pk}")


def test_pompeo_is_compared_with_every_claim_contradicting_him_quote_by_quote(pompeo, editor_client):
    contradicting = Claim.objects.filter(
        statement__in=[
            TALIBAN_CLOSE,
            "The Taliban failed to keep their word on a provision seen as central to the February 2020 "
            "US-Taliban agreement.",
            "The Taliban do not intend to keep the promises they made in the February 2020 deal with the "
            "United States.",
        ]
    ).order_by("pk")

    response = editor_client.get(compare_url(f"conflicts_of={pompeo.pk}"))

    assert response.status_code == 200
    html = response.content.decode()
    expected = [pompeo.pk, *(c.pk for c in contradicting)]
    assert [side.claim.pk for side in response.context["sides"]] == expected
    assert [int(pk) for pk in re.findall(r'<section class="ct-side" id="claim-(\d+)">', html)] == expected
    assert POMPEO_QUOTE in html, "an Arabic quote is shown as it is written"
    for attestation in Attestation.objects.filter(claim__in=expected):
        assert escape(attestation.quote) in html
    headings = [re.sub(r"\s+", " ", h) for h in re.findall(r"<h3 dir=\"auto\">(.*?)</h3>", html, re.S)]
    un_team = [h for h in headings if UN_MONITORING_TEAM in h and h.startswith("Affirmed by")]
    assert any("— 4 quotes, one independent source" in h for h in un_team), un_team


def test_a_staff_user_who_may_not_view_claims_cannot_compare_them(pompeo, client, django_user_model):
    staff = django_user_model.objects.create_user(
        username="staff-without-role", password="pw-for-tests-only", is_staff=True
    )
    client.force_login(staff)

    response = client.get(compare_url(f"conflicts_of={pompeo.pk}"))

    assert response.status_code == 403


def test_the_comparison_leaves_out_drafts_for_whoever_may_not_see_them(client, django_user_model, make_claim):
    published = make_claim("The Taliban broke with al-Qaeda.")
    draft = make_claim("A draft that says otherwise.", publication=Claim.Publication.DRAFT)
    ClaimRelation.objects.create(kind=ClaimRelation.Kind.CONTRADICTS, from_claim=published, to_claim=draft)
    viewer = django_user_model.objects.create_user(
        username="claim-viewer", password="pw-for-tests-only", is_staff=True
    )
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="claims", codename="view_claim")
    )
    client.force_login(viewer)

    by_conflicts = client.get(compare_url(f"conflicts_of={published.pk}"))
    by_ids = client.get(compare_url(f"ids={published.pk}&ids={draft.pk}"))

    for response in (by_conflicts, by_ids):
        assert response.status_code == 200
        assert [side.claim.pk for side in response.context["sides"]] == [published.pk]
        assert draft.statement not in response.content.decode()


# --- admin writes regrade -----------------------------------------------------------------


def test_a_rating_added_in_the_admin_regrades_the_claims_resting_on_the_entity(
    editor, editor_client, attested_by_soufan
):
    claim, soufan, _ = attested_by_soufan

    response = editor_client.post(
        "/admin/credibility/sourcerating/add/",
        {"entity": soufan.pk, "grade": "A", "rationale": "Its Kunar reporting has held up."},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert claim.credibility == Credibility.PROBABLY_TRUE
    assert claim.credibility_explanation["independent_affirming"][0]["reliability"] == "A"
    assert soufan.ratings.get().rated_by == editor


def test_a_rating_added_on_the_entity_page_regrades_the_claims_resting_on_it(
    editor, editor_client, attested_by_soufan
):
    claim, soufan, _ = attested_by_soufan
    data = {
        "kind": soufan.kind,
        "name": soufan.name,
        "description": "",
        "parent": "",
        "aliases-TOTAL_FORMS": 0,
        "aliases-INITIAL_FORMS": 0,
        "ratings-TOTAL_FORMS": 1,
        "ratings-INITIAL_FORMS": 0,
        "ratings-0-grade": "E",
        "ratings-0-rationale": "Its Kunar reporting has not held up.",
    }

    response = editor_client.post(f"/admin/entities/entity/{soufan.pk}/change/", data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    claim.refresh_from_db()
    # rated E, its only affirming root is listed but not counted: nothing counted affirms it (E1)
    assert claim.credibility == Credibility.CANNOT_BE_JUDGED
    assert claim.credibility_explanation["reasons"] == [
        "E0: not counted, rated D or E: The Soufan Group (E).",
        "E1: no counted independent source affirms or denies it.",
    ]
    assert soufan.ratings.get().rated_by == editor


def test_an_attestation_turned_to_a_denial_in_the_admin_regrades_its_claim(editor_client, attested_by_soufan):
    claim, soufan, attestation = attested_by_soufan

    response = editor_client.post(
        f"/admin/claims/attestation/{attestation.pk}/change/",
        {
            "claim": claim.pk,
            "document": attestation.document_id,
            "quote": attestation.quote,
            "start": attestation.start,
            "end": attestation.end,
            "stance": "denies",
            "modality": "asserted",
            "speaker": soufan.pk,
            "origin_entity": "",
            "origin_document": "",
            "note": "",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert claim.credibility == Credibility.IMPROBABLE
    assert claim.credibility_explanation["reasons"][0].startswith(
        "E2: independent sources: 1 deny it, 0 affirm."
    )


def test_an_attestation_moved_to_another_claim_in_the_admin_regrades_both(
    editor_client, make_claim, attested_by_soufan
):
    claim, soufan, attestation = attested_by_soufan
    other = make_claim("Al-Qaeda trains in Kunar.")

    response = editor_client.post(
        f"/admin/claims/attestation/{attestation.pk}/change/",
        {
            "claim": other.pk,
            "document": attestation.document_id,
            "quote": attestation.quote,
            "start": attestation.start,
            "end": attestation.end,
            "stance": "affirms",
            "modality": "asserted",
            "speaker": soufan.pk,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    claim.refresh_from_db()
    other.refresh_from_db()
    assert (claim.credibility, claim.credibility_explanation["attestation_count"]) == (
        Credibility.CANNOT_BE_JUDGED,
        0,
    )
    assert (other.credibility, other.credibility_explanation["attestation_count"]) == (
        Credibility.POSSIBLY_TRUE,
        1,
    )


# --- the command --------------------------------------------------------------------------


def test_recompute_credibility_restores_and_reports_a_tampered_grade(pompeo):
    Claim.objects.filter(pk=pompeo.pk).update(credibility=Credibility.CONFIRMED)
    out = StringIO()

    call_command("recompute_credibility", stdout=out)

    output = out.getvalue()
    assert f"#{pompeo.pk}: 1 confirmed by independent sources → 5 improbable  {POMPEO_BROKE}" in output
    assert f"1 of {Claim.objects.count()} claims changed grade." in output
    pompeo.refresh_from_db()
    assert pompeo.credibility == Credibility.IMPROBABLE


def test_recompute_credibility_of_one_claim_rebuilds_the_claims_contradicting_it_too(seed):
    close = Claim.objects.get(statement=TALIBAN_CLOSE)
    pompeo = Claim.objects.get(statement=POMPEO_BROKE)  # the only claim contradicting `close`
    Claim.objects.filter(pk__in=[close.pk, pompeo.pk]).update(credibility=Credibility.CANNOT_BE_JUDGED)
    out = StringIO()

    call_command("recompute_credibility", "--claim", str(close.pk), stdout=out)

    output = out.getvalue()
    # the UN's finding and an independent researcher's; the Taliban leader's denial is the subject's own
    # word, not weighed against them
    assert f"#{close.pk}: 6 truth cannot be judged → 1 confirmed by independent sources" in output
    assert f"#{pompeo.pk}: 6 truth cannot be judged → 5 improbable" in output
    assert "2 (the claims given and those contradicting them) changed grade." in output


def test_the_claim_page_shows_the_pair_and_what_the_curation_check_queries(
    seed, editor_client, make_claim, make_attestation, make_document
):
    haqqani = Claim.objects.get(pk=6)
    hedged = make_claim("Al-Qaeda is back in Kunar.")
    make_attestation(
        "ويبدو أن القاعدة عادت إلى كونار",
        claim=hedged,
        document=make_document(body="ويبدو أن القاعدة عادت إلى كونار."),
    )

    clean = editor_client.get(f"/admin/claims/claim/{haqqani.pk}/change/").content.decode()
    queried = editor_client.get(f"/admin/claims/claim/{hedged.pk}/change/").content.decode()

    assert 'class="ct-pair"' in clean and ">B2<" in clean  # the UN team, rated B
    assert "Nothing to query." in clean
    assert "recorded as asserted: mark it hedged" in queried


def test_the_document_page_shows_what_the_curation_check_queries_about_its_quotes(
    editor_client, make_claim, make_attestation, make_document
):
    document = make_document(body="ويبدو أن القاعدة عادت إلى كونار.")
    make_attestation(
        "ويبدو أن القاعدة عادت إلى كونار", claim=make_claim("Al-Qaeda is back."), document=document
    )
    clean = make_document(body="القاعدة في كونار.")

    queried = editor_client.get(f"/admin/documents/document/{document.pk}/change/").content.decode()
    nothing = editor_client.get(f"/admin/documents/document/{clean.pk}/change/").content.decode()

    assert "Curation check" in queried and "recorded as asserted: mark it hedged" in queried
    assert "Nothing to query." in nothing


def test_the_ratings_list_is_titled_for_what_it_is(editor_client):
    html = editor_client.get("/admin/credibility/sourcerating/").content.decode()

    assert "Select source rating to change" not in html
    assert "a new one is added, none is changed" in html


def test_the_comparison_shows_opinions_as_opinions_not_as_ungraded(
    db, editor_client, make_claim, make_attestation
):
    claim = make_claim("Al-Qaeda is in Kunar.")
    make_attestation("القاعدة ما زالت في كونار", claim=claim, modality="opinion")
    credibility_recompute(claim_ids=[claim.pk])

    page = editor_client.get(compare_url(f"ids={claim.pk}")).content.decode()

    assert "Opinions: shown, never counted nor weighed" in page
    assert "Not yet graded" not in page
