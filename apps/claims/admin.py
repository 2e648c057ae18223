"""Claims, attestations and relations in the admin; documents gain their attestations inline."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from apps.claims.anchoring import MAX_LISTED, NearMiss, context, nearest_passages, occurrences, quote_reanchor
from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.claims.selectors import claim_conflicts, claim_judges
from apps.claims.services import (
    claim_restore,
    claims_set_publication,
    claims_set_status,
    document_replace_body,
)
from apps.claims.signals import claims_changed
from apps.claims.workspace import SELECTION_MAX, suggestions, workspace_data
from apps.core.admin_helpers import (
    BidiTextarea,
    FullTextSearchMixin,
    KnownChoicesInlineMixin,
    RevertAdminMixin,
    VersionedAdminMixin,
    VersionedModelForm,
    bidi,
    may_revert,
)
from apps.core.admin_paginator import EstimatedCountPaginator, related_count
from apps.documents.admin import DocumentAdmin
from apps.documents.models import Document

CONTRADICTS = ClaimRelation.Kind.CONTRADICTS


class _BidiTextMixin:
    """Quotes, statements and notes are typed in their own direction."""

    bidi_rows = {"quote": 3, "statement": 3, "note": 3, "status_note": 4}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.bidi_rows:
            kwargs["widget"] = BidiTextarea(rows=self.bidi_rows[db_field.name])
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class _CreatedByInlineMixin:
    def save_formset_created_by(self, request, formset) -> None:
        for obj in formset.save(commit=False):
            if obj.pk is None:
                obj.created_by = request.user
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class _RegradesClaims:
    """An admin save or delete tells the rooms above which claims it touched, before and after the
    edit, inside the admin's transaction (the credibility room regrades them)."""

    def claim_ids_of(self, obj) -> set[int]:
        raise NotImplementedError

    def save_model(self, request, obj, form, change) -> None:
        if change:
            obj._claims_before = self.claim_ids_of(type(obj)._base_manager.get(pk=obj.pk))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        touched = getattr(obj, "_claims_before", set()) | self.claim_ids_of(obj)
        claims_changed.send(sender=self.model, claim_ids=sorted(touched))

    def delete_model(self, request, obj) -> None:
        touched = self.claim_ids_of(obj)
        super().delete_model(request, obj)
        claims_changed.send(sender=self.model, claim_ids=sorted(touched))

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            touched = set().union(*(self.claim_ids_of(obj) for obj in queryset))
            super().delete_queryset(request, queryset)
            claims_changed.send(sender=self.model, claim_ids=sorted(touched))


def _contradicting_ids(claim: Claim) -> set[int]:
    return set(claim_conflicts(claim=claim).values_list("pk", flat=True))


class AttestationForm(VersionedModelForm):
    """An attestation whose quote the model anchors; when it cannot, the form shows the editor what
    to do: the body's own passage to copy into the quote, or a choice of the quote's occurrences."""

    class Meta:
        model = Attestation
        # the admin and its inlines give their own fields; these are the ones an editor may edit
        fields = [
            "claim",
            "document",
            "quote",
            "start",
            "end",
            "stance",
            "modality",
            "speaker",
            "origin_entity",
            "origin_document",
            "interested_override",
            "interested_reason",
            "stated_on",
            "stated_on_precision",
            "note",
        ]

    def clean(self):
        cleaned = super().clean()
        quote, document = cleaned.get("quote"), cleaned.get("document")
        # a browser sends a textarea's line ends as \r\n: not the body's \n, and not the editor's doing
        if quote and "\r\n" in quote and document is not None and "\r" not in document.body:
            cleaned["quote"] = quote.replace("\r\n", "\n")
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()  # the model's clean() anchors the quote, or says why it cannot
        attestation = self.instance
        if not (attestation.document_id and attestation.quote):
            return
        body = attestation.document.body
        if "quote" in self._errors:
            misses = nearest_passages(body=body, quote=attestation.quote)
            if misses:
                self._show_passages(misses)
        if "start" in self._errors and "start" in self.fields:
            found = occurrences(body, attestation.quote)
            if len(found) > 1:
                self._choose_occurrence(body, attestation.quote, found)

    def _show_passages(self, misses: list[NearMiss]) -> None:
        """Under the quote, each passage the body has, as it is, with a button that puts it in the
        quote (and its offsets in start and end) in one click."""
        passages = format_html_join(
            "",
            '<li><span class="ct-muted">characters {}–{} ({})</span> '
            '<button type="button" class="button ct-use-passage" data-quote="{}" data-start="{}" '
            'data-end="{}" data-target="{}">Use the body\'s text</button>'
            '<div class="ct-passage" dir="auto">{}</div></li>',
            (
                (
                    miss.start,
                    miss.end,
                    ", ".join(miss.differences) or f"{miss.similarity:.0%} similar",
                    miss.text,
                    miss.start,
                    miss.end,
                    self.add_prefix(""),
                    miss.text,
                )
                for miss in misses[:MAX_LISTED]
            ),
        )
        help_text = format_html('<p>The body has it as:</p><ul class="ct-passages">{}</ul>', passages)
        # the bound field was made during cleaning and keeps its own copy of the help text
        self.fields["quote"].help_text = self["quote"].help_text = help_text

    def _choose_occurrence(self, body: str, quote: str, found: list[int]) -> None:
        """Offer every occurrence of the quote, one a line with the words around it (right-to-left
        where they are Arabic) and a button that picks it, in place of a number to type."""
        choices = [("", "— which one? —")] + [
            (at, f"{at}: {context(body, at, at + len(quote))}") for at in found
        ]
        self.fields["start"].widget = forms.Select(choices=choices)
        self._errors["start"] = self.error_class(
            [f"The quote occurs {len(found)} times in the document: choose the one meant below."]
        )
        lines = format_html_join(
            "",
            '<li><button type="button" class="button ct-use-occurrence" data-start="{}" data-end="{}" '
            'data-target="{}">Use this one</button> <span class="ct-muted">characters {}–{}</span>'
            '<div class="ct-passage" dir="auto">{}<mark>{}</mark>{}</div></li>',
            (
                (
                    at,
                    at + len(quote),
                    self.add_prefix(""),
                    at,
                    at + len(quote),
                    "…" + body[max(0, at - OCCURRENCE_CONTEXT) : at],
                    body[at : at + len(quote)],
                    body[at + len(quote) : at + len(quote) + OCCURRENCE_CONTEXT] + "…",
                )
                for at in found
            ),
        )
        help_text = format_html('<ul class="ct-passages ct-occurrences">{}</ul>', lines)
        self.fields["start"].help_text = self["start"].help_text = help_text

    class Media:
        js = ["claims/quote_help.js"]


# the words either side of each occurrence a quote has, in the list to choose from
OCCURRENCE_CONTEXT = 60


class AttestationInlineBase(
    KnownChoicesInlineMixin, VersionedAdminMixin, _BidiTextMixin, admin.StackedInline
):
    model = Attestation
    form = AttestationForm
    extra = 0
    autocomplete_fields = ["claim", "document", "speaker", "origin_entity", "origin_document"]
    classes = ["ct-attestations"]
    verbose_name = "quote (attestation)"
    verbose_name_plural = "quotes (attestations)"


class ClaimAttestationInline(AttestationInlineBase):
    fk_name = "claim"
    fields = [
        "document",
        "quote",
        ("start", "end"),
        ("stance", "modality"),
        ("speaker", "origin_entity", "origin_document"),
        ("interested_override", "interested_reason"),
        ("stated_on", "stated_on_precision"),
        "note",
    ]

    def get_queryset(self, request):
        # each inline shows its document, speaker and origins by name
        return (
            super()
            .get_queryset(request)
            .select_related("document", "speaker", "origin_entity", "origin_document")
        )


class RelationOutInline(KnownChoicesInlineMixin, _BidiTextMixin, admin.TabularInline):
    model = ClaimRelation
    fk_name = "from_claim"
    extra = 0
    fields = ["kind", "to_claim", "note"]
    autocomplete_fields = ["to_claim"]
    verbose_name = "relation from this claim"
    verbose_name_plural = "relations from this claim (contradicts is shown on both claims)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("to_claim")  # shown by its statement


class RelationInInline(_BidiTextMixin, admin.TabularInline):
    model = ClaimRelation
    fk_name = "to_claim"
    extra = 0
    fields = ["from_claim", "kind", "note"]
    autocomplete_fields = ["from_claim"]
    verbose_name = "relation to this claim"
    verbose_name_plural = "relations to this claim (edit them from the other claim)"
    readonly_fields = ["from_claim", "kind", "note"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_claim")  # shown by its statement

    # one formset edits relations, so a pair cannot be entered twice on one page
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Claim.Status.choices)
    status_note = forms.CharField(
        required=False,
        widget=BidiTextarea(rows=3),
        help_text="Why; left empty, each claim keeps its note.",
    )


@admin.register(Claim)
class ClaimAdmin(
    RevertAdminMixin,
    VersionedAdminMixin,
    FullTextSearchMixin,
    _RegradesClaims,
    _BidiTextMixin,
    _CreatedByInlineMixin,
    admin.ModelAdmin,
):
    # the statement wide; the rest short enough to stay on screen at 1440 px beside the filters (the
    # language and the creation date are filters and an ordering, not columns)
    list_display = ["shown_statement", "status_shown", "attestation_count", "conflict_count", "search_match"]
    list_filter = [
        "status",
        "publication",
        "language",
        ("created", admin.DateFieldListFilter),
        ("subjects", admin.RelatedOnlyFieldListFilter),
        ("assignee", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "statement",
        "attestations__quote",
        "attestations__speaker__name",
        "attestations__speaker__aliases__name",
        "subjects__name",
        "subjects__aliases__name",
    ]
    autocomplete_fields = ["subjects"]
    inlines = [ClaimAttestationInline, RelationOutInline, RelationInInline]
    actions = ["publish", "unpublish", "set_status"]
    readonly_fields = ["conflicts", "created", "updated", "created_by"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "statement",
                    "language",
                    "subjects",
                    ("point_in_time", "point_in_time_precision"),
                    ("valid_from", "valid_from_precision"),
                    ("valid_until", "valid_until_precision"),
                ]
            },
        ),
        ("Review", {"fields": [("status", "publication"), "status_note", "assignee", "conflicts"]}),
        ("Record", {"fields": ["created", "updated", "created_by"], "classes": ["collapse"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.has_perm("claims.add_claim"):
            # a fact-checker judges a claim (Claim.JUDGEMENT_FIELDS); the rest is the editors'
            editable = [f for f in (*Claim._meta.concrete_fields, *Claim._meta.many_to_many) if f.editable]
            fields += [f.name for f in editable if f.name not in (*Claim.JUDGEMENT_FIELDS, *fields)]
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            # a claim is judged by an editor or a fact-checker, not by any account
            kwargs["queryset"] = claim_judges()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_publish_permission(self, request) -> bool:
        """Publishing and unpublishing are editors' (they write claims); fact-checkers judge them."""
        return request.user.has_perm("claims.add_claim")

    # a long list is counted from the planner's estimate, and once (not again unfiltered)
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_queryset(self, request):
        # the changelist's counts come in the same query as the rows, as subqueries: joins would
        # multiply each claim by its quotes times its relations before the page is cut
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_attestations=related_count(Claim, "attestations"),
                n_conflicts=related_count(Claim, "relations_out", kind=CONTRADICTS)
                + related_count(Claim, "relations_in", kind=CONTRADICTS),
            )
        )

    @admin.display(description="statement", ordering="statement")
    def shown_statement(self, obj: Claim):
        return bidi(obj.statement, limit=140)

    @admin.display(description="quotes", ordering="n_attestations")
    def attestation_count(self, obj: Claim) -> int:
        return obj.n_attestations

    @admin.display(description="status", ordering="status")
    def status_shown(self, obj: Claim) -> str:
        if obj.publication == Claim.Publication.PUBLISHED:
            return obj.get_status_display()
        return format_html('{}<br><span class="ct-muted">{}</span>', obj.get_status_display(), "draft")

    @admin.display(description="conflicts", ordering="n_conflicts")
    def conflict_count(self, obj: Claim) -> int:
        return obj.n_conflicts

    @admin.display(description="contradicted by")
    def conflicts(self, obj: Claim):
        if obj.pk is None:
            return "—"
        rows = [
            (
                reverse("admin:claims_claim_change", args=[other.pk]),
                other.pk,
                other.statement,
                other.get_status_display(),
            )
            for other in claim_conflicts(claim=obj)
        ]
        if not rows:
            return "no contradicting claim recorded"
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", '<li><a href="{}">#{}</a> <span dir="auto">{}</span> ({})</li>', rows),
        )

    def claim_ids_of(self, obj: Claim) -> set[int]:
        # the claims it contradicts weigh it: they move with it (and lose it when it goes)
        return {obj.pk, *_contradicting_ids(obj)}

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change) -> None:
        self.save_formset_created_by(request, formset)

    @admin.action(description="Publish selected claims", permissions=["publish"])
    def publish(self, request, queryset) -> None:
        changed = claims_set_publication(
            claim_ids=queryset.values_list("pk", flat=True), publication="published"
        )
        self.message_user(request, f"Published {changed} claim(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected claims (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset) -> None:
        changed = claims_set_publication(claim_ids=queryset.values_list("pk", flat=True), publication="draft")
        self.message_user(request, f"Returned {changed} claim(s) to draft.", messages.SUCCESS)

    @admin.action(description="Set the status of selected claims…", permissions=["change"])
    def set_status(self, request, queryset):
        form = StatusForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            changed = claims_set_status(
                claim_ids=list(queryset.values_list("pk", flat=True)),
                status=form.cleaned_data["status"],
                note=form.cleaned_data["status_note"],
            )
            self.message_user(
                request,
                f"Set {changed} claim(s) to {form.cleaned_data['status']}.",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Set the status of claims",
            "opts": self.model._meta,
            "form": form,
            "claims": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/claims/claim/set_status.html", context)

    change_list_template = "admin/claims/claim/change_list_with_deleted.html"

    def changelist_view(self, request, extra_context=None):
        if may_revert(request, Claim):
            extra_context = {**(extra_context or {}), "deleted_url": reverse("admin:claims_claim_deleted")}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        deleted = path("deleted/", self.admin_site.admin_view(self.deleted_view), name="claims_claim_deleted")
        return [deleted, *super().get_urls()]

    def deleted_view(self, request):
        """The deleted claims (their last delete events), each with a Restore button."""
        if not may_revert(request, Claim):
            raise PermissionDenied
        if request.method == "POST":
            claim_id = request.POST.get("claim", "")
            try:
                if not claim_id.isdigit():
                    raise ValidationError("Choose a claim to restore.")
                claim = claim_restore(claim_id=int(claim_id), by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return HttpResponseRedirect(request.path)
            self.message_user(request, f"Claim #{claim.pk} was restored with its attestations and relations.")
            return HttpResponseRedirect(reverse("admin:claims_claim_change", args=[claim.pk]))
        existing = Claim._base_manager.values("pk")
        events = (
            Claim.pgh_event_model.objects.filter(pgh_label="delete")
            .exclude(pgh_obj_id__in=existing)
            .select_related("pgh_context")
            .order_by("pgh_obj_id", "-pgh_id")
            .distinct("pgh_obj_id")
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Restore a deleted claim",
            "opts": self.opts,
            "events": sorted(events, key=lambda e: e.pgh_created_at, reverse=True),
        }
        return TemplateResponse(request, "admin/claims/claim/deleted.html", context)


@admin.register(Attestation)
class AttestationAdmin(
    RevertAdminMixin, VersionedAdminMixin, _RegradesClaims, _BidiTextMixin, admin.ModelAdmin
):
    form = AttestationForm
    # one line of sight per quote on a 1440 px screen: the quote, its claim and document, who said it
    # (and whom they relay), how
    list_display = ["shown_quote", "claim_link", "said_by", "stance_shown"]
    list_filter = ["stance", "modality", "document__language"]
    # every column names a related row
    list_select_related = ["claim", "document", "speaker", "origin_entity"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    search_fields = ["quote", "claim__statement", "speaker__name", "document__title"]
    autocomplete_fields = ["claim", "document", "speaker", "origin_entity", "origin_document"]
    readonly_fields = ["created", "updated", "created_by"]
    fields = [
        "claim",
        "document",
        "quote",
        ("start", "end"),
        ("stance", "modality"),
        "speaker",
        "origin_entity",
        "origin_document",
        ("interested_override", "interested_reason"),
        ("stated_on", "stated_on_precision"),
        "note",
        "created",
        "updated",
        "created_by",
    ]

    @admin.display(description="quote", ordering="quote")
    def shown_quote(self, obj: Attestation):
        return bidi(obj.quote, limit=120, css="ct-text ct-quote")

    @admin.display(description="claim · document", ordering="claim")
    def claim_link(self, obj: Attestation):
        url = reverse("admin:claims_claim_change", args=[obj.claim_id])
        return format_html(
            '<a href="{}" dir="auto">#{} {}</a><br><span class="ct-muted" dir="auto">{}</span>',
            url,
            obj.claim_id,
            obj.claim.statement[:90] + ("…" if len(obj.claim.statement) > 90 else ""),
            obj.document.title[:60],
        )

    @admin.display(description="speaker ← origin", ordering="speaker__name")
    def said_by(self, obj: Attestation):
        speaker = obj.speaker.name if obj.speaker else "the document"
        if obj.origin_entity is None:
            return speaker
        return format_html('{}<br><span class="ct-muted">← {}</span>', speaker, obj.origin_entity.name)

    @admin.display(description="stance", ordering="stance")
    def stance_shown(self, obj: Attestation) -> str:
        if obj.modality == Attestation.Modality.ASSERTED:
            return obj.get_stance_display()
        return format_html('{}<br><span class="ct-muted">{}</span>', obj.get_stance_display(), obj.modality)

    def claim_ids_of(self, obj: Attestation) -> set[int]:
        return {obj.claim_id}

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ClaimRelation)
class ClaimRelationAdmin(RevertAdminMixin, _RegradesClaims, _BidiTextMixin, admin.ModelAdmin):
    list_display = ["__str__", "kind", "from_statement", "to_statement", "created_by"]
    list_filter = ["kind"]
    # both claims' statements and the author are shown on every row
    list_select_related = ["from_claim", "to_claim", "created_by"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    search_fields = ["from_claim__statement", "to_claim__statement", "note"]
    autocomplete_fields = ["from_claim", "to_claim"]
    readonly_fields = ["created", "updated", "created_by"]

    @admin.display(description="from")
    def from_statement(self, obj: ClaimRelation):
        return bidi(obj.from_claim.statement, limit=90)

    @admin.display(description="to")
    def to_statement(self, obj: ClaimRelation):
        return bidi(obj.to_claim.statement, limit=90)

    def claim_ids_of(self, obj: ClaimRelation) -> set[int]:
        return {obj.from_claim_id, obj.to_claim_id}

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class DocumentForm(VersionedModelForm):
    url = forms.URLField(required=False, max_length=2000, assume_scheme="https")
    # the body is data: never stripped, and a browser's \r\n line ends are not an edit
    body = forms.CharField(required=False, strip=False, widget=BidiTextarea(rows=14))

    def clean_body(self) -> str:
        value = self.cleaned_data["body"]
        stored = self.instance.body if self.instance.pk else ""
        if "\r" not in stored:
            value = value.replace("\r\n", "\n")
        return value

    reanchor = forms.BooleanField(
        required=False,
        label="Re-anchor quotes",
        help_text="The body has attestations anchored in it: tick this to change it and move every "
        "quote to its place in the new text. A quote the new text no longer contains stops the change.",
    )

    class Meta:
        model = Document
        fields = [
            "title",
            "url",
            "outlet",
            "authors",
            "kind",
            "language",
            "published",
            "published_precision",
            "retrieved",
            "body",
            "cites",
        ]

    def _post_clean(self) -> None:
        # with re-anchoring asked for, the body change is checked here, not refused by the model
        if (
            self.cleaned_data.get("reanchor")
            and self.instance.pk
            and "body" in self.cleaned_data
            and "body" in self.changed_data
        ):
            new_body = self.cleaned_data["body"]
            lost = [
                a
                for a in self.instance.attestations.all()
                if quote_reanchor(body=new_body, quote=a.quote, near=a.start) is None
            ]
            if lost:
                self.add_error(
                    "body",
                    "The new body no longer contains the quote of: "
                    + "; ".join(f"#{a.pk} «{a.quote[:40]}»" for a in lost),
                )
            self._new_body = new_body
            self.cleaned_data["body"] = Document.objects.get(pk=self.instance.pk).body
        super()._post_clean()


admin.site.unregister(Document)


@admin.register(Document)
class DocumentWithAttestationsAdmin(_RegradesClaims, _CreatedByInlineMixin, DocumentAdmin):
    form = DocumentForm

    def get_urls(self):
        workspace = self.admin_site.admin_view(self.workspace_view)
        suggest = self.admin_site.admin_view(self.workspace_suggest_view)
        return [
            path("<int:object_id>/workspace/", workspace, name="documents_document_workspace"),
            path("<int:object_id>/workspace/suggest/", suggest, name="documents_document_workspace_suggest"),
            *super().get_urls(),
        ]

    def _workspace_document(self, request, object_id: int) -> Document:
        document = Document.objects.select_related("outlet").filter(pk=object_id).first()
        if document is None or not self.has_view_permission(request, document):
            raise PermissionDenied
        return document

    def workspace_view(self, request, object_id: int):
        """The document as published, its quotes highlighted; select text to record a quote."""
        document = self._workspace_document(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": document.title,
            "opts": self.model._meta,
            "original": document,
            "workspace": {
                **workspace_data(document),
                "may_edit": request.user.has_perms(["claims.add_attestation", "claims.change_attestation"]),
                "may_add_claim": request.user.has_perm("claims.add_claim"),
                "urls": {
                    "suggest": reverse("admin:documents_document_workspace_suggest", args=[document.pk]),
                    "attestations": reverse("attestation-list"),
                    "claims": reverse("claim-list"),
                    "entities": reverse("entity-list"),
                    "documents": reverse("document-list"),
                    "claim_admin": reverse("admin:claims_claim_change", args=[0]),
                },
            },
        }
        return TemplateResponse(request, "admin/claims/document/workspace.html", context)

    def workspace_suggest_view(self, request, object_id: int):
        """Suggestions for the passage ?start=&end= (code points): claims, entities, documents."""
        document = self._workspace_document(request, object_id)
        try:
            start, end = int(request.GET.get("start", "")), int(request.GET.get("end", ""))
        except ValueError:
            return JsonResponse({"detail": "start and end are whole numbers (code points)."}, status=400)
        if not 0 <= start < end <= len(document.body) or end - start > SELECTION_MAX:
            return JsonResponse({"detail": "start and end must mark a passage of the body."}, status=400)
        return JsonResponse(suggestions(document, start, end))

    def claim_ids_of(self, obj: Document) -> set[int]:
        # its quotes, and the quotes relayed from it (its outlet and authors may be their root)
        relayed = Attestation.objects.filter(Q(document=obj) | Q(origin_document=obj))
        return set(relayed.values_list("claim_id", flat=True))

    readonly_fields = [*DocumentAdmin.readonly_fields, "workspace_link", "quote_table"]
    picker_select_related = ["outlet"]  # apps.core.pickers: a document is picked by title, date, outlet
    list_display = [*DocumentAdmin.list_display, "workspace_column"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        # metadata, the quotes as one line each, the body once; replacing the text is folded away
        shown = []
        for name, opts in fieldsets:
            if name is None:
                shown.append((name, {**opts, "fields": ["workspace_link", *opts["fields"]]}))
                shown.append(("Quotes recorded in it", {"fields": ["quote_table"]}))
            elif name == "Text":
                reading = [field for field in opts["fields"] if field != "body"]
                shown.append((name, {**opts, "fields": reading}))
                replacing = ["body", "reanchor"] if obj.attestations.exists() else ["body"]
                shown.append(("Replace the text", {"fields": replacing, "classes": ["collapse"]}))
            else:
                shown.append((name, opts))
        return shown

    def get_inline_instances(self, request, obj=None):
        # quotes are recorded in the workspace (or one by one under Attestations), not as one form each
        # here: the page lists them, one line each
        return []

    @admin.display(description="workspace")
    def workspace_link(self, obj: Document) -> str:
        url = reverse("admin:documents_document_workspace", args=[obj.pk])
        return format_html(
            '<a class="button" href="{}">Open the workspace</a> '
            '<span class="ct-muted">read the text and record its quotes by selecting them</span>',
            url,
        )

    @admin.display(description="")
    def workspace_column(self, obj: Document) -> str:
        if not obj.body:
            return ""
        url = reverse("admin:documents_document_workspace", args=[obj.pk])
        return format_html('<a href="{}">workspace</a>', url)

    @admin.display(description="quotes")
    def quote_table(self, obj: Document) -> str:
        """Every quote recorded in the document, one line each, in the order of the text (one query)."""
        rows = (
            Attestation.objects.filter(document=obj)
            .select_related("claim", "speaker")
            .order_by("start", "id")
        )
        workspace = reverse("admin:documents_document_workspace", args=[obj.pk])
        lines = format_html_join(
            "",
            '<tr><td class="ct-quote" dir="auto">{}</td><td dir="auto"><a href="{}">#{}</a> {}</td>'
            "<td>{}</td><td>{}</td>"
            '<td><a href="{}#a{}">in the workspace</a> · <a href="{}">edit</a></td></tr>',
            (
                (
                    a.quote if len(a.quote) <= 110 else a.quote[:109] + "…",
                    reverse("admin:claims_claim_change", args=[a.claim_id]),
                    a.claim_id,
                    a.claim.statement if len(a.claim.statement) <= 80 else a.claim.statement[:79] + "…",
                    a.speaker.name if a.speaker_id else "the document",
                    a.stance if a.modality == Attestation.Modality.ASSERTED else f"{a.stance}, {a.modality}",
                    workspace,
                    a.pk,
                    reverse("admin:claims_attestation_change", args=[a.pk]),
                )
                for a in rows
            ),
        )
        if not lines:
            return format_html('None yet: <a href="{}">open the workspace</a> to record them.', workspace)
        return format_html(
            '<table class="ct-quote-table"><thead><tr><th>quote</th><th>claim</th><th>speaker</th>'
            "<th>stance</th><th></th></tr></thead><tbody>{}</tbody></table>",
            lines,
        )

    def save_related(self, request, form, formsets, change) -> None:
        # inline edits are checked against the stored body, so the body is replaced after them
        super().save_related(request, form, formsets, change)
        new_body = getattr(form, "_new_body", None)
        if new_body is not None:
            obj = form.instance
            try:
                moved = document_replace_body(document=obj, body=new_body)
            except ValidationError as error:  # checked in the form already; raced by another edit
                self.message_user(request, "; ".join(error.messages), messages.ERROR)
                return
            self.message_user(request, f"Body replaced; {len(moved)} quote(s) moved to their new place.")

    def save_formset(self, request, form, formset, change) -> None:
        self.save_formset_created_by(request, formset)
