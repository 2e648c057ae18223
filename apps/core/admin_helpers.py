"""Admin bits shared by every room: text shown in its own direction."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.html import format_html

from apps.core.search import search_queryset


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
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return results, may_have_duplicates
        found = search_queryset(queryset, search_term)
        either = Q(pk__in=results.values("pk")) | Q(pk__in=found.values("pk"))
        return queryset.filter(either), False


class BidiTextarea(forms.Textarea):
    """A textarea that writes Arabic right-to-left and English left-to-right."""

    def __init__(self, attrs=None, rows: int = 3) -> None:
        super().__init__(attrs={"dir": "auto", "rows": rows, "class": "ct-arabic", **(attrs or {})})


class BidiTextInput(forms.TextInput):
    def __init__(self, attrs=None) -> None:
        super().__init__(attrs={"dir": "auto", "class": "vTextField", **(attrs or {})})
