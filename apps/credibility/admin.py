"""Source ratings in the admin: a history, added to and never rewritten."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from apps.claims.admin import ClaimAdmin, DocumentWithAttestationsAdmin
from apps.claims.models import Claim
from apps.core.admin_helpers import BidiTextarea, RevertAdminMixin
from apps.core.admin_paginator import EstimatedCountPaginator
from apps.core.journal import describe_queued_regrades
from apps.credibility.curation import Warning, curation_warnings, document_warnings
from apps.credibility.desk import desk_view, rate_url, rate_view
from apps.credibility.export import claim_rows, csv_response
from apps.credibility.models import SourceRating
from apps.credibility.pictures import claim_relay_graph, claim_timeline, render_relay_graph, render_timeline
from apps.credibility.selectors import (
    claim_ids_with_conflicts,
    claim_regrading,
    claims_for_comparison,
    entities_ranked_by_reliability,
    track_records,
)
from apps.credibility.services import claims_regrade
from apps.documents.models import Document
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

    def has_delete_permission(self, request, obj=None) -> bool:
        # nor is it deleted (and so an entity with ratings is not deleted in the admin either)
        return False


@admin.register(SourceRating)
class SourceRatingAdmin(RevertAdminMixin, _RatingMixin, admin.ModelAdmin):
    list_display = ["entity", "grade", "rationale", "rated_by", "rated_at"]
    list_filter = ["grade"]
    # every row names its entity and the editor who rated it
    list_select_related = ["entity", "rated_by"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    search_fields = ["entity__name", "entity__aliases__name", "rationale"]
    autocomplete_fields = ["entity"]
    readonly_fields = ["rated_by", "rated_at"]
    fields = ["entity", "grade", "rationale", "rated_by", "rated_at"]

    def changelist_view(self, request, extra_context=None):
        # ratings are added, never changed: the list is not a "select … to change"
        title = "Source ratings: each judgement as it was given (a new one is added, none is changed)"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.rated_by = request.user
        super().save_model(request, obj, form, change)
        queued = claims_regrade(resting_on=[obj.entity_id], reason=f"{obj.entity} rated {obj.grade}")
        if queued:
            self.message_user(request, describe_queued_regrades(queued), messages.INFO)


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


class _TrackRecordChangeList(ChangeList):
    """A page of entities, each given its track record (`track`), read for the whole page in one query."""

    def get_results(self, request) -> None:
        super().get_results(request)
        entities = list(self.result_list)
        records = track_records(entity_ids=[entity.pk for entity in entities])
        for entity in entities:
            entity.track = records[entity.pk]
        self.result_list = entities


admin.site.unregister(Entity)


@admin.register(Entity)
class EntityWithRatingsAdmin(EntityAdmin):
    inlines = [*EntityAdmin.inlines, SourceRatingInline]
    list_display = [*EntityAdmin.list_display, "current_grade", "track_record"]
    readonly_fields = [*EntityAdmin.readonly_fields, "rating", "track_record_explained"]

    def get_queryset(self, request):
        # the current grade comes in the row's own query, and the track record's score when the list
        # is sorted on it; a page's track records come in one query after it (_TrackRecordChangeList)
        return entities_ranked_by_reliability(super().get_queryset(request))

    def get_changelist(self, request, **kwargs):
        return _TrackRecordChangeList

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, ("Reliability", {"fields": ["rating", "track_record_explained"]})]

    def get_urls(self):
        rate = path(
            "<int:object_id>/rate/",
            self.admin_site.admin_view(partial(rate_view, self.admin_site)),
            name="entities_entity_rate",
        )
        return [rate, *super().get_urls()]

    @admin.display(description="current grade")
    def rating(self, obj: Entity) -> str:
        """The grade in force, and the way to give a new one for whoever may (fact-checkers included:
        the rest of the page is the editors')."""
        current = obj.ratings.order_by("-rated_at", "-id").select_related("rated_by").first()
        shown = (
            format_html(
                '<strong>{}</strong> — {}, {} ({}): <span dir="auto">{}</span>',
                current.grade,
                current.get_grade_display(),
                f"{current.rated_at:%-d %b %Y}",
                current.rated_by.get_username() if current.rated_by else "—",
                current.rationale,
            )
            if current
            else format_html("<strong>{}</strong>", "unrated")
        )
        request = getattr(obj, "viewing_request", None)
        if request is None or not request.user.has_perm("credibility.add_sourcerating"):
            return shown
        return format_html(
            '{} <a class="button" href="{}">{}</a>', shown, rate_url(obj.pk), "Rate this source"
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.viewing_request = request  # the rating button is for those who may rate
        return obj

    @admin.display(description="grade", ordering="rated_grade")
    def current_grade(self, obj: Entity) -> str:
        return obj.rated_grade or "—"

    @admin.display(description="track record", ordering="track_score")
    def track_record(self, obj: Entity) -> str:
        track = obj.track
        if not track.sample:
            return f"no verdict yet ({track.affirmed} affirmed)"
        return f"{track.score:.2f} (n={track.sample})"

    @admin.display(description="track record")
    def track_record_explained(self, obj: Entity) -> str:
        track = track_records(entity_ids=[obj.pk])[obj.pk]
        return (
            f"Affirmed {track.affirmed} claim(s) as speaker or root; editors have since corroborated "
            f"{track.corroborated} and refuted {track.refuted}. Smoothed score "
            f"{track.score:.2f} on {track.sample} verdict(s) (0.5 with none; 1 is always right). "
            f"Current grade: {obj.rated_grade or 'not rated'}."
        )

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # a new rating, or a new name that the explanations quote (many claims: regraded in the
        # background, and the page's message says how many)
        claims_regrade(resting_on=[form.instance.pk], reason=f"{form.instance.name} edited")

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is SourceRating:
            for rating in formset.save(commit=False):
                if rating.pk is None:
                    rating.rated_by = request.user
                rating.save()
            return
        super().save_formset(request, form, formset, change)


def _warnings_html(warnings: list[Warning]) -> str:
    if not warnings:
        return "Nothing to query."
    return format_html_join("", '<p class="ct-warning" dir="auto">{}</p>', ((str(w),) for w in warnings))


admin.site.unregister(Document)


@admin.register(Document)
class DocumentWithCurationAdmin(DocumentWithAttestationsAdmin):
    """Documents with their quotes and what `check_curation` queries about them."""

    readonly_fields = [*DocumentWithAttestationsAdmin.readonly_fields, "curation"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets[:1], ("Curation check", {"fields": ["curation"]}), *fieldsets[1:]]

    @admin.display(description="curation check")
    def curation(self, obj: Document) -> str:
        """What `manage.py check_curation` queries about the quotes recorded in this document."""
        return _warnings_html(document_warnings(obj.pk))


admin.site.unregister(Claim)


@admin.register(Claim)
class ClaimWithCredibilityAdmin(ClaimAdmin):
    """Claims with their computed credibility, and the fact-checker's side-by-side comparison."""

    list_display = [*ClaimAdmin.list_display[:2], "credibility", *ClaimAdmin.list_display[2:]]
    list_filter = ["credibility", *ClaimAdmin.list_filter]
    actions = [*ClaimAdmin.actions, "compare", "download_csv"]
    readonly_fields = [
        *ClaimAdmin.readonly_fields,
        "credibility_explained",
        "timeline",
        "relay_graph",
        "curation",
        "compare_link",
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [
            *fieldsets[:2],
            (
                "Credibility",
                {"fields": ["credibility_explained", "timeline", "relay_graph", "curation", "compare_link"]},
            ),
            *fieldsets[2:],
        ]

    @admin.display(description="curation check")
    def curation(self, obj: Claim) -> str:
        """What `manage.py check_curation` queries about this claim, on its page."""
        return _warnings_html(curation_warnings(claim_ids=[obj.pk]))

    @admin.display(description="credibility")
    def credibility_explained(self, obj: Claim) -> str:
        context = {"claim": obj, "regrading": claim_regrading(obj)}
        return render_to_string("admin/credibility/explanation.html", context)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # the pictures are drawn for this viewer (drafts, the page to come back to after rating)
            obj.viewing_request = request
        return obj

    @admin.display(description="timeline")
    def timeline(self, obj: Claim) -> str:
        """When each quote was said, grouped by independent source, over the claim's period."""
        request = getattr(obj, "viewing_request", None)
        if request is None:
            return "—"
        return render_timeline(claim_timeline(claims=[obj], user=request.user), uid=str(obj.pk))

    @admin.display(description="relay graph")
    def relay_graph(self, obj: Claim) -> str:
        """Each quote from its document through every relay to the source the grade counted."""
        request = getattr(obj, "viewing_request", None)
        if request is None:
            return "—"
        graph = claim_relay_graph(claim=obj, user=request.user)
        return render_relay_graph(graph, next_path=request.get_full_path())

    @admin.display(description="compare")
    def compare_link(self, obj: Claim) -> str:
        url = reverse("admin:claims_claim_compare") + "?" + urlencode({"conflicts_of": obj.pk})
        return format_html('<a class="button" href="{}">Compare with contradicting claims</a>', url)

    def get_urls(self):
        compare = path("compare/", self.admin_site.admin_view(self.compare_view), name="claims_claim_compare")
        desk_page = path(
            "desk/", self.admin_site.admin_view(partial(desk_view, self.admin_site)), name="claims_claim_desk"
        )
        return [compare, desk_page, *super().get_urls()]

    @admin.action(description="Compare selected claims side by side", permissions=["view"])
    def compare(self, request, queryset):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        query = {"conflicts_of": ids[0]} if len(ids) == 1 else {"ids": ids}
        url = reverse("admin:claims_claim_compare") + "?" + urlencode(query, doseq=True)
        return HttpResponseRedirect(url)

    @admin.action(description="Download selected claims as CSV", permissions=["view"])
    def download_csv(self, request, queryset):
        """One row per quote, as `GET /api/v1/claims/?format=csv` gives them (apps/credibility/export.py)."""
        claims = Claim.objects.visible_to(request.user).filter(pk__in=queryset.values("pk"))
        return csv_response(claim_rows(claims=claims.order_by("-created", "-id")), filename="claims.csv")

    def compare_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        ids = [int(pk) for pk in request.GET.getlist("ids") if pk.isdigit()]
        anchor = request.GET.get("conflicts_of", "")
        if anchor.isdigit():
            claim = Claim.objects.visible_to(request.user).filter(pk=int(anchor)).first()
            if claim is not None:
                ids = claim_ids_with_conflicts(claim=claim, user=request.user)
        sides = claims_for_comparison(claim_ids=ids, user=request.user)
        here = request.get_full_path()
        graphs = [
            render_relay_graph(
                claim_relay_graph(claim=side.claim, user=request.user),
                next_path=here,
                width=520,
                compact=True,
            )
            for side in sides
        ]
        claims = [side.claim for side in sides]
        context = {
            **self.admin_site.each_context(request),
            "title": "Compare claims side by side",
            "opts": self.model._meta,
            "sides": sides,
            "columns": list(zip(sides, graphs, strict=True)),
            "timeline": render_timeline(claim_timeline(claims=claims, user=request.user), width=1060)
            if sides
            else "",
            # "unrated — rate" comes back here
            "rate_query": urlencode({"next": here}),
        }
        return TemplateResponse(request, "admin/credibility/compare.html", context)
