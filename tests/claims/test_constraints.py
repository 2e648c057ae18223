"""Each invariant the database holds rejects bad data, whatever path the write takes."""

import pytest
from django.db import IntegrityError, connection, transaction

from apps.claims.models import Attestation, ClaimRelation
from apps.credibility.models import SourceRating
from apps.documents.models import body_sha256


def _rejected(write, constraint: str) -> None:
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        write()


def test_a_claim_cannot_be_related_to_itself(make_claim):
    claim = make_claim()

    _rejected(
        lambda: ClaimRelation.objects.create(kind="supports", from_claim=claim, to_claim=claim),
        "relation_not_self",
    )


def test_one_relation_per_pair_and_kind(make_claim):
    a, b = make_claim(), make_claim()
    ClaimRelation.objects.create(kind="supports", from_claim=a, to_claim=b)

    _rejected(
        lambda: ClaimRelation.objects.create(kind="supports", from_claim=a, to_claim=b),
        "relation_unique_per_pair_kind",
    )


def test_a_contradiction_is_stored_once_whichever_way_round_it_is_entered(make_claim):
    a, b = make_claim(), make_claim()
    ClaimRelation.objects.create(kind="contradicts", from_claim=b, to_claim=a)

    stored = ClaimRelation.objects.get()
    assert (stored.from_claim_id, stored.to_claim_id) == (a.pk, b.pk)
    _rejected(
        lambda: ClaimRelation.objects.create(kind="contradicts", from_claim=a, to_claim=b),
        "relation_unique_per_pair_kind",
    )


def test_the_database_refuses_a_contradiction_stored_in_the_wrong_order(make_claim):
    a, b = make_claim(), make_claim()

    _rejected(
        lambda: ClaimRelation.objects.bulk_create(
            [ClaimRelation(kind="contradicts", from_claim=b, to_claim=a)]
        ),
        "relation_symmetric_stored_once",
    )


def test_supports_may_go_both_ways(make_claim):
    a, b = make_claim(), make_claim()

    ClaimRelation.objects.create(kind="supports", from_claim=a, to_claim=b)
    ClaimRelation.objects.create(kind="supports", from_claim=b, to_claim=a)

    assert ClaimRelation.objects.count() == 2


@pytest.mark.parametrize(
    ("quote", "start", "end", "constraint"),
    [
        ("", 5, 5, "attestation_offsets_in_order"),
        ("طالبان", 9, 4, "attestation_offsets_(in_order|fit_quote)"),
        ("طالبان", 0, 3, "attestation_offsets_fit_quote"),
    ],
)
def test_offsets_must_be_in_order_and_fit_the_quote(make_claim, make_document, quote, start, end, constraint):
    claim, document = make_claim(), make_document()

    _rejected(
        lambda: Attestation.objects.bulk_create(
            [Attestation(claim=claim, document=document, quote=quote, start=start, end=end)]
        ),
        constraint,
    )


def test_a_negative_offset_is_refused(make_claim, make_document):
    claim, document = make_claim(), make_document()

    _rejected(
        lambda: Attestation.objects.bulk_create(
            [Attestation(claim=claim, document=document, quote="ab", start=-1, end=1)]
        ),
        "attestation_offsets_in_order|start_check",
    )


def test_the_database_refuses_a_quote_that_is_not_the_body_at_its_offsets(make_claim, make_document):
    claim, document = make_claim(), make_document()

    _rejected(
        lambda: Attestation.objects.bulk_create(
            [Attestation(claim=claim, document=document, quote="كابول", start=0, end=5)]
        ),
        "attestation_quote_matches_body",
    )


def test_the_database_refuses_a_body_change_that_breaks_an_anchored_quote(make_attestation):
    attestation = make_attestation()
    document = attestation.document

    new_body = "نص آخر تماما لا يحوي الاقتباس"

    _rejected(
        lambda: (
            type(document)
            .objects.filter(pk=document.pk)
            .update(body=new_body, body_sha256=body_sha256(new_body))
        ),
        "document_body_keeps_anchors",
    )


def test_a_document_cannot_relay_itself(make_attestation):
    attestation = make_attestation()

    _rejected(
        lambda: Attestation.objects.filter(pk=attestation.pk).update(origin_document=attestation.document),
        "attestation_not_relayed_from_itself",
    )


def test_a_grade_outside_a_to_f_is_refused(make_entity):
    entity = make_entity()

    _rejected(
        lambda: SourceRating.objects.create(entity=entity, grade="G", rationale="no such grade"),
        "sourcerating_grade_in_range",
    )


def test_the_body_hash_always_matches_the_body(make_document):
    document = make_document()

    _rejected(
        lambda: type(document).objects.filter(pk=document.pk).update(body_sha256="0" * 64),
        "document_body_sha256_matches",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT encode(sha256(convert_to(body, 'UTF8')), 'hex') FROM documents_document")
        assert cursor.fetchone()[0] == document.body_sha256
