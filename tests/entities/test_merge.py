"""Merging duplicate entities moves every link to the kept one and leaves no orphan."""

import pytest
from django.core.exceptions import ValidationError

from apps.claims.models import Attestation
from apps.credibility.models import SourceRating
from apps.documents.models import Document
from apps.entities.models import Alias, Entity
from apps.entities.services import entity_merge
from apps.entities.signals import entity_merged


def test_merging_entities_moves_every_attestation(editor, make_entity, make_attestation):
    kept, dup = make_entity(name="Taliban"), make_entity(name="طالبان")
    attestation = make_attestation(speaker=dup, origin_entity=dup)

    entity_merge(keep=kept, duplicate=dup, by=editor)

    attestation.refresh_from_db()
    assert (attestation.speaker, attestation.origin_entity) == (kept, kept)
    assert not Entity.objects.filter(pk=dup.pk).exists()


def test_merging_moves_documents_claims_ratings_and_children(make_entity, make_document, make_claim):
    kept, dup = make_entity(name="UN Monitoring Team"), make_entity(name="فريق الرصد")
    child = make_entity(name="Team coordinator", kind="person", parent=dup)
    published = make_document(outlet=dup)
    authored = make_document(body="نص آخر")
    authored.authors.set([dup, kept])
    claim = make_claim()
    claim.subjects.set([dup])
    rating = SourceRating.objects.create(entity=dup, grade="B", rationale="usually reliable")

    entity_merge(keep=kept, duplicate=dup)

    assert Document.objects.get(pk=published.pk).outlet == kept
    assert list(authored.authors.all()) == [kept]  # the shared author row is not doubled
    assert list(claim.subjects.all()) == [kept]
    assert SourceRating.objects.get(pk=rating.pk).entity == kept
    assert Entity.objects.get(pk=child.pk).parent == kept


def test_merging_keeps_the_duplicates_names_as_aliases(make_entity):
    kept, dup = (
        make_entity(name="Nancy Faeser", kind="person"),
        make_entity(name="ناني فايسر", kind="person"),
    )
    Alias.objects.create(entity=dup, name="Faeser", language="en")
    Alias.objects.create(entity=dup, name="Nancy Faeser", language="en")  # already kept's name

    entity_merge(keep=kept, duplicate=dup)

    assert sorted(kept.aliases.values_list("name", flat=True)) == ["Faeser", "ناني فايسر"]


def _rows_pointing_at(entity: Entity) -> dict[str, int]:
    """How many rows of each table that links to entities point at `entity`."""
    counts = {}
    for relation in Entity._meta.related_objects:
        if relation.related_model is Alias:
            continue
        if relation.many_to_many:
            target = relation.field.m2m_reverse_field_name()
            rows = relation.through.objects.filter(**{f"{target}_id": entity.pk})
        else:
            rows = relation.related_model._base_manager.filter(**{f"{relation.field.name}_id": entity.pk})
        counts[relation.get_accessor_name()] = rows.count()
    return counts


def test_merging_moves_every_link_of_every_kind_and_loses_none(
    make_entity, make_document, make_claim, make_attestation
):
    kept, dup = make_entity(name="Soufan Group"), make_entity(name="مجموعة صوفان")
    document = make_document(outlet=dup)
    document.authors.set([dup])
    make_attestation(speaker=dup, origin_entity=dup, document=document)
    make_claim().subjects.set([dup])
    make_entity(name="Soufan analyst", kind="person", parent=dup)
    make_entity(name="A think tank").draws_on.add(dup)
    SourceRating.objects.create(entity=dup, grade="B", rationale="usually reliable")
    before_dup, before_kept = _rows_pointing_at(dup), _rows_pointing_at(kept)
    attestations_before = Attestation.objects.count()
    assert all(before_dup.values()), f"give the duplicate a link of every kind: {before_dup}"

    entity_merge(keep=kept, duplicate=dup)

    after_kept = _rows_pointing_at(kept)
    assert after_kept == {name: before_kept[name] + before_dup[name] for name in before_dup}
    assert not any(_rows_pointing_at(dup).values())
    assert Attestation.objects.count() == attestations_before


def test_an_entity_inside_its_duplicate_does_not_become_its_own_parent(make_entity):
    dup = make_entity(name="United Nations")
    kept = make_entity(name="الأمم المتحدة", parent=dup)

    entity_merge(keep=kept, duplicate=dup)

    kept.refresh_from_db()
    assert kept.parent is None


def test_an_entity_cannot_be_merged_into_itself(make_entity):
    entity = make_entity()

    with pytest.raises(ValidationError):
        entity_merge(keep=entity, duplicate=entity)


def test_merging_announces_itself_for_the_rooms_above(make_entity):
    kept, dup = make_entity(name="ISKP"), make_entity(name="داعش خراسان")
    heard = []
    entity_merged.connect(lambda sender, **kw: heard.append(kw["duplicate_id"]), weak=False, dispatch_uid="t")

    try:
        entity_merge(keep=kept, duplicate=dup)
    finally:
        entity_merged.disconnect(dispatch_uid="t")

    assert heard == [dup.pk]


def test_what_the_duplicate_draws_on_becomes_the_kept_ones_and_no_entity_draws_on_itself(make_entity):
    kept, dup = make_entity(name="UN Monitoring Team"), make_entity(name="فريق الرصد")
    states = make_entity(name="Member states' intelligence", kind="government")
    dup.draws_on.add(states)
    kept.draws_on.add(dup)

    entity_merge(keep=kept, duplicate=dup)

    assert list(kept.draws_on.all()) == [states]
