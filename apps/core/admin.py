"""The history events page (pghistory's), with its `obj` parameter checked before it is used."""

from __future__ import annotations

import pghistory.admin
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, HttpResponseNotFound
from pghistory import config

BIGINT_MAX = 2**63 - 1


def obj_problem(raw: str) -> tuple[int, str] | None:
    """What is wrong with `?obj=app.Model:id` (status, message), or None: pghistory's page looks
    the row up with whatever it is given, and answers a bad id or a deleted row with a 500."""
    label, _, pk = raw.partition(":")
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return 400, f"obj must be app_label.Model:id of a tracked model, not {raw!r}."
    try:
        value = model._meta.pk.to_python(pk)
    except ValidationError:
        return 400, f"{pk!r} is not an id."
    if isinstance(value, int) and not 0 < value <= BIGINT_MAX:
        return 400, f"{pk!r} is not an id."
    if not model._base_manager.filter(pk=value).exists():
        return (
            404,
            f"There is no {model._meta.verbose_name} #{value} (a deleted one's history: its revert page).",
        )
    return None


class EventsAdmin(pghistory.admin.EventsAdmin):
    def changelist_view(self, request, extra_context=None):
        if "obj" in request.GET:
            problem = obj_problem(request.GET["obj"])
            if problem is not None:
                status, message = problem
                answer = HttpResponseBadRequest if status == 400 else HttpResponseNotFound
                return answer(message, content_type="text/plain; charset=utf-8")
        return super().changelist_view(request, extra_context)


_events_model = config.admin_model()
if admin.site.is_registered(_events_model):
    admin.site.unregister(_events_model)
admin.site.register(_events_model, EventsAdmin)
