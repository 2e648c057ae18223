"""Documents in the admin; the claims room adds the attestations inline."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from apps.core.admin_helpers import (
    BidiTextarea,
    BidiTextInput,
    DrawsOnForm,
    FullTextSearchMixin,
    RevertAdminMixin,
    VersionedAdminMixin,
    bidi,
)
from apps.core.admin_paginator import EstimatedCountPaginator, related_count
from apps.documents.models import Document


@admin.register(Document)
class DocumentAdmin(RevertAdminMixin, VersionedAdminMixin, FullTextSearchMixin, admin.ModelAdmin):
    form = DrawsOnForm
    list_display = [
        "shown_title",
        "outlet",
        "published_shown",
        "language",
        "kind",
        "attestation_count",
    ]
    list_filter = ["kind", "language", "published_precision"]
    list_select_related = ["outlet"]
    # a long list is counted from the planner's estimate, and once (not again unfiltered)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    search_fields = ["title", "body", "url", "outlet__name"]
    autocomplete_fields = ["outlet", "authors", "cites", "translation_of", "draws_on"]
    date_hierarchy = "published"
    readonly_fields = ["body_sha256", "body_preview", "created", "updated", "created_by"]
    fieldsets = [
        (None, {"fields": ["title", "url", "outlet", "authors", "kind", "language"]}),
        ("Dates", {"fields": [("published", "published_precision"), "retrieved"]}),
        ("Text", {"fields": ["body_preview", "body", "body_sha256"]}),
        ("Citations", {"fields": ["cites", "translation_of", "draws_on"], "classes": ["collapse"]}),
        ("Record", {"fields": ["created", "updated", "created_by"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        # the changelist's count of attestations comes in the same query as the rows, as a subquery
        # run for the rows shown (a join would group every quote of every document first)
        return super().get_queryset(request).annotate(n_attestations=related_count(Document, "attestations"))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            kwargs["widget"] = BidiTextarea(rows=14)
        elif db_field.name == "url":
            kwargs["assume_scheme"] = "https"
        elif db_field.name == "title":
            kwargs["widget"] = BidiTextInput()
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="title", ordering="title")
    def shown_title(self, obj: Document):
        return bidi(obj.title)

    @admin.display(description="published", ordering="published")
    def published_shown(self, obj: Document) -> str:
        return obj.published_display or "unknown"

    @admin.display(description="attestations", ordering="n_attestations")
    def attestation_count(self, obj: Document) -> int:
        return obj.n_attestations

    @admin.display(description="body as published")
    def body_preview(self, obj: Document):
        if not obj.body:
            return "— no body: known by reference only —"
        # a block, so that the long text scrolls in one box; Arabic bodies read right-to-left
        return format_html('<div dir="auto" class="ct-body">{}</div>', obj.body)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
