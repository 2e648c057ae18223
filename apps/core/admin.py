"""The page of every recorded event (pghistory's), by URL only: each row's History page is where
editors read its changes (apps.core.admin_helpers.RevertAdminMixin); `obj` is checked before use."""

from __future__ import annotations

import datetime

import pghistory.admin
import pghistory.admin.core
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
    # "pghistory.admin" is not an installed app (its templates add "Events" buttons to every page):
    # the plain change list, and no filter drawn with a template of its own (the hidden `back`)
    change_list_template = "admin/change_list.html"

    def has_module_permission(self, request) -> bool:
        # out of the index and the sidebar: no internal model name where editors look for records
        return False

    def get_list_filter(self, request):
        return [f for f in super().get_list_filter(request) if f is not pghistory.admin.core.BackFilter]

    def get_list_display(self, request):
        return ["when", "row", "event", "changed", "user", "url"]

    @admin.display(description="when", ordering="pgh_created_at")
    def when(self, event) -> datetime.datetime:
        return event.pgh_created_at

    @admin.display(description="row")
    def row(self, event) -> str:
        try:
            name = apps.get_model(event.pgh_obj_model)._meta.verbose_name
        except (LookupError, ValueError):
            name = event.pgh_obj_model
        return f"{name} #{event.pgh_obj_id}"

    @admin.display(description="event")
    def event(self, event) -> str:
        return event.pgh_label

    @admin.display(description="what changed")
    def changed(self, event) -> str:
        return "; ".join(f"{name}: {old!r} → {new!r}" for name, (old, new) in (event.pgh_diff or {}).items())

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
