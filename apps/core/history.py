"""History of every change: who, when, what (django-pghistory).

PostgreSQL triggers write one event row per insert, update and delete of a tracked model, so bulk
`.update()`, raw SQL and fixtures are recorded like admin and API saves (model signals miss them).
`pghistory.middleware.HistoryMiddleware` attaches the request's user and URL to the events.

The server's own columns are left out of the snapshots, and an update that changes only them
records nothing: `search_vector` (rewritten by the search triggers whenever a quote or an alias
changes), `version` (the optimistic-locking counter, bumped by every save), `updated` (the save
time: the event has its own) and whatever a model adds (a claim's computed credibility).
"""

from __future__ import annotations

import copy
import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pghistory
import pgtrigger
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

SERVER_COLUMNS = ("search_vector", "version", "updated")
# never set back by a revert: the server's columns, and when the row was first made
NOT_REVERTED = (*SERVER_COLUMNS, "created")

# Sent by `event_revert` inside its transaction, before the row is validated and after it is
# saved; the rooms above (claims, credibility) check and regrade what a revert touches. A
# receiver of `reverting` may raise ValidationError to refuse it. kwargs: instance (the row with
# the snapshot's values), previous (the row as it was, None when it is re-created), event.
reverting = Signal()
reverted = Signal()


def tracked(*, exclude: Sequence[str] = ()):
    """Record every insert, update and delete of the decorated model, without the server's columns."""
    return pghistory.track(
        pghistory.InsertEvent(),
        # AnyChange() with no fields means "any snapshotted field": the excluded ones never fire it
        pghistory.UpdateEvent(condition=pghistory.AnyChange()),
        pghistory.DeleteEvent(),
        exclude=[*SERVER_COLUMNS, *exclude],
    )


# rows deleted with another without a pghistory context (a shell): removed within these moments
# before it, as Django deletes what goes with a row just before the row
DELETED_WITH_WINDOW = datetime.timedelta(seconds=5)


def deleted_with(delete: models.Model) -> Q:
    """The events that were part of the delete event `delete`: those of its request (or
    `pghistory.context()`), or, with no context, the context-less deletes just before it."""
    if delete.pgh_context_id is not None:
        return Q(pgh_context_id=delete.pgh_context_id)
    return Q(
        pgh_context__isnull=True,
        pgh_label="delete",
        pgh_created_at__lte=delete.pgh_created_at,
        pgh_created_at__gte=delete.pgh_created_at - DELETED_WITH_WINDOW,
    )


def _went_with(delete: models.Model, label: str, at: datetime.datetime, context_id) -> bool:
    """`deleted_with`, for an event already fetched."""
    if delete.pgh_context_id is not None:
        return context_id == delete.pgh_context_id
    return (
        context_id is None
        and label == "delete"
        and delete.pgh_created_at - DELETED_WITH_WINDOW <= at <= delete.pgh_created_at
    )


# {owner model: [(many-to-many field name, proxy of its through model), ...]}, filled by `tracked_links`
LINKS: dict[type[models.Model], list[tuple[str, type[models.Model]]]] = {}


def tracked_links(field_name: str, *, label: str):
    """Record every link added to and removed from a many-to-many field (a claim's subjects, a
    document's authors): decorate a proxy of the field's through model. pghistory cannot put
    triggers on the through table Django creates, but it can on a proxy of it; the table, the
    admin and the API keep using the plain field. In a row's history a link event reads as
    `label` (an insert adds the target, a delete removes it)."""

    def decorate(proxy: type[models.Model]) -> type[models.Model]:
        owner = proxy._meta.proxy_for_model._meta.auto_created
        if (
            not proxy._meta.proxy
            or owner is None
            or owner._meta.get_field(field_name).remote_field.through is not proxy._meta.proxy_for_model
        ):
            raise TypeError(f"{proxy.__name__} is not a proxy of the through model of {field_name}")
        tracked_proxy = pghistory.track(pghistory.InsertEvent(), pghistory.DeleteEvent())(proxy)
        # a link is made and removed, never changed in place: an UPDATE would bypass its history
        pgtrigger.register(pgtrigger.Protect(name="links_are_not_updated", operation=pgtrigger.Update))(
            tracked_proxy
        )
        tracked_proxy.history_label = label
        LINKS.setdefault(owner, []).append((field_name, tracked_proxy))
        return tracked_proxy

    return decorate


def link_columns(owner: type[models.Model], field_name: str) -> tuple[str, str]:
    """The through table's (owner, target) foreign-key attnames: ("claim_id", "entity_id")."""
    field = owner._meta.get_field(field_name)
    return f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"


def link_owner(event_model: type[models.Model]) -> tuple[type[models.Model], str] | None:
    """(owner model, field name) when `event_model` records the links of a many-to-many field."""
    for owner, fields in LINKS.items():
        for field_name, proxy in fields:
            if proxy.pgh_event_model is event_model:
                return owner, field_name
    return None


class LinkTimeline:
    """Every recorded link event of one row's tracked many-to-many fields, fetched once (one
    query per field), to answer which targets were linked at any point of its history."""

    def __init__(self, model: type[models.Model], pk) -> None:
        self.fields = {}
        for field_name, proxy in LINKS.get(model, []):
            source, target = link_columns(model, field_name)
            recorded = list(
                proxy.pgh_event_model.objects.filter(**{source: pk})
                .order_by("pgh_created_at", "pgh_id")
                .values_list("pgh_label", target, "pgh_created_at", "pgh_context_id")
            )
            current = set(proxy._base_manager.filter(**{source: pk}).values_list(target, flat=True))
            self.fields[field_name] = (recorded, current)

    def at(self, point: models.Model, *, deleted_with: bool = False) -> dict[str, list[int]]:
        """{field: [target ids]} once the request (or `pghistory.context()`) of the event `point`
        was done: a save writes the row, then its links. With `deleted_with`, for a delete event:
        the links before the delete took them away (Django removes them just before the row)."""
        context = point.pgh_context_id
        found = {}
        for field_name, (recorded, current) in self.fields.items():
            if deleted_with:
                # without what the delete took away with it
                applied = [
                    (label, target_id, at, ctx)
                    for label, target_id, at, ctx in recorded
                    if at <= point.pgh_created_at and not _went_with(point, label, at, ctx)
                ]
            else:
                applied = [
                    ev for ev in recorded if ev[2] <= point.pgh_created_at or (context and ev[3] == context)
                ]
            # a link older than the history has no insert event: it was there before its first
            # event (a delete), or, with no event at all, it still is
            present = dict.fromkeys(current, True)
            seen: set[int] = set()
            for label, target_id, _, _ in recorded:
                if target_id not in seen:
                    seen.add(target_id)
                    present[target_id] = label == "delete"
            for label, target_id, _, _ in applied:
                present[target_id] = label == "insert"
            found[field_name] = sorted(target_id for target_id, here in present.items() if here)
        return found


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded change of one row, with the fields it changed as {field: [old, new]}."""

    model: str
    object_id: int
    event: str
    at: datetime.datetime
    user_id: int | None
    username: str | None
    url: str | None
    command: str | None
    changes: dict[str, list[Any]] = field(default_factory=dict)
    pgh_id: int = 0
    event_model: str = ""
    # "app.ModelEvent:id" of the event a revert set the row back to; None for any other change
    revert_of: str | None = None

    @property
    def via(self) -> str | None:
        """What made the change: the request's URL, or the management command."""
        return self.url or (f"manage.py {self.command}" if self.command else None)


Part = type[models.Model] | tuple[type[models.Model], str]


def object_parts(model: type[models.Model]) -> list[Part]:
    """What a row's history takes in besides its own events: its tracked links (a claim's
    subjects) and the tracked rows that cannot be without it, those with a required foreign key
    to it (a claim's attestations and relations, a document's attestations, an entity's aliases
    and ratings; not the attestations that merely name an entity as their speaker)."""
    parts: list[Part] = [proxy for _, proxy in LINKS.get(model, [])]
    for relation in model._meta.related_objects:
        tracked = hasattr(relation.related_model, "pgh_event_model")
        if tracked and relation.one_to_many and not relation.field.null:
            parts.append((relation.related_model, relation.field.name))
    return parts


def object_history(*, obj: models.Model, parts: Sequence[Part] = ()) -> list[HistoryEntry]:
    """The events of `obj` and of the `parts` rows that point at it (a claim's attestations, an
    entity's aliases), deleted ones included, oldest first. Two queries, whatever their number. A
    part given as (model, foreign key name) counts only the rows pointing at `obj` through that
    key: a document's attestations, not those that relay it as their origin."""
    from pghistory.models import MiddlewareEvents

    own = type(obj).pgh_event_model
    through: dict[type[models.Model], list[str]] = {}
    for part in parts:
        model, field_name = part if isinstance(part, tuple) else (part, None)
        through.setdefault(model.pgh_event_model, []).extend([field_name] if field_name else [])
    part_events = list(through)
    # `references` finds every event row with a foreign key to `obj`: the object's own events and
    # its parts', but also (through Entity.parent) its children's, which the filter leaves out
    wanted = Q(pgh_model=own._meta.label, pgh_obj_id=str(obj.pk))
    for event_model, field_names in through.items():
        owner = link_owner(event_model)
        if owner is not None and owner[0] is type(obj):
            # a link of `obj`'s own, not one that points at it from another row (a citation of it)
            source = link_columns(*owner)[0]
            wanted |= Q(pgh_model=event_model._meta.label, **{f"pgh_data__{source}": obj.pk})
        elif field_names:
            tracked_model = event_model.pgh_tracked_model
            columns = [tracked_model._meta.get_field(name).column for name in field_names]
            pointing = Q()
            for column in columns:
                pointing |= Q(**{f"pgh_data__{column}": obj.pk})
            wanted |= Q(pgh_model=event_model._meta.label) & pointing
        else:
            wanted |= Q(pgh_model=event_model._meta.label)
    events = list(
        MiddlewareEvents.objects.references(obj)
        .across(own, *part_events)
        .filter(wanted)
        .order_by("pgh_created_at", "pgh_model", "pgh_id")
        .values(
            "pgh_id",
            "pgh_model",
            "pgh_obj_id",
            "pgh_label",
            "pgh_created_at",
            "pgh_data",
            "pgh_diff",
            "pgh_context",
        )
    )
    user_ids = {(event["pgh_context"] or {}).get("user") for event in events} - {None}
    usernames = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    names = {event_model._meta.label: event_model.pgh_tracked_model for event_model in [own, *part_events]}
    return [_entry(event, names[event["pgh_model"]], usernames) for event in events]


def _entry(event: dict, model: type[models.Model], usernames: dict[int, str]) -> HistoryEntry:
    columns = {f.column: f.name for f in model._meta.concrete_fields}
    data = {columns.get(k, k): v for k, v in (event["pgh_data"] or {}).items() if k != "id"}
    object_id = int(event["pgh_obj_id"])
    name = model._meta.model_name
    if owner := link_owner(model.pgh_event_model):
        # a link: the target added or removed, in the owner's words ("subject": entity #28)
        name = model.history_label
        target = link_columns(*owner)[1]
        object_id = (event["pgh_data"] or {})[target]
        data = {name: object_id}
    if event["pgh_label"] == "insert":
        changes = {name: [None, value] for name, value in data.items()}
    elif event["pgh_label"] == "delete":
        changes = {name: [value, None] for name, value in data.items()}
    else:
        changes = {columns.get(k, k): v for k, v in (event["pgh_diff"] or {}).items()}
    context = event["pgh_context"] or {}
    user_id = context.get("user")
    return HistoryEntry(
        model=name,
        object_id=object_id,
        event=event["pgh_label"],
        at=event["pgh_created_at"],
        user_id=user_id,
        username=usernames.get(user_id),
        url=context.get("url"),
        command=context.get("command"),
        changes=changes,
        pgh_id=event["pgh_id"],
        event_model=event["pgh_model"],
        revert_of=context.get("revert_of"),
    )


@dataclass(frozen=True)
class FieldChange:
    """One field an event set, in words: its name as the form shows it, its values shown."""

    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class EntryInWords:
    """A `HistoryEntry` as a person reads it: who made it, what it did, and each field it set."""

    entry: HistoryEntry
    who: str
    # "Changed this claim", "Added attestation #12", "Added to subjects"
    action: str
    # the part's or the linked row's name ("طالبان"), shown in its own direction; None when gone
    name: str | None
    changes: list[FieldChange]
    # the row that a revert to this event sets back (the object itself, or one of its parts)
    row_model: type[models.Model] | None
    row_id: int | None

    @property
    def key(self) -> str:
        """The event, as the revert page's form names it."""
        return f"{self.entry.event_model}:{self.entry.pgh_id}"


VERBS = {"insert": ("Created", "Added"), "update": ("Changed", "Changed"), "delete": ("Deleted", "Removed")}


def history_in_words(*, obj: models.Model, entries: Sequence[HistoryEntry]) -> list[EntryInWords]:
    """`object_history(obj=obj, …)` in words: fields by the names their forms give them, choices by
    their label, related rows and link targets by their name (`#id (deleted)` once gone). One
    query per kind of row named, whatever the number of entries."""
    resolved = []
    wanted: dict[type[models.Model], set[int]] = {}
    for entry in entries:
        event_model = django_apps.get_model(entry.event_model)
        owner = link_owner(event_model)
        if owner is not None:
            target = owner[0]._meta.get_field(owner[1]).related_model
            wanted.setdefault(target, set()).add(entry.object_id)
            resolved.append((entry, owner[0], owner[1]))
            continue
        model = event_model.pgh_tracked_model
        if model is not type(obj):
            wanted.setdefault(model, set()).add(entry.object_id)
        for name, values in entry.changes.items():
            field = _field(model, name)
            if field is not None and field.many_to_one:
                wanted.setdefault(field.related_model, set()).update(v for v in values if v is not None)
        resolved.append((entry, model, None))
    named = {model: model._base_manager.in_bulk(ids) for model, ids in wanted.items()}
    return [_in_words(entry, model, link, obj, named) for entry, model, link in resolved]


def _in_words(entry: HistoryEntry, model, link: str | None, obj, named) -> EntryInWords:
    own, part = VERBS[entry.event]
    if link is not None:
        field = model._meta.get_field(link)
        target = named[field.related_model].get(entry.object_id)
        verb = "Added to" if entry.event == "insert" else "Removed from"
        action, name, changes = f"{verb} {field.verbose_name}", _name(target, entry.object_id), []
        row = (model, obj.pk) if model is type(obj) else (None, None)
    else:
        if model is type(obj):
            action, name = f"{own} this {model._meta.verbose_name}", None
        else:
            row_now = named[model].get(entry.object_id)
            action = f"{part} {model._meta.verbose_name} #{entry.object_id}"
            name = str(row_now) if row_now is not None else None
        changes = []
        # in the order of the form, not of the snapshot's JSON keys
        order = {f.name: i for i, f in enumerate(model._meta.fields)}
        in_order = sorted(entry.changes.items(), key=lambda change: order.get(change[0], len(order)))
        for field_name, (old, new) in in_order:
            field = _field(model, field_name)
            # a row created or removed lists what it held; an update, every field it changed
            if entry.event != "update" and not _worth_listing(field, old if new is None else new, obj):
                continue
            label = str(field.verbose_name) if field is not None else field_name.replace("_", " ")
            shown = FieldChange(field=label, old=_shown(field, old, named), new=_shown(field, new, named))
            changes.append(shown)
        row = (model, entry.object_id)
    if entry.revert_of:
        action += " (a revert to an earlier version)"
    return EntryInWords(
        entry=entry,
        who=_who(entry),
        action=action,
        name=name,
        changes=changes,
        row_model=row[0],
        row_id=row[1],
    )


def _field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _worth_listing(field: models.Field | None, value: Any, obj: models.Model) -> bool:
    """Whether a created or removed row's value says something: not empty, not a server column
    (`created`), not the foreign key back to the object whose history it is."""
    if value is None or value == "" or (field is not None and not field.editable):
        return False
    back_to_obj = field is not None and field.many_to_one and field.related_model is type(obj)
    return not (back_to_obj and value == obj.pk)


def _name(row: models.Model | None, pk: Any) -> str:
    return str(row) if row is not None else f"#{pk} (deleted)"


def _shown(field: models.Field | None, value: Any, named) -> str | None:
    """A snapshot's value as the form shows it: a choice's label, a related row's name, a time in
    the site's zone; None for no value."""
    if value is None or value == "":
        return None
    if field is None:
        return str(value)
    if field.many_to_one:
        return _name(named.get(field.related_model, {}).get(value), value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(field, models.DateTimeField):
        try:
            return f"{timezone.localtime(field.to_python(value)):%Y-%m-%d %H:%M}"
        except (ValidationError, ValueError):
            return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _who(entry: HistoryEntry) -> str:
    if entry.username:
        return entry.username
    if entry.user_id is not None:
        return f"user #{entry.user_id} (account deleted)"
    if entry.command:
        return "a management command"
    # raw SQL, a migration, a shell without `pghistory.context()`
    return "the system"


@dataclass(frozen=True)
class HistoryPoint:
    """One moment of a row's history that it can be set back to: an event of the row or of one
    of its links, with the values (fields and links) the row had then."""

    event: models.Model
    key: str
    name: str
    username: str | None
    values: dict[str, Any]
    # the fields (and links) whose value differs from the moment before
    changed: frozenset[str] = frozenset()

    @property
    def at(self) -> datetime.datetime:
        return self.event.pgh_created_at


def history_points(model: type[models.Model], pk: int) -> list[HistoryPoint]:
    """Every event of the row `pk` and of its tracked links, newest first, each with the row's
    values at that moment. A fixed number of queries, whatever the number of events."""
    row_events = list(model.pgh_event_model.objects.filter(pgh_obj_id=pk).select_related("pgh_context"))
    events = [(event, None) for event in row_events]
    for field_name, proxy in LINKS.get(model, []):
        source, _ = link_columns(model, field_name)
        link_events = proxy.pgh_event_model.objects.filter(**{source: pk}).select_related("pgh_context")
        events += [(event, (field_name, proxy)) for event in link_events]
    events.sort(key=lambda item: (item[0].pgh_created_at, item[1] is not None, item[0].pgh_id))
    row_events.sort(key=lambda event: (event.pgh_created_at, event.pgh_id))

    timeline = LinkTimeline(model, pk)
    links = [
        timeline.at(event, deleted_with=link is None and event.pgh_label == "delete")
        for event, link in events
    ]
    names = {}
    for field_name, _ in LINKS.get(model, []):
        ids = {target for state in links for target in state[field_name]}
        target_column = link_columns(model, field_name)[1]
        ids |= {getattr(event, target_column) for event, link in events if link and link[0] == field_name}
        target_model = model._meta.get_field(field_name).related_model
        names[field_name] = target_model._base_manager.in_bulk(ids)
    user_ids = {(event.pgh_context.metadata if event.pgh_context else {}).get("user") for event, _ in events}
    usernames = dict(get_user_model().objects.filter(pk__in=user_ids - {None}).values_list("pk", "username"))

    points = []
    previous: dict[str, Any] = {}
    for (event, link), state in zip(events, links, strict=True):
        if link is None:
            row_event = event
            name = f"{event.pgh_label} #{event.pk}"
        else:
            field_name, proxy = link
            earlier = [e for e in row_events if e.pgh_created_at <= event.pgh_created_at]
            row_event = earlier[-1] if earlier else None
            target = getattr(event, link_columns(model, field_name)[1])
            verb = "added" if event.pgh_label == "insert" else "removed"
            shown = names[field_name].get(target, f"#{target}")
            name = f"{proxy.history_label} «{shown}» {verb} (#{event.pk})"
        values = snapshot_values(row_event) if row_event is not None else {}
        for field_name, target_ids in state.items():
            shown = names[field_name]
            values[field_name] = "; ".join(str(shown.get(i, f"#{i} (deleted)")) for i in target_ids) or None
        context = event.pgh_context.metadata if event.pgh_context else {}
        points.append(
            HistoryPoint(
                event=event,
                key=f"{event._meta.label}:{event.pk}",
                name=name,
                username=usernames.get(context.get("user")),
                values=values,
                changed=frozenset(key for key, value in values.items() if previous.get(key) != value),
            )
        )
        previous = values
    return points[::-1]


def snapshot_values(event: models.Model) -> dict[str, Any]:
    """{attname: value} of the editable columns an event's snapshot holds."""
    model = event.pgh_tracked_model
    held = {f.attname for f in event._meta.concrete_fields}
    return {
        f.attname: getattr(event, f.attname)
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in NOT_REVERTED and f.attname in held
    }


def row_event_at(point: models.Model) -> models.Model | None:
    """The event of the row whose values held at `point`: `point` itself for an event of the row,
    for a link event the row's latest event before it; None when the row has
    not changed since before the history began."""
    owner = link_owner(type(point))
    if owner is None:
        return point
    model, field_name = owner
    source, _ = link_columns(model, field_name)
    events = model.pgh_event_model.objects.filter(pgh_obj_id=getattr(point, source))
    return (
        events.filter(pgh_created_at__lte=point.pgh_created_at).order_by("-pgh_created_at", "-pgh_id").first()
    )


@transaction.atomic
def event_revert(*, event: models.Model, by=None) -> models.Model:
    """Set a row back to how it was at `event`, an event of the row (for a delete event: the row
    as it was deleted) or of one of its tracked links: its fields from the row's snapshot, its
    many-to-many links as they were then. Through the model, `full_clean()` then `save()`, so the
    revert is a new version and new events of its own. A row that no longer exists is re-created
    with its old pk (and its old `created_by`); a link target deleted since (an entity merged
    away) is left out. A snapshot that no longer validates raises ValidationError and nothing is
    written."""
    owner = link_owner(type(event))
    if owner is None:
        model, pk, snapshot = event.pgh_tracked_model, event.pgh_obj_id, event
    else:
        model, field_name = owner
        pk = getattr(event, link_columns(model, field_name)[0])
        snapshot = row_event_at(event)
    current = model._base_manager.select_for_update().filter(pk=pk).first()
    if current is None and (snapshot is None or owner is not None):
        raise ValidationError(
            f"This {model._meta.verbose_name} (#{pk}) no longer exists: "
            "restore it from its delete event first.",
            code="revert_invalid",
        )
    previous = copy.copy(current)
    row = current if current is not None else model(pk=pk)
    if snapshot is not None:
        for attname, value in snapshot_values(snapshot).items():
            setattr(row, attname, value)
        if current is None and hasattr(snapshot, "created_by_id") and hasattr(row, "created_by_id"):
            row.created_by_id = snapshot.created_by_id
    name = model._meta.verbose_name
    try:
        reverting.send(sender=model, instance=row, previous=previous, event=snapshot or event)
        row.full_clean()
    except ValidationError as error:
        raise ValidationError(
            f"This {name} (#{pk}) cannot be set back to its {event.pgh_label} event #{event.pk} of "
            f"{event.pgh_created_at:%Y-%m-%d %H:%M}: " + " ".join(error.messages),
            code="revert_invalid",
        ) from error
    metadata = {"revert_of": f"{event._meta.label}:{event.pk}"}
    if by is not None:
        metadata["user"] = by.pk
    links = LinkTimeline(model, pk).at(event, deleted_with=event.pgh_label == "delete" and owner is None)
    with pghistory.context(**metadata):
        row.save(force_insert=current is None)
        for field_name, target_ids in links.items():
            target_model = model._meta.get_field(field_name).related_model
            existing = target_model._base_manager.filter(pk__in=target_ids).values_list("pk", flat=True)
            getattr(row, field_name).set(sorted(existing))
    reverted.send(sender=model, instance=row, previous=previous, event=snapshot or event)
    return row
