"""Admin bits shared by every room: text shown in its own direction."""

from __future__ import annotations

from collections.abc import Iterator

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR, SEARCH_VAR
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import CharField, Q, Value
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from apps.core.constraints import CONFLICTS, violation
from apps.core.history import (
    EntryInWords,
    event_revert,
    history_in_words,
    history_points,
    object_history,
    object_parts,
)
from apps.core.journal import describe_grade_moves, grade_moves
from apps.core.links import DRAWS_ON_LOOP, link_loop
from apps.core.models import RowDeleted, VersionConflict
from apps.core.search import SEARCH_MAX_LENGTH, highlight, related_model, search_with_related


def bidi(text: str, limit: int | None = 120, css: str = "ct-text"):
    """Show text in the direction of its own script (Arabic right-to-left)."""
    if text is None:
        return ""
    shown = text if limit is None or len(text) <= limit else text[: limit - 1] + "…"
    return format_html('<span dir="auto" class="{}">{}</span>', css, shown)


class FullTextSearchMixin:
    """The admin's search box finds what `?search=` finds in the API (every common spelling, the
    article and attached prepositions ignored) and, as before, what `search_fields` contain, so a
    name typed half-way still finds its entity in an autocomplete.

    A search field that reaches a model with a search index of its own (`subjects__aliases__name`:
    the entity's names and aliases) is searched through that index too, so the row is found by
    the related row's name in every spelling, a word of the search in one and a word in the other.
    Listing `search_match` in `list_display` shows, while searching, what matched in each row."""

    def get_search_results(self, request, queryset, search_term):
        # as much as the API's ?search= takes (an autocomplete's term too): far longer text is no
        # search a person types, and each word deepens the query Django builds
        search_term = search_term[:SEARCH_MAX_LENGTH]
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return results, may_have_duplicates
        found = search_with_related(queryset, search_term, related=self.searched_relations())
        either = Q(pk__in=results.values("pk")) | Q(pk__in=found.values("pk"))
        searched = queryset.filter(either)
        if "search_match" in self.get_list_display(request):
            # what `search_match` reads, for the whole page at once: the term, and the related texts
            searched = searched.annotate(search_term=Value(search_term, output_field=CharField()))
            searched = searched.prefetch_related(*self._search_paths(relations_only=True))
        return searched, False

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if not request.GET.get(SEARCH_VAR, "").strip() and "search_match" in columns:
            columns.remove("search_match")  # nothing searched, nothing matched
        return columns

    def _search_paths(self, *, relations_only: bool = False) -> list[str]:
        """The search fields as paths (without Django's ^ = @ prefixes), or the relation part of each."""
        paths = []
        for search_field in self.search_fields:
            field_path = str(search_field).lstrip("^=@")
            if relations_only:
                model, hops = self.model, []
                for name in field_path.split(LOOKUP_SEP):
                    field = model._meta.get_field(name) if name != "pk" else model._meta.pk
                    if not field.is_relation:  # a text field (or a lookup after it) ends the way
                        break
                    hops.append(name)
                    model = field.related_model
                field_path = LOOKUP_SEP.join(hops)
            if field_path and field_path not in paths:
                paths.append(field_path)
        return paths

    def searched_relations(self) -> list[str]:
        """The relations of the search fields that end at a model with a search index of its own."""
        relations = []
        for field_path in self._search_paths(relations_only=True):
            hops = field_path.split(LOOKUP_SEP)
            for end in range(1, len(hops) + 1):
                relation = LOOKUP_SEP.join(hops[:end])
                target = related_model(self.model, relation)
                if target is not self.model and _has_search_index(target):
                    if relation not in relations:
                        relations.append(relation)
                    break
        return relations

    @admin.display(description="matched")
    def search_match(self, obj):
        """The first search field of the row that holds a word of the search, marked, and its name."""
        term = getattr(obj, "search_term", "")
        for field_path in self._search_paths() if term else []:
            for text in _texts_at(obj, field_path.split(LOOKUP_SEP)):
                snippet = highlight(text, term, words=MATCH_WORDS)
                if snippet:  # escaped by `highlight`, but for its <mark>s
                    label = _path_label(self.model, field_path)
                    shown = bidi(mark_safe(snippet), None)
                    return format_html('<span class="ct-muted">{}</span> {}', label, shown)
        return "—"


# a matched text in a changelist is a short snippet: the row has its own columns to show
MATCH_WORDS = 10


def _has_search_index(model) -> bool:
    return any(field.name == "search_vector" for field in model._meta.concrete_fields)


def _texts_at(obj, names: list[str]) -> Iterator[str]:
    """The texts at the end of a field path from `obj`, through prefetched relations."""
    value = getattr(obj, names[0], None)
    if value is None:
        return
    if len(names) == 1:
        if isinstance(value, str):
            yield value
    elif hasattr(value, "all"):
        for item in value.all():
            yield from _texts_at(item, names[1:])
    else:
        yield from _texts_at(value, names[1:])


def _path_label(model, field_path: str) -> str:
    """A search field as an editor reads it: «quote» (of an attestation), «speaker», «subjects › alias»."""
    names = field_path.split(LOOKUP_SEP)
    words = []
    for i, name in enumerate(names):
        field = model._meta.get_field(name)
        last = i == len(names) - 1 or names[i + 1 :] == ["name"]
        if field.is_relation and field.auto_created:
            if last:  # a reverse relation names what it holds («alias»); on the way, it is only a way
                words.append(str(field.related_model._meta.verbose_name))
        elif name != "name" or not words:
            words.append(str(field.verbose_name))
        model = field.related_model
    return " › ".join(words)


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
        if moves or moves.queued:
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
    """One *History* page per row (Django's `<id>/history/`, in place of its log of admin saves):
    the recorded events of the row, of its parts (`object_parts`) and of its links, newest
    first and in words, each with a "Revert to this version" button for those who may revert. The
    button posts to `<id>/revert/`, which sets the row back to that event's snapshot; that page,
    reached by its URL, also lists the row's values at each event and re-creates a deleted row."""

    object_history_template = "admin/core/object_history.html"
    history_per_page = 100

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        newest_first = object_history(obj=obj, parts=object_parts(self.model))[::-1]
        page = Paginator(newest_first, self.history_per_page).get_page(request.GET.get(PAGE_VAR))
        lines = [
            {"line": line, **self._revert_form(request, obj, line)}
            for line in history_in_words(obj=obj, entries=page.object_list)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "lines": lines,
            "may_revert": any(line["revert_url"] for line in lines),
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    def _revert_form(self, request, obj, line: EntryInWords) -> dict:
        """Where the revert button of `line` posts and what it says, for a user who may revert the
        row it sets back (the object, or a part with a revert page of its own); no button otherwise."""
        model = line.row_model
        if model is None:
            return {"revert_url": None}
        if model is self.model:
            model_admin, allowed = self, self.has_change_permission(request, obj)
        else:
            try:
                model_admin = self.admin_site.get_model_admin(model)
            except NotRegistered:
                return {"revert_url": None}
            allowed = model_admin.has_change_permission(request)
        if not (isinstance(model_admin, RevertAdminMixin) and allowed and may_revert(request, model)):
            return {"revert_url": None}
        name = f"{self.admin_site.name}:{model._meta.app_label}_{model._meta.model_name}_revert"
        label = "Revert to this version"
        if model is not self.model:
            label = f"Set {model._meta.verbose_name} #{line.row_id} back to this version"
        return {"revert_url": reverse(name, args=[line.row_id]), "revert_label": label}

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_revert"
        revert = path("<path:object_id>/revert/", self.admin_site.admin_view(self.revert_view), name=name)
        return [revert, *super().get_urls()]

    def revert_view(self, request, object_id):
        if not may_revert(request, self.model):
            raise PermissionDenied
        if not str(object_id).isdigit():
            raise Http404
        current = self.model._base_manager.filter(pk=object_id).first()
        # a row its admin keeps as it is (a source rating) is not set back either
        if not self.has_change_permission(request, current):
            raise PermissionDenied
        points = history_points(self.model, int(object_id))
        if request.method == "POST":
            # back to the page the button was on (a History page), when it is one of this site's
            back = request.POST.get("next", "")
            if not url_has_allowed_host_and_scheme(
                back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                back = None
            chosen = {point.key: point for point in points}.get(request.POST.get("event", ""))
            if chosen is None:
                raise Http404("No such event of this row.")
            try:
                row = event_revert(event=chosen.event, by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return HttpResponseRedirect(back or request.path)
            self.message_user(
                request, f"{row} was set back to {chosen.name}: a new version, recorded in its history."
            )
            change = f"admin:{self.opts.app_label}_{self.opts.model_name}_change"
            return HttpResponseRedirect(back or reverse(change, args=[row.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Revert {self.opts.verbose_name} #{object_id} to an earlier version",
            "opts": self.opts,
            "object_id": object_id,
            "exists": current is not None,
            "points": points,
        }
        return TemplateResponse(request, "admin/core/revert.html", context)


class KnownAutocompleteSelect(AutocompleteSelect):
    """An autocomplete showing its chosen row by the label its form gives (`known`, the row loaded
    with the form's instance), not by a query of its own. Django's looks the chosen row up for each
    widget: one query per quote and field of a claim's page, 51 queries for six quotes."""

    known: dict[str, str] = {}

    def optgroups(self, name, value, attr=None):
        chosen = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if not chosen or not chosen <= self.known.keys():
            return super().optgroups(name, value, attr)
        default = (None, [], 0)
        if not self.is_required and not self.allow_multiple_selected:
            default[1].append(self.create_option(name, "", "", False, 0))
        for pk in sorted(chosen):
            default[1].append(self.create_option(name, pk, self.known[pk], chosen, len(default[1])))
        return [default]


class _KnownChoicesFormSet:
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        for name, field in form.fields.items():
            widget = getattr(field.widget, "widget", field.widget)  # inside the add/change links
            if not isinstance(widget, KnownAutocompleteSelect) or form.instance.pk is None:
                continue
            model_field = form.instance._meta.get_field(name)
            if model_field.is_cached(form.instance) and getattr(form.instance, name) is not None:
                chosen = getattr(form.instance, name)
                widget.known = {str(chosen.pk): field.label_from_instance(chosen)}
        return form


class KnownChoicesInlineMixin:
    """An inline whose autocompletes show the rows its queryset loaded with each form's instance
    (`select_related`), without a query per form and field."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KnownAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (_KnownChoicesFormSet, formset), {})
