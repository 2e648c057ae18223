"""Admin bits shared by every room: text shown in its own direction."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.core.constraints import CONFLICTS, violation
from apps.core.history import event_revert, history_points
from apps.core.journal import describe_grade_moves, grade_moves
from apps.core.links import DRAWS_ON_LOOP, link_loop
from apps.core.models import RowDeleted, VersionConflict
from apps.core.search import SEARCH_MAX_LENGTH, search_queryset


def bidi(text: str, limit: int | None = 120, css: str = "ct-text"):
    """Show text in the direction of its own script (Arabic right-to-left)."""
    if text is None:
        return ""
    shown = text if limit is None or len(text) <= limit else text[: limit - 1] + "…"
    return format_html('<span dir="auto" class="{}">{}</span>', css, shown)


class FullTextSearchMixin:
    """The admin's search box finds what `?search=` finds in the API (every common spelling, the
    article and attached prepositions ignored) and, as before, what `search_fields` contain, so a
    name typed half-way still finds its entity in an autocomplete."""

    def get_search_results(self, request, queryset, search_term):
        # as much as the API's ?search= takes (an autocomplete's term too): far longer text is no
        # search a person types, and each word deepens the query Django builds
        search_term = search_term[:SEARCH_MAX_LENGTH]
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return results, may_have_duplicates
        found = search_queryset(queryset, search_term)
        either = Q(pk__in=results.values("pk")) | Q(pk__in=found.values("pk"))
        return queryset.filter(either), False


STALE_MESSAGE = (
    "Someone else saved this {name} after you opened it (you opened version {seen}; it is now at "
    "version {now}). Nothing of yours was saved: reload the page to see their changes, then make "
    "yours again."
)


class VersionedModelForm(forms.ModelForm):
    """A form for a `VersionedModel`: it carries the version it was opened at, and saving is one
    conditional UPDATE against that version, so another editor's save in between is never undone."""

    version_seen = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["version_seen"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("version_seen")
        if self.instance.pk is not None and seen is not None and seen != self.instance.version:
            name = self.instance._meta.verbose_name
            raise forms.ValidationError(
                STALE_MESSAGE.format(name=name, seen=seen, now=self.instance.version), code="stale"
            )
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()
        seen = getattr(self, "cleaned_data", {}).get("version_seen")
        if self.instance.pk is not None and seen is not None:
            # the save is checked against what the editor saw, not what was read just now
            self.instance.version = seen


class DrawsOnForm(VersionedModelForm):
    """A versioned form with a `draws_on` field: a link that would close a loop of sources is refused,
    naming the loop."""

    def clean(self):
        cleaned = super().clean()
        targets = cleaned.get("draws_on")
        if targets is not None and self.instance.pk is not None:
            loop = link_loop(self.instance, "draws_on", targets)
            if loop is not None:
                self.add_error("draws_on", DRAWS_ON_LOOP.format(loop=loop))
        return cleaned


class VersionedAdminMixin:
    """Admin pages (and inlines) of versioned rows: the form carries its version, and a save that
    loses the race to another editor's is refused with a message; nothing is half-written."""

    form = VersionedModelForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if fieldsets and "version_seen" not in fieldsets[0][1]["fields"]:
            name, options = fieldsets[0]
            fieldsets[0] = (name, {**options, "fields": [*options["fields"], "version_seen"]})
        return fieldsets

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with grade_moves() as moves:
            response = self._changeform_or_message(request, object_id, form_url, extra_context)
        if moves:
            # a grade never moves silently: the save that moved it says so
            self.message_user(request, describe_grade_moves(moves), messages.WARNING)
        return response

    def _changeform_or_message(self, request, object_id, form_url, extra_context):
        try:
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except IntegrityError as error:
                if violation(error)[0] not in CONFLICTS:
                    raise
                # another editor stored the same thing (a body, a quote's anchor) first; theirs is
                # committed now, so the form validated again shows the error one save after the
                # other would have given, on its field
                return super().changeform_view(request, object_id, form_url, extra_context)
        except RowDeleted as gone:
            # the delete came first; the save waited for it and found nothing to update
            self.message_user(request, f"{gone} Nothing of yours was saved.", messages.ERROR)
            changelist = f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"
            return HttpResponseRedirect(reverse(changelist))
        except VersionConflict as conflict:
            # raised by the conditional UPDATE inside the admin's transaction, which rolled back
            name = conflict.instance._meta.verbose_name
            self.message_user(
                request,
                f"Someone else saved this {name} while you were saving yours. Nothing of yours was "
                "saved: reload the page to see their changes, then make yours again.",
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())


class BidiTextarea(forms.Textarea):
    """A textarea that writes Arabic right-to-left and English left-to-right."""

    def __init__(self, attrs=None, rows: int = 3) -> None:
        super().__init__(attrs={"dir": "auto", "rows": rows, "class": "ct-arabic", **(attrs or {})})


class BidiTextInput(forms.TextInput):
    def __init__(self, attrs=None) -> None:
        super().__init__(attrs={"dir": "auto", "class": "vTextField", **(attrs or {})})


def may_revert(request, model) -> bool:
    """Undoing history is an editor's: it needs every write permission on the model (a revert
    may re-create a deleted row or undo anyone's change), which fact-checkers do not have."""
    opts = model._meta
    return all(
        request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
        for action in ("add", "change", "delete")
    )


class RevertAdminMixin:
    """A *Revert* page per row (`<id>/revert/`): its events, newest first, each with a "Revert to
    this version" button (a POST) that sets the row back to that event's snapshot. The change
    form links to it for those who may revert."""

    change_form_template = "admin/core/change_form_with_revert.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if may_revert(request, self.model):
            name = f"admin:{self.opts.app_label}_{self.opts.model_name}_revert"
            extra_context = {**(extra_context or {}), "revert_url": reverse(name, args=[object_id])}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_revert"
        revert = path("<path:object_id>/revert/", self.admin_site.admin_view(self.revert_view), name=name)
        return [revert, *super().get_urls()]

    def revert_view(self, request, object_id):
        if not may_revert(request, self.model):
            raise PermissionDenied
        if not str(object_id).isdigit():
            raise Http404
        points = history_points(self.model, int(object_id))
        if request.method == "POST":
            chosen = {point.key: point for point in points}.get(request.POST.get("event", ""))
            if chosen is None:
                raise Http404("No such event of this row.")
            try:
                row = event_revert(event=chosen.event, by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return HttpResponseRedirect(request.path)
            self.message_user(
                request, f"{row} was set back to {chosen.name}: a new version, recorded in its history."
            )
            change = f"admin:{self.opts.app_label}_{self.opts.model_name}_change"
            return HttpResponseRedirect(reverse(change, args=[row.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Revert {self.opts.verbose_name} #{object_id} to an earlier version",
            "opts": self.opts,
            "object_id": object_id,
            "exists": self.model._base_manager.filter(pk=object_id).exists(),
            "points": points,
        }
        return TemplateResponse(request, "admin/core/revert.html", context)
