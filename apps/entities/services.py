"""Writes on entities that touch more than one row."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q

from apps.core.links import DRAWS_ON_LOOP, link_loop
from apps.entities.models import Alias, Entity
from apps.entities.signals import entity_merged


@transaction.atomic
def entity_merge(*, keep: Entity, duplicate: Entity, by=None) -> Entity:
    """Move every link from `duplicate` onto `keep`, keep its names as aliases, delete it."""
    if keep.pk == duplicate.pk:
        raise ValidationError({"duplicate": "An entity cannot be merged into itself."})
    # Lock both rows so that a concurrent merge or edit waits for this one.
    locked = {e.pk: e for e in Entity.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])}
    if len(locked) != 2:
        raise ValidationError("One of the entities to merge no longer exists.")
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    duplicate_id = duplicate.pk

    _merge_aliases(keep=keep, duplicate=duplicate)
    if keep.parent_id == duplicate.pk:
        keep.parent_id = duplicate.parent_id if duplicate.parent_id != keep.pk else None
    if not keep.description:
        keep.description = duplicate.description
    keep.save(update_fields=["parent", "description", "updated"])

    # Every table that points at an entity, found from the model graph so that a link added
    # later (by another app) is moved too and none is left orphaned or deleted by cascade.
    _move_draws_on(keep=keep, duplicate=duplicate)
    for relation in Entity._meta.related_objects:
        if relation.related_model is Alias or (relation.many_to_many and relation.related_model is Entity):
            continue
        if relation.many_to_many:
            _move_many_to_many(relation, keep=keep, duplicate=duplicate)
        else:
            field = relation.field.name
            rows = relation.related_model._base_manager.filter(**{field: duplicate})
            if relation.related_model is Entity:
                rows = rows.exclude(pk=keep.pk)
            bump = {"version": F("version") + 1} if _versioned(relation.related_model) else {}
            rows.update(**{field: keep}, **bump)

    _refuse_loops(keep)
    duplicate.delete()
    entity_merged.send(sender=Entity, keep=keep, duplicate_id=duplicate_id, by=by)
    return keep


def _versioned(model) -> bool:
    # a row moved onto the kept entity is a new version: a form opened on the old one is refused
    return any(field.attname == "version" for field in model._meta.concrete_fields)


def _merge_aliases(*, keep: Entity, duplicate: Entity) -> None:
    known = {
        keep.name.casefold(),
        *(n.casefold() for n in keep.aliases.values_list("name", flat=True)),
    }
    for alias in duplicate.aliases.all():
        if alias.name.casefold() in known:
            alias.delete()
        else:
            alias.entity = keep
            alias.save(update_fields=["entity", "updated"])
            known.add(alias.name.casefold())
    if duplicate.name.casefold() not in known:
        Alias.objects.create(entity=keep, name=duplicate.name, language="")


def _move_draws_on(*, keep: Entity, duplicate: Entity) -> None:
    """What the duplicate draws on, and what draws on it, become the kept entity's; a link between
    the two would be the kept entity drawing on itself and goes."""
    through = Entity.draws_on.through
    involving = through.objects.filter(Q(from_entity=duplicate) | Q(to_entity=duplicate))
    outgoing = set(involving.filter(from_entity=duplicate).values_list("to_entity_id", flat=True))
    incoming = set(involving.filter(to_entity=duplicate).values_list("from_entity_id", flat=True))
    existing = set(
        through.objects.filter(Q(from_entity=keep) | Q(to_entity=keep)).values_list(
            "from_entity_id", "to_entity_id"
        )
    )
    involving.delete()
    wanted = {(keep.pk, pk) for pk in outgoing} | {(pk, keep.pk) for pk in incoming}
    wanted = {pair for pair in wanted if pair[0] != pair[1] and pair not in existing}
    through.objects.bulk_create([through(from_entity_id=a, to_entity_id=b) for a, b in sorted(wanted)])


def _refuse_loops(keep: Entity) -> None:
    """A merge must not make an entity its own ancestor, nor a loop of sources drawing on each other."""
    chain, current = [keep.name], Entity.objects.filter(pk=keep.parent_id).first()
    seen = {keep.pk}
    while current is not None:
        chain.append(current.name)
        if current.pk in seen:
            raise ValidationError(
                {
                    "duplicate": "Merging them would put an entity inside itself ("
                    + " → ".join(chain)
                    + "): "
                    "change a parent first."
                }
            )
        seen.add(current.pk)
        current = Entity.objects.filter(pk=current.parent_id).first() if current.parent_id else None
    loop = link_loop(keep, "draws_on", keep.draws_on.all())
    if loop is not None:
        raise ValidationError({"duplicate": "Merging them: " + DRAWS_ON_LOOP.format(loop=loop)})


def _move_many_to_many(relation, *, keep: Entity, duplicate: Entity) -> None:
    through = relation.through
    source = relation.field.m2m_field_name()  # the model holding the ManyToManyField
    target = relation.field.m2m_reverse_field_name()  # the entity side
    # removed from the duplicate and made anew to the kept one, never updated in place: the link
    # history (apps.core.history.tracked_links) records a delete and an insert
    moved = through.objects.filter(**{target: duplicate})
    already = set(through.objects.filter(**{target: keep}).values_list(f"{source}_id", flat=True))
    sources = sorted(set(moved.values_list(f"{source}_id", flat=True)) - already)
    moved.delete()
    through.objects.bulk_create([through(**{f"{source}_id": pk, f"{target}_id": keep.pk}) for pk in sources])
