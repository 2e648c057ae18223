"""Where a report comes from: each attestation's independent root, relays followed to their end."""

from __future__ import annotations

import pytest

from apps.claims.models import Attestation
from apps.credibility.roots import attestation_root, document_issuer
from apps.credibility.rules import Root
from apps.documents.models import Document

QUOTE = "طالبان قطعت علاقاتها مع القاعدة"


@pytest.fixture
def people(make_entity):
    return {name: make_entity(name) for name in ("speaker", "origin", "outlet", "author", "other")}


def root_of(attestation: Attestation) -> Root:
    same_claim = list(Attestation.objects.filter(claim=attestation.claim))
    mine = next(a for a in same_claim if a.pk == attestation.pk)
    return attestation_root(mine, same_claim)


def entity_root(entity) -> Root:
    return Root(kind="entity", id=entity.pk, name=entity.name)


def test_without_a_relay_the_speaker_is_the_root(make_attestation, people):
    attestation = make_attestation(speaker=people["speaker"])

    assert root_of(attestation) == entity_root(people["speaker"])


def test_a_relayed_entity_is_the_root_not_the_speaker(make_attestation, people):
    attestation = make_attestation(speaker=people["speaker"], origin_entity=people["origin"])

    assert root_of(attestation) == entity_root(people["origin"])


def test_the_documents_own_voice_leads_to_its_outlet(make_attestation, make_document, people):
    document = make_document(outlet=people["outlet"])

    attestation = make_attestation(document=document)

    assert root_of(attestation) == entity_root(people["outlet"])


def test_without_an_outlet_a_sole_author_is_the_issuer(make_document, people):
    document = make_document()
    document.authors.set([people["author"]])

    assert document_issuer(document) == entity_root(people["author"])


def test_several_authors_and_no_outlet_make_the_document_its_own_issuer(make_document, people):
    document = make_document(title="US–Taliban agreement")
    document.authors.set([people["other"], people["author"]])

    assert document_issuer(document) == Root(kind="document", id=document.pk, name="US–Taliban agreement")


def test_a_relay_is_followed_to_the_origin_documents_report_of_the_same_stance(
    make_attestation, make_document, make_claim, people
):
    claim = make_claim()
    origin = make_document()
    make_attestation(claim=claim, document=origin, speaker=people["other"], stance="denies")
    make_attestation(
        "القاعدة ما زالت في كونار", claim=claim, document=origin, speaker=people["origin"], stance="affirms"
    )

    relay = make_attestation(claim=claim, speaker=people["speaker"], origin_document=origin)

    assert root_of(relay) == entity_root(people["origin"])


def test_a_document_with_no_known_issuer_is_its_own_root(make_attestation):
    attestation = make_attestation()

    assert root_of(attestation) == Root(kind="document", id=attestation.document_id, name="مقال")


def test_a_relayed_document_that_does_not_attest_the_claim_ends_at_its_issuer(
    make_attestation, make_document, people
):
    report = Document.objects.create(title="UN report", language="en", outlet=people["outlet"])

    attestation = make_attestation(speaker=people["speaker"], origin_document=report)

    assert root_of(attestation) == entity_root(people["outlet"])


def test_a_relayed_document_that_attests_the_claim_is_followed_to_its_own_root(
    make_attestation, make_document, make_claim, people
):
    claim = make_claim()
    source = make_attestation(claim=claim, speaker=people["origin"])
    relay = make_attestation(claim=claim, speaker=people["speaker"], origin_document=source.document)
    relay_of_relay = make_attestation(claim=claim, speaker=people["other"], origin_document=relay.document)

    assert root_of(relay_of_relay) == root_of(relay) == entity_root(people["origin"])


def test_relays_that_go_round_in_a_circle_stop_where_the_circle_closes(make_attestation, make_claim, people):
    claim = make_claim()
    first = make_attestation(claim=claim, speaker=people["speaker"])
    second = make_attestation(claim=claim, speaker=people["other"], origin_document=first.document)
    first.origin_document = second.document
    first.save()

    roots = (root_of(first), root_of(second))

    # each chain goes once round and ends at the speaker where it would have come back
    assert roots == (entity_root(people["other"]), entity_root(people["speaker"]))


def test_an_origin_entity_beats_the_issuer_of_a_document_that_does_not_attest_the_claim(
    make_attestation, people
):
    report = Document.objects.create(title="report", language="en", outlet=people["outlet"])

    attestation = make_attestation(
        speaker=people["speaker"], origin_entity=people["origin"], origin_document=report
    )

    assert root_of(attestation) == entity_root(people["origin"])
