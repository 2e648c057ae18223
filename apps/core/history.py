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

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pghistory
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q

SERVER_COLUMNS = ("search_vector", "version", "updated")


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
