"""Entities in the admin: aliases inline, search over every name, merging duplicates."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.template.response import TemplateResponse

from apps.core.admin_helpers import (
    BidiTextInput,
    DrawsOnForm,
    FullTextSearchMixin,
    RevertAdminMixin,
    VersionedAdminMixin,
    bidi,
)
from apps.core.admin_paginator import EstimatedCountPaginator, related_count
from apps.entities.models import Alias, Entity
from apps.entities.services import entity_merge


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1
    fields = ["name", "language"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "name":
            kwargs["widget"] = BidiTextInput()
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class MergeForm(forms.Form):
    keep = forms.ModelChoiceField(
        queryset=Entity.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        help_text="Every link of the others (attestations, documents, claims, ratings, aliases) "
        "moves to this one; their names become its aliases; then they are deleted.",
    )

    def __init__(self, *args, entities, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = entities


@admin.register(Entity)
class EntityAdmin(RevertAdminMixin, VersionedAdminMixin, FullTextSearchMixin, admin.ModelAdmin):
    list_display = [
        "shown_name",
        "kind",
        "parent",
        "alias_list",
        "attestation_count",
        "claim_count",
    ]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name"]
    form = DrawsOnForm
    autocomplete_fields = ["parent", "draws_on"]
    inlines = [AliasInline]
    actions = ["merge_entities"]
    readonly_fields = ["created", "updated", "created_by"]
    fields = [
        "kind",
        "name",
        "description",
        "parent",
        "independence_boundary",
        "draws_on",
        "created",
        "updated",
        "created_by",
    ]
    list_select_related = ["parent"]
    ordering = ["name", "id"]
    # a long list is counted from the planner's estimate, and once (not again unfiltered)
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            # the changelist's counts come in the same query as the rows, as subqueries: joins would
            # multiply each entity by its quotes times its claims before the page is cut
            .annotate(
                n_attestations=related_count(Entity, "attestations_spoken"),
                n_claims=related_count(Entity, "claims_about"),
            )
            # the alias column shows every alias of every row
            .prefetch_related(Prefetch("aliases", queryset=Alias.objects.order_by("name")))
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "name":
            kwargs["widget"] = BidiTextInput()
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="name", ordering="name")
    def shown_name(self, obj: Entity):
        return bidi(obj.name)

    @admin.display(description="aliases")
    def alias_list(self, obj: Entity):
        return bidi(" · ".join(alias.name for alias in obj.aliases.all()), limit=160)

    @admin.display(description="attestations as speaker", ordering="n_attestations")
    def attestation_count(self, obj: Entity) -> int:
        return obj.n_attestations

    @admin.display(description="claims about it", ordering="n_claims")
    def claim_count(self, obj: Entity) -> int:
        return obj.n_claims

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Merge selected entities into one…", permissions=["change", "delete"])
    def merge_entities(self, request, queryset):
        entities = queryset.order_by("name")
        if entities.count() < 2:
            self.message_user(request, "Select at least two entities to merge.", messages.WARNING)
            return None
        form = MergeForm(request.POST if "apply" in request.POST else None, entities=entities)
        if form.is_valid():
            keep = form.cleaned_data["keep"]
            merged = [e for e in entities if e.pk != keep.pk]
            try:
                for duplicate in merged:
                    entity_merge(keep=keep, duplicate=duplicate, by=request.user)
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.ERROR)
                return None
            names = ", ".join(f"«{e.name}»" for e in merged)
            self.message_user(request, f"Merged {names} into «{keep.name}».", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge entities",
            "opts": self.model._meta,
            "form": form,
            "entities": entities.prefetch_related("aliases"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "action": "merge_entities",
        }
        return TemplateResponse(request, "admin/entities/entity/merge.html", context)
