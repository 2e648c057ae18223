"""Saving in the admin regrades the claims the save touched, as the services do."""

from __future__ import annotations

from apps.claims.models import Claim, Credibility
from apps.credibility.models import SourceRating
from apps.credibility.services import credibility_recompute
from tests.admin.forms import claim_form


def roots(claim: Claim) -> list[str]:
    claim.refresh_from_db()
    return [item["root"]["name"] for item in claim.credibility_explanation["independent_affirming"]]


def test_a_contradiction_added_in_the_claim_admin_regrades_both_claims(
    editor_client, make_claim, make_attestation, make_entity
):
    weak, strong = make_claim("weak"), make_claim("strong")
    make_attestation(claim=weak, speaker=make_entity("one"))
    for name in ("two", "three"):
        make_attestation(claim=strong, speaker=make_entity(name))
    data = claim_form(
        strong,
        **{
            "relations_out-TOTAL_FORMS": 1,
            "relations_out-0-kind": "contradicts",
            "relations_out-0-to_claim": weak.pk,
            "relations_out-0-note": "",
        },
    )

    response = editor_client.post(f"/admin/claims/claim/{strong.pk}/change/", data)

    assert response.status_code == 302
    weak.refresh_from_db()
    strong.refresh_from_db()
    assert (strong.credibility, weak.credibility) == (Credibility.PROBABLY_TRUE, Credibility.IMPROBABLE)
    assert [c["claim"] for c in weak.credibility_explanation["conflicts"]] == [strong.pk]


def test_deleting_a_quote_in_the_admin_regrades_its_claim(
    editor_client, make_claim, make_attestation, make_entity
):
    claim = make_claim()
    keep = make_attestation(claim=claim, speaker=make_entity("kept"))
    doomed = make_attestation(claim=claim, speaker=make_entity("deleted"))
    Claim.objects.filter(pk=claim.pk).update(credibility=Credibility.CONFIRMED)

    response = editor_client.post(f"/admin/claims/attestation/{doomed.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert roots(claim) == ["kept"]
    assert claim.credibility == Credibility.POSSIBLY_TRUE
    assert keep.pk in claim.credibility_explanation["independent_affirming"][0]["attestations"]


def test_giving_a_document_an_outlet_makes_the_outlet_the_root_of_its_own_voice(
    editor_client, make_attestation, make_entity
):
    attestation = make_attestation()
    outlet = make_entity("الجزيرة", kind="outlet")
    document = attestation.document
    data = {
        "title": document.title,
        "outlet": outlet.pk,
        "language": document.language,
        "kind": document.kind,
        "body": document.body,
        "attestations-TOTAL_FORMS": 1,
        "attestations-INITIAL_FORMS": 1,
        "attestations-0-id": attestation.pk,
        "attestations-0-document": document.pk,
        "attestations-0-claim": attestation.claim_id,
        "attestations-0-quote": attestation.quote,
        "attestations-0-start": attestation.start,
        "attestations-0-end": attestation.end,
        "attestations-0-stance": attestation.stance,
        "attestations-0-modality": "asserted",
    }

    response = editor_client.post(f"/admin/documents/document/{document.pk}/change/", data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert roots(attestation.claim) == ["الجزيرة"]


def test_a_rating_is_history_the_admin_never_deletes_it(editor_client, make_entity):
    rating = SourceRating.objects.create(entity=make_entity(), grade="B", rationale="usually right")

    response = editor_client.post(f"/admin/credibility/sourcerating/{rating.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert SourceRating.objects.filter(pk=rating.pk).exists()


def test_a_save_that_moves_grades_says_which_from_what_to_what_and_why(
    editor_client, make_claim, make_attestation, make_entity
):
    weak, strong = make_claim("weak"), make_claim("strong")
    make_attestation(claim=weak, speaker=make_entity("one"))
    for name in ("two", "three"):
        make_attestation(claim=strong, speaker=make_entity(name))
    credibility_recompute(claim_ids=[weak.pk, strong.pk])
    strong.refresh_from_db()
    data = claim_form(
        strong,
        **{
            "relations_out-TOTAL_FORMS": 1,
            "relations_out-0-kind": "contradicts",
            "relations_out-0-to_claim": weak.pk,
            "relations_out-0-note": "",
        },
    )

    response = editor_client.post(f"/admin/claims/claim/{strong.pk}/change/", data, follow=True)

    shown = [str(message) for message in response.context["messages"]]
    assert any(
        text.startswith("Regraded:") and f"#{weak.pk} from 3 to 5 (C2: contradicted by #{strong.pk}" in text
        for text in shown
    ), shown
