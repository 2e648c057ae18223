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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pghistory
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.dispatch import Signal

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
    changes: dict[str, list[Any]] = field(default_factory=dict)
    pgh_id: int = 0
    event_model: str = ""


def object_history(*, obj: models.Model, parts: Sequence[type[models.Model]] = ()) -> list[HistoryEntry]:
    """The events of `obj` and of the `parts` rows that point at it (a claim's attestations, an
    entity's aliases), deleted ones included, oldest first. Two queries, whatever their number."""
    from pghistory.models import MiddlewareEvents

    own = type(obj).pgh_event_model
    part_events = [part.pgh_event_model for part in parts]
    # `references` finds every event row with a foreign key to `obj`: the object's own events and
    # its parts', but also (through Entity.parent) its children's, which the filter leaves out
    wanted = Q(pgh_model=own._meta.label, pgh_obj_id=str(obj.pk))
    if part_events:
        wanted |= Q(pgh_model__in=[event_model._meta.label for event_model in part_events])
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
    if event["pgh_label"] == "insert":
        changes = {name: [None, value] for name, value in data.items()}
    elif event["pgh_label"] == "delete":
        changes = {name: [value, None] for name, value in data.items()}
    else:
        changes = {columns.get(k, k): v for k, v in (event["pgh_diff"] or {}).items()}
    context = event["pgh_context"] or {}
    user_id = context.get("user")
    return HistoryEntry(
        model=model._meta.model_name,
        object_id=int(event["pgh_obj_id"]),
        event=event["pgh_label"],
        at=event["pgh_created_at"],
        user_id=user_id,
        username=usernames.get(user_id),
        url=context.get("url"),
        changes=changes,
        pgh_id=event["pgh_id"],
        event_model=event["pgh_model"],
    )


def snapshot_values(event: models.Model) -> dict[str, Any]:
    """{attname: value} of the editable columns an event's snapshot holds."""
    model = event.pgh_tracked_model
    held = {f.attname for f in event._meta.concrete_fields}
    return {
        f.attname: getattr(event, f.attname)
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in NOT_REVERTED and f.attname in held
    }


@transaction.atomic
def event_revert(*, event: models.Model, by=None) -> models.Model:
    """Set the row of `event` back to that event's snapshot (for a delete event: the row as it
    was deleted), through the model: `full_clean()` then `save()`, so the revert is a new version
    and a new event of its own. A row that no longer exists is re-created with its old pk (and
    its old `created_by`). A snapshot that no longer validates raises ValidationError and nothing
    is written."""
    model = event.pgh_tracked_model
    pk = event.pgh_obj_id
    current = model._base_manager.select_for_update().filter(pk=pk).first()
    previous = copy.copy(current)
    row = current if current is not None else model(pk=pk)
    for attname, value in snapshot_values(event).items():
        setattr(row, attname, value)
    if current is None and hasattr(event, "created_by_id") and hasattr(row, "created_by_id"):
        row.created_by_id = event.created_by_id
    name = model._meta.verbose_name
    try:
        reverting.send(sender=model, instance=row, previous=previous, event=event)
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
    with pghistory.context(**metadata):
        row.save(force_insert=current is None)
    reverted.send(sender=model, instance=row, previous=previous, event=event)
    return row
