"""The admin helps an editor anchor a quote: the body's own passage to copy, the occurrence to pick."""

from apps.claims.models import Attestation
from tests.conftest import BODY

ADD = "/admin/claims/attestation/add/"
PASSAGE = "التقرير إن القاعدة ما زالت في كونار"


def _add(client, claim, document, quote: str, start: str = ""):
    return client.post(
        ADD,
        {
            "claim": claim.pk,
            "document": document.pk,
            "quote": quote,
            "start": start,
            "end": "",
            "stance": "affirms",
            "modality": "asserted",
            "note": "",
        },
    )


def test_a_near_miss_shows_the_bodys_passage_and_the_passage_saves(
    db, editor_client, make_claim, make_document
):
    claim, document = make_claim(), make_document()
    start = BODY.index(PASSAGE)

    refused = _add(editor_client, claim, document, quote="التقرير إن القاعده ما زالت في كونار")
    saved = _add(editor_client, claim, document, quote=PASSAGE)

    assert refused.status_code == 200
    error = refused.context["adminform"].form.errors["quote"][0]
    assert f"«{PASSAGE}» at characters {start}–{start + len(PASSAGE)} (differs in: letter forms)" in error
    # under the quote, the passage alone, with a button that puts it (and its offsets) in the form
    html = refused.content.decode()
    assert f'<div class="ct-passage" dir="auto">{PASSAGE}</div>' in html
    assert (
        f'class="button ct-use-passage" data-quote="{PASSAGE}" data-start="{start}" '
        f'data-end="{start + len(PASSAGE)}" data-target=""' in html
    )
    assert "claims/quote_help.js" in html
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    attestation = Attestation.objects.get()
    assert (attestation.quote, attestation.start, attestation.end) == (PASSAGE, start, start + len(PASSAGE))


def test_a_quote_nothing_like_the_body_offers_no_passage(db, editor_client, make_claim, make_document):
    response = _add(editor_client, make_claim(), make_document(), quote="The quick brown fox jumps.")

    assert "No passage of the body is close to it" in response.context["adminform"].form.errors["quote"][0]
    assert "ct-use-passage" not in response.content.decode()
    assert not Attestation.objects.exists()


def test_an_ambiguous_quote_offers_each_occurrence_to_pick(db, editor_client, make_claim, make_document):
    claim, document = make_claim(), make_document()
    first, second = BODY.index("القاعدة"), BODY.rindex("القاعدة")

    asked = _add(editor_client, claim, document, quote="القاعدة")
    saved = _add(editor_client, claim, document, quote="القاعدة", start=str(second))

    html = asked.content.decode()
    assert '<select name="start"' in html
    assert f'<option value="{first}">{first}: …' in html
    assert f'<option value="{second}">{second}: …' in html
    # a short error, and each occurrence on its own line with a button that picks it
    assert asked.context["adminform"].form.errors["start"] == [
        "The quote occurs 2 times in the document: choose the one meant below."
    ]
    for at in (first, second):
        assert f'class="button ct-use-occurrence" data-start="{at}" data-end="{at + len("القاعدة")}"' in html
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    attestation = Attestation.objects.get()
    assert (attestation.start, attestation.end) == (second, second + len("القاعدة"))


def test_a_quote_a_browser_sends_with_crlf_line_ends_anchors_in_a_body_with_newlines(
    db, editor_client, make_claim, make_document
):
    body = "سطر أول\nطالبان قطعت علاقاتها\nمع القاعدة"
    document = make_document(body=body)

    response = _add(editor_client, make_claim(), document, quote="قطعت علاقاتها\r\nمع القاعدة")

    assert response.status_code == 302, response.context["adminform"].form.errors
    attestation = Attestation.objects.get()
    assert attestation.quote == "قطعت علاقاتها\nمع القاعدة"
    assert body[attestation.start : attestation.end] == attestation.quote


def test_the_claim_page_inline_shows_the_passage_too(db, editor_client, make_claim, make_document):
    claim, document = make_claim(), make_document()
    data = {
        "statement": claim.statement,
        "language": "en",
        "status": "unreviewed",
        "publication": "published",
        "attestations-TOTAL_FORMS": 1,
        "attestations-INITIAL_FORMS": 0,
        "attestations-0-document": document.pk,
        "attestations-0-quote": "التقرير  إن القاعدة ما زالت في كونار",
        "attestations-0-stance": "affirms",
        "attestations-0-modality": "asserted",
        "relations_out-TOTAL_FORMS": 0,
        "relations_out-INITIAL_FORMS": 0,
        "relations_in-TOTAL_FORMS": 0,
        "relations_in-INITIAL_FORMS": 0,
    }

    response = editor_client.post(f"/admin/claims/claim/{claim.pk}/change/", data)

    assert response.status_code == 200
    assert "(differs in: whitespace)" in str(response.context["inline_admin_formsets"][0].formset.errors)
    assert 'data-target="attestations-0-"' in response.content.decode()
    assert not Attestation.objects.exists()
