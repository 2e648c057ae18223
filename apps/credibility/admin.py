"""Source ratings in the admin: a history, added to and never rewritten."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin_helpers import BidiTextarea
from apps.credibility.models import SourceRating
from apps.entities.admin import EntityAdmin
from apps.entities.models import Entity


class _RatingMixin:
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "rationale":
            kwargs["widget"] = BidiTextarea(rows=2)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        # a grade is history: a new judgement is a new rating, the old one stays as it was
        return obj is None and super().has_change_permission(request, obj)


@admin.register(SourceRating)
class SourceRatingAdmin(_RatingMixin, admin.ModelAdmin):
    list_display = ["entity", "grade", "rationale", "rated_by", "rated_at"]
    list_filter = ["grade"]
    # every row names its entity and the editor who rated it
    list_select_related = ["entity", "rated_by"]
    search_fields = ["entity__name", "entity__aliases__name", "rationale"]
    autocomplete_fields = ["entity"]
    readonly_fields = ["rated_by", "rated_at"]
    fields = ["entity", "grade", "rationale", "rated_by", "rated_at"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.rated_by = request.user
        super().save_model(request, obj, form, change)


class SourceRatingInline(_RatingMixin, admin.TabularInline):
    model = SourceRating
    extra = 0
    fields = ["grade", "rationale", "rated_by", "rated_at"]
    readonly_fields = ["rated_by", "rated_at"]
    verbose_name = "reliability rating"
    verbose_name_plural = "reliability ratings (newest first; the newest is current)"

    def get_queryset(self, request):
        # the history names who rated
        return super().get_queryset(request).select_related("rated_by")


admin.site.unregister(Entity)


@admin.register(Entity)
class EntityWithRatingsAdmin(EntityAdmin):
    inlines = [*EntityAdmin.inlines, SourceRatingInline]

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is SourceRating:
            for rating in formset.save(commit=False):
                if rating.pk is None:
                    rating.rated_by = request.user
                rating.save()
            return
        super().save_formset(request, form, formset, change)
