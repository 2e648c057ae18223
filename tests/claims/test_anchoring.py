"""Quotes are anchored exactly: body[start:end] == quote, found when not given."""

import pytest
from django.core.exceptions import ValidationError

from apps.claims.anchoring import quote_anchor
from apps.claims.models import Attestation
from apps.claims.services import attestation_create, document_replace_body
from tests.conftest import BODY


def test_offsets_are_found_from_the_quote(make_attestation):
    attestation = make_attestation(quote="القاعدة ما زالت في كونار")

    assert BODY[attestation.start : attestation.end] == "القاعدة ما زالت في كونار"


def test_given_offsets_are_checked_against_the_body(make_claim, make_document):
    document = make_document()
    start = BODY.index("كونار")

    with pytest.raises(ValidationError) as error:
        attestation_create(
            claim=make_claim(), document=document, quote="كونار", start=start + 1, end=start + 6
        )

    assert "quote" in error.value.message_dict
    assert str(start) in error.value.message_dict["quote"][0]  # says where the quote really is
    assert not Attestation.objects.exists()


def test_a_quote_not_in_the_body_is_refused(make_claim, make_document):
    with pytest.raises(ValidationError) as error:
        attestation_create(claim=make_claim(), document=make_document(), quote="داعش خراسان")

    assert "quote" in error.value.message_dict


def test_a_quote_with_another_hamza_form_is_not_the_same_text(make_claim, make_document):
    document = make_document(body="أفغانستان")

    with pytest.raises(ValidationError):
        attestation_create(claim=make_claim(), document=document, quote="افغانستان")


def test_an_ambiguous_quote_must_be_disambiguated(make_claim, make_document):
    document = make_document()
    claim = make_claim()

    with pytest.raises(ValidationError) as error:
        attestation_create(claim=claim, document=document, quote="القاعدة")
    second = BODY.index("القاعدة", BODY.index("القاعدة") + 1)
    attestation = attestation_create(claim=claim, document=document, quote="القاعدة", start=second)

    message = error.value.message_dict["start"][0]
    assert "2 times" in message and str(second) in message
    assert (attestation.start, attestation.end) == (second, second + len("القاعدة"))


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (len(BODY) - 1, len(BODY) + 4), (10, 10)])
def test_offsets_out_of_range_are_refused(start, end):
    with pytest.raises(ValidationError):
        quote_anchor(body=BODY, quote="abcd", start=start, end=end)


def test_a_document_without_body_cannot_anchor_a_quote(make_claim, make_document):
    report = make_document(body="", title="UN report known by reference", language="en", kind="report")

    with pytest.raises(ValidationError) as error:
        attestation_create(claim=make_claim(), document=report, quote="anything")

    assert "document" in error.value.message_dict


def test_a_body_with_anchored_quotes_cannot_change_silently(make_attestation):
    document = make_attestation().document
    document.body = "وقال التقرير إن القاعدة ما زالت في كونار."

    with pytest.raises(ValidationError) as error:
        document.full_clean()

    assert "body" in error.value.message_dict


def test_replacing_a_body_moves_every_quote_to_its_new_place(make_attestation):
    attestation = make_attestation()
    new_body = "مقدمة جديدة. " + BODY

    document_replace_body(document=attestation.document, body=new_body)

    attestation.refresh_from_db()
    attestation.document.refresh_from_db()
    assert new_body[attestation.start : attestation.end] == attestation.quote
    assert attestation.document.body == new_body


def test_replacing_a_body_that_drops_a_quote_changes_nothing(make_attestation):
    attestation = make_attestation()

    with pytest.raises(ValidationError) as error:
        document_replace_body(document=attestation.document, body="وقال التقرير إن القاعدة ما زالت في كونار.")

    attestation.document.refresh_from_db()
    assert attestation.document.body == BODY
    assert f"#{attestation.pk}" in error.value.message_dict["body"][0]


def test_the_body_hash_is_computed_not_taken(make_document):
    document = make_document(body="نص")

    document.body_sha256 = "f" * 64
    document.save()

    document.refresh_from_db()
    assert document.body_sha256 == "e01176c2a05916f0c103f3bb3c47ee50b07f7c3c6b7c90271b07df4b44692edd"
