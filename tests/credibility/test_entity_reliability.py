"""Each entity's stored rating and track record (`EntityReliability`, kept by triggers) stays equal to
the figures computed from scratch, whatever edits come, whichever code makes them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from apps.claims.models import Attestation, Claim
from apps.claims.services import claim_judge, claims_set_publication, claims_set_status
from apps.claims.signals import claims_changed
from apps.credibility.models import EntityReliability, SourceRating
from apps.credibility.selectors import entities_with_reliability, track_records
from apps.credibility.services import credibility_recompute, source_rating_create
from apps.entities.models import Entity
from apps.entities.services import entity_merge

FIGURES = (
    "rated_grade",
    "rated_rationale",
    "rated_at",
    "track_affirmed",
    "track_corroborated",
    "track_refuted",
)


def stored() -> dict[int, tuple]:
    """What the entities list reads: the stored row, joined."""
    return {row[0]: row[1:] for row in entities_with_reliability().values_list("pk", *FIGURES)}


def from_scratch() -> dict[int, tuple]:
    """The same figures computed again: the latest rating, and a count over every published claim."""
    ids = list(Entity.objects.values_list("pk", flat=True))
    records = track_records(entity_ids=ids)
    current = {rating.entity_id: rating for rating in SourceRating.objects.current()}
    figures = {}
    for pk in ids:
        rating, record = current.get(pk), records[pk]
        rated = (rating.grade, rating.rationale, rating.rated_at) if rating else (None, None, None)
        figures[pk] = (*rated, record.affirmed, record.corroborated, record.refuted)
    return figures


def affirmed_by(entity_id: int) -> list[Claim]:
    return list(Claim.objects.published().filter(credibility_affirmers__contains=[entity_id]).order_by("pk"))


def row_version(entity_id: int) -> str | None:
    """Where the row's current version lies: an UPDATE, even to the same values, moves it."""
    with connection.cursor() as cursor:
        sql = "SELECT ctid::text FROM credibility_entityreliability WHERE entity_id = %s"
        cursor.execute(sql, [entity_id])
        row = cursor.fetchone()
    return row[0] if row else None


def test_stored_figures_equal_a_computation_from_scratch_after_a_series_of_edits(seed, editor):
    records = track_records(entity_ids=Entity.objects.values_list("pk", flat=True))
    top, second = sorted(records, key=lambda pk: (-records[pk].affirmed, pk))[:2]
    assert records[top].affirmed >= 2 and records[second].affirmed >= 1  # the seed has a record to move
    assert stored() == from_scratch()  # as the seed was loaded and graded

    # rated through the service, and rated again back-dated (not the current rating)
    source_rating_create(entity=Entity.objects.get(pk=top), grade="B", rationale="Right on Kunar.", by=editor)
    source_rating_create(
        entity=Entity.objects.get(pk=top),
        grade="E",
        rationale="Old doubts.",
        rated_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    )
    assert stored() == from_scratch()

    # ratings written with the ORM, many in one statement, as the tests and the admin's inline do
    SourceRating.objects.bulk_create(
        SourceRating(entity=entity, grade="C", rationale="Fairly reliable.")
        for entity in Entity.objects.all()[:5]
    )
    assert stored() == from_scratch()

    # verdicts: several claims at once, and one claim by a fact-checker's judgement
    first, *others = affirmed_by(top)
    claims_set_status(claim_ids=[c.pk for c in others], status=Claim.Status.REFUTED)
    claim_judge(claim=first, version=first.version, status=Claim.Status.CORROBORATED)
    assert stored() == from_scratch()

    # two entities merged: the duplicate's claims and ratings become the kept one's
    entity_merge(keep=Entity.objects.get(pk=top), duplicate=Entity.objects.get(pk=second), by=editor)
    assert not EntityReliability.objects.filter(entity_id=second).exists()
    assert stored() == from_scratch()

    # a claim unpublished: it no longer counts for anyone
    claims_set_publication(claim_ids=[first.pk], publication=Claim.Publication.DRAFT)
    assert stored() == from_scratch()

    # a quote deleted: its speaker may no longer affirm the claim
    quote = Attestation.objects.filter(
        claim__publication=Claim.Publication.PUBLISHED, speaker__isnull=False
    ).first()
    quote.delete()
    claims_changed.send(sender=Attestation, claim_ids=[quote.claim_id])
    assert stored() == from_scratch()

    # a claim deleted, and a rating deleted
    affirmed_by(top)[-1].delete()
    SourceRating.objects.filter(entity_id=top).order_by("-rated_at", "-id").first().delete()
    assert stored() == from_scratch()

    # and everything regraded from scratch moves nothing
    credibility_recompute()
    assert stored() == from_scratch()


def test_an_entity_with_ratings_and_a_record_can_be_deleted(make_entity, make_claim, make_attestation):
    entity = make_entity("Afghan officials (unnamed)")
    claim = make_claim("Al-Qaeda is in Kunar.", status=Claim.Status.CORROBORATED)
    SourceRating.objects.create(entity=entity, grade="D", rationale="Not usually reliable.")
    attestation = make_attestation("القاعدة ما زالت في كونار", claim=claim, speaker=entity)
    credibility_recompute(claim_ids=[claim.pk])
    assert EntityReliability.objects.get(entity=entity).affirmed == 1
    attestation.delete()

    entity.delete()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign keys checked now

    assert not EntityReliability.objects.filter(entity_id=entity.pk).exists()


@pytest.mark.parametrize("publication", [Claim.Publication.PUBLISHED, Claim.Publication.DRAFT])
def test_a_regrade_that_moves_no_count_leaves_the_stored_row_alone(
    make_entity, make_claim, make_attestation, publication
):
    entity = make_entity("The Soufan Group")
    claim = make_claim("Al-Qaeda is in Kunar.", publication=publication)
    make_attestation("القاعدة ما زالت في كونار", claim=claim, speaker=entity)
    credibility_recompute(claim_ids=[claim.pk])
    before = EntityReliability.objects.filter(entity=entity).values_list("affirmed", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xmin::text FROM credibility_entityreliability WHERE entity_id = %s", [entity.pk]
        )
        version = cursor.fetchone()

    # the grade and explanation rewritten, the affirmers as they were: the trigger's WHEN skips it
    Claim.objects.filter(pk=claim.pk).update(credibility=1, credibility_explanation={})
    credibility_recompute(claim_ids=[claim.pk])

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xmin::text FROM credibility_entityreliability WHERE entity_id = %s", [entity.pk]
        )
        assert cursor.fetchone() == version
    assert before == (1 if publication == Claim.Publication.PUBLISHED else None)
