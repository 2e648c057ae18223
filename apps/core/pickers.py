"""The admin's pickers (autocomplete) name each choice by what tells it apart from the others: a
document by its date and outlet beside its title (two UN reports have nearly one title), a claim
by its number. A model says so with a `picker_label` property; others show as `str()`."""

from __future__ import annotations

from django.contrib.admin.views.autocomplete import AutocompleteJsonView


def picker_label(obj) -> str:
    label = getattr(obj, "picker_label", None)
    return str(obj) if label is None else label


class PickerAutocompleteView(AutocompleteJsonView):
    def get_queryset(self):
        # what the labels name comes in the same query (`picker_select_related` on the ModelAdmin)
        related = getattr(self.model_admin, "picker_select_related", ())
        return super().get_queryset().select_related(*related)

    def serialize_result(self, obj, to_field_name):
        return {"id": str(getattr(obj, to_field_name)), "text": picker_label(obj)}


def install(site) -> None:
    """Make `site`'s autocomplete answer with picker labels (called once the apps are ready)."""
    site.autocomplete_view = lambda request: PickerAutocompleteView.as_view(admin_site=site)(request)
