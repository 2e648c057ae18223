"""Claims, where they appear (attestations) and how they relate."""

from __future__ import annotations

import copy

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length

from apps.claims.anchoring import quote_anchor
from apps.core.constraints import FieldCheckConstraint, FieldUniqueConstraint
from apps.core.history import tracked, tracked_links
from apps.core.models import CreatedByModel, DatePrecision, VersionedModel, date_span, format_partial_date
from apps.core.search import fits_search_index, search_index_error
from apps.documents.models import Document
from apps.entities.models import Entity


class ClaimQuerySet(models.QuerySet):
    def published(self) -> ClaimQuerySet:
        return self.filter(publication=Claim.Publication.PUBLISHED)

    def visible_to(self, user) -> ClaimQuerySet:
        """Drafts exist only for those who may see them."""
        return self if user.has_perm("claims.view_draft") else self.published()


JUDGES_ONLY = "Only an editor or a fact-checker can be assigned a claim to judge."


class Credibility(models.IntegerChoices):
    """The Admiralty (NATO STANAG 2511) information scale: how credible the claim itself is."""

    CONFIRMED = 1, "1 — confirmed by independent sources"
    PROBABLY_TRUE = 2, "2 — probably true"
    POSSIBLY_TRUE = 3, "3 — possibly true"
    DOUBTFUL = 4, "4 — doubtful"
    IMPROBABLE = 5, "5 — improbable"
    CANNOT_BE_JUDGED = 6, "6 — truth cannot be judged"


# the grade is the credibility room's to recompute on every input change: not an edit of the claim
@tracked(exclude=["credibility", "credibility_explanation", "credibility_sources", "credibility_affirmers"])
class Claim(VersionedModel, CreatedByModel):
    class Status(models.TextChoices):
        UNREVIEWED = "unreviewed"
        CORROBORATED = "corroborated"
        DISPUTED = "disputed"
        REFUTED = "refuted"
        UNVERIFIABLE = "unverifiable"

    class Publication(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"

    # what a fact-checker may change on a claim, in the admin and the API: the judgement, not the
    # wording, the subjects or the publication
    JUDGEMENT_FIELDS = ("status", "status_note", "assignee")

    statement = models.TextField(help_text="The canonical proposition, one checkable sentence.")
    language = models.CharField(max_length=16, default="en", help_text="BCP 47 tag of the statement.")
    subjects = models.ManyToManyField(Entity, blank=True, related_name="claims_about")
    point_in_time = models.DateField(
        null=True, blank=True, help_text="The time the claim is about, as precisely as known."
    )
    point_in_time_precision = models.CharField(max_length=5, choices=DatePrecision, blank=True)
    # the period it holds over: open at an end left empty; a point in time is the one-moment case
    valid_from = models.DateField(
        null=True, blank=True, help_text="The first time it holds, as precisely as known (empty: always had)."
    )
    valid_from_precision = models.CharField(max_length=5, choices=DatePrecision, blank=True)
    valid_until = models.DateField(
        null=True, blank=True, help_text="The last time it holds, as precisely as known (empty: still holds)."
    )
    valid_until_precision = models.CharField(max_length=5, choices=DatePrecision, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.UNREVIEWED)
    status_note = models.TextField(blank=True, help_text="Why the status is what it is.")
    publication = models.CharField(max_length=16, choices=Publication, default=Publication.DRAFT)
    # the fact-checker (or editor) who is to judge it: the desk's "assigned to me"
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_claims",
        help_text="Who is to judge it (an editor or a fact-checker).",
    )

    # Computed by apps.credibility whenever an input changes, never edited and never computed on a read.
    credibility = models.PositiveSmallIntegerField(
        choices=Credibility, default=Credibility.CANNOT_BE_JUDGED, editable=False
    )
    credibility_explanation = models.JSONField(default=dict, blank=True, editable=False)
    # every entity the grade rests on (speakers, origins, roots): a new rating or a merge finds its claims
    credibility_sources = ArrayField(models.IntegerField(), default=list, blank=True, editable=False)
    # the speakers and roots that affirm it: their track records count it
    credibility_affirmers = ArrayField(models.IntegerField(), default=list, blank=True, editable=False)
    # its statement and its quotes, kept current by database triggers on claims and attestations
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        permissions = [("view_draft", "Can see draft claims")]
        indexes = [
            # the claim list is ordered newest first and paged by (created, id)
            models.Index(fields=["-created", "-id"], name="claim_created_id"),
            # list filters: status, publication, language
            models.Index(fields=["status", "-created"], name="claim_status_created"),
            models.Index(fields=["publication", "-created"], name="claim_publication_created"),
            models.Index(fields=["language"], name="claim_language"),
            # filters and ordering on the computed grade
            models.Index(fields=["credibility", "-created"], name="claim_credibility_created"),
            # `sources @> {entity}`: the claims a rating or merge touches; `affirmers @> …`: track records
            GinIndex(fields=["credibility_sources"], name="claim_credibility_sources"),
            GinIndex(fields=["credibility_affirmers"], name="claim_credibility_affirmers"),
            # ?search= and the admin search: the statement and every quote
            GinIndex(fields=["search_vector"], name="claim_search"),
            # ?updated_after=: the claims changed since a time
            models.Index(fields=["updated"], name="claim_updated"),
        ]
        constraints = [
            FieldCheckConstraint(
                condition=~Q(statement=""),
                name="claim_statement_not_empty",
                field="statement",
                violation_error_message="Write the statement: a claim cannot be empty.",
            ),
            FieldCheckConstraint(
                condition=Q(credibility__gte=1, credibility__lte=6),
                name="claim_credibility_in_range",
                field="credibility",
                violation_error_message="The grade is a number from 1 to 6.",
            ),
            FieldCheckConstraint(
                condition=Q(point_in_time__isnull=True, point_in_time_precision="")
                | Q(point_in_time__isnull=False) & ~Q(point_in_time_precision=""),
                name="claim_point_in_time_precision_with_date",
                field="point_in_time",
                violation_error_message="A date and its precision go together: give the point in time "
                "with its precision (day, month or year), or neither.",
            ),
            FieldCheckConstraint(
                condition=Q(valid_from__isnull=True, valid_from_precision="")
                | Q(valid_from__isnull=False) & ~Q(valid_from_precision=""),
                name="claim_valid_from_precision_with_date",
                field="valid_from",
                violation_error_message="A date and its precision go together: give the date it holds from "
                "with its precision (day, month or year), or neither.",
            ),
            FieldCheckConstraint(
                condition=Q(valid_until__isnull=True, valid_until_precision="")
                | Q(valid_until__isnull=False) & ~Q(valid_until_precision=""),
                name="claim_valid_until_precision_with_date",
                field="valid_until",
                violation_error_message="A date and its precision go together: give the date it holds until "
                "with its precision (day, month or year), or neither.",
            ),
        ]

    def __str__(self) -> str:
        return self.statement if len(self.statement) <= 100 else self.statement[:99] + "…"

    @property
    def picker_label(self) -> str:
        """Its number before its statement: two claims can read alike (admin pickers)."""
        return f"#{self.pk} {self}"

    @property
    def point_in_time_display(self) -> str:
        return format_partial_date(self.point_in_time, self.point_in_time_precision)

    @property
    def period(self) -> tuple:
        """The days it holds over (first, last; None for an open end): its validity period, else its
        point in time, else always."""
        if self.valid_from or self.valid_until:
            return (
                date_span(self.valid_from, self.valid_from_precision)[0],
                date_span(self.valid_until, self.valid_until_precision)[1],
            )
        return date_span(self.point_in_time, self.point_in_time_precision)

    @property
    def period_display(self) -> str:
        if self.valid_from or self.valid_until:
            start = format_partial_date(self.valid_from, self.valid_from_precision) or "…"
            end = format_partial_date(self.valid_until, self.valid_until_precision) or "…"
            return f"{start} – {end}"
        return self.point_in_time_display

    def clean(self) -> None:
        if self.assignee_id is not None and not self.assignee.has_perm("claims.change_claim"):
            raise ValidationError({"assignee": JUDGES_ONLY})
        if not fits_search_index(self.statement, self.language):
            raise ValidationError({"statement": search_index_error("statement")})
        self._default_precisions()
        start, end = self.period
        if start is not None and end is not None and start > end:
            raise ValidationError({"valid_until": "It cannot stop holding before it starts (valid_from)."})

    def _default_precisions(self) -> None:
        # a full date given without its precision is a day, as for documents
        for field in ("point_in_time", "valid_from", "valid_until"):
            if getattr(self, field) and not getattr(self, f"{field}_precision"):
                setattr(self, f"{field}_precision", DatePrecision.DAY)

    def save(self, *args, **kwargs) -> None:
        self._default_precisions()
        super().save(*args, **kwargs)


@tracked_links("subjects", label="subject")
class ClaimSubject(Claim.subjects.through):
    """A claim's subject link, for its history (the table is the field's own)."""

    class Meta:
        proxy = True
        verbose_name = "claim subject"


@tracked()
class Attestation(VersionedModel, CreatedByModel):
    """One appearance of a claim in a document: the exact quote, who says it, whom they relay."""

    class Stance(models.TextChoices):
        AFFIRMS = "affirms"
        DENIES = "denies"

    class Modality(models.TextChoices):
        ASSERTED = "asserted", "asserted (a report of fact)"
        HEDGED = "hedged", "hedged (reportedly, appears, indications)"
        OPINION = "opinion", "opinion (a characterisation, not a report of fact)"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="attestations")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="attestations")
    quote = models.TextField(help_text="The exact words of the body, character for character.")
    # blank (not null): a form may leave the offsets empty and `clean()` finds them from the quote
    start = models.PositiveIntegerField(
        blank=True, help_text="Character offset of the quote in the body; found when left empty."
    )
    end = models.PositiveIntegerField(blank=True)
    speaker = models.ForeignKey(
        Entity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attestations_spoken",
        help_text="Who asserts it in this document; empty when it is the document's own voice.",
    )
    origin_entity = models.ForeignKey(
        Entity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attestations_originated",
        help_text="Whom the speaker relays it from, if anyone.",
    )
    origin_document = models.ForeignKey(
        Document,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attestations_relayed",
        help_text="The document the speaker relays it from, if known.",
    )
    stance = models.CharField(max_length=8, choices=Stance, default=Stance.AFFIRMS)
    modality = models.CharField(
        max_length=8,
        choices=Modality,
        default=Modality.ASSERTED,
        help_text="Hedged evidence cannot confirm; an opinion is shown, never counted.",
    )
    interested_override = models.BooleanField(
        null=True,
        blank=True,
        help_text="Empty: computed (interested when its speaker or source is in the family of one of "
        "the claim's subjects). Yes or No to say otherwise, with the reason.",
    )
    interested_reason = models.TextField(blank=True, help_text="Why the computed mark is overridden.")
    stated_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the speaker said it, as precisely as known; empty: the document's date.",
    )
    stated_on_precision = models.CharField(max_length=5, choices=DatePrecision, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["document", "start", "id"]
        indexes = [
            models.Index(fields=["claim", "document"], name="attestation_claim_document"),
            models.Index(fields=["document", "start"], name="attestation_document_start"),
            # ?updated_after=: the attestations changed since a time
            models.Index(fields=["updated"], name="attestation_updated"),
        ]
        constraints = [
            FieldCheckConstraint(
                condition=Q(start__gte=0) & Q(end__gt=F("start")),
                name="attestation_offsets_in_order",
                field="end",
                violation_error_message="The quote ends after it starts: end must be greater than start, "
                "and start 0 or more.",
            ),
            FieldCheckConstraint(
                condition=Q(end=F("start") + Length("quote")),
                name="attestation_offsets_fit_quote",
                field="end",
                violation_error_message="The offsets span the quote exactly: end is start plus the "
                "quote's length in characters.",
            ),
            FieldCheckConstraint(
                condition=~Q(origin_document=F("document")),
                name="attestation_not_relayed_from_itself",
                field="origin_document",
                violation_error_message="A document cannot relay itself.",
            ),
            FieldUniqueConstraint(
                fields=["claim", "document", "start", "end"],
                name="attestation_unique_anchor",
                field="quote",
                violation_error_message="This claim already has this quote at this place in the document.",
            ),
            FieldCheckConstraint(
                condition=Q(stated_on__isnull=True, stated_on_precision="")
                | Q(stated_on__isnull=False) & ~Q(stated_on_precision=""),
                name="attestation_stated_on_precision_with_date",
                field="stated_on",
                violation_error_message="A date and its precision go together: give the date it was said "
                "on with its precision (day, month or year), or neither.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quote[:60]}… ({self.document_id})" if len(self.quote) > 60 else self.quote

    @property
    def stated(self) -> tuple:
        """When it was said (date, precision): its own date, else its document's."""
        if self.stated_on:
            return self.stated_on, self.stated_on_precision
        return self.document.published, self.document.published_precision

    def save(self, *args, **kwargs) -> None:
        if self.stated_on and not self.stated_on_precision:
            self.stated_on_precision = DatePrecision.DAY
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """Anchor the quote in the body: computed when no offsets are given, checked otherwise."""
        if self.stated_on and not self.stated_on_precision:
            self.stated_on_precision = DatePrecision.DAY
        if self.interested_override is not None and not self.interested_reason.strip():
            raise ValidationError({"interested_reason": "Say why the computed mark is overridden."})
        if not self.document_id or not self.quote:
            return
        anchor = quote_anchor(body=self.document.body, quote=self.quote, start=self.start, end=self.end)
        self.start, self.end = anchor.start, anchor.end
        if self.origin_document_id and self.origin_document_id == self.document_id:
            raise ValidationError({"origin_document": "A document cannot relay itself."})


@tracked()
class ClaimRelation(CreatedByModel):
    """A typed edge between two claims; `contradicts` is symmetric and stored once."""

    class Kind(models.TextChoices):
        CONTRADICTS = "contradicts"
        SUPPORTS = "supports"
        REFINES = "refines", "refines (is more specific than)"
        DUPLICATES = "duplicates"

    SYMMETRIC = frozenset({Kind.CONTRADICTS})

    kind = models.CharField(max_length=16, choices=Kind)
    from_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_out")
    to_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_in")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["kind", "from_claim", "to_claim"]
        indexes = [
            models.Index(fields=["to_claim", "kind"], name="relation_to_kind"),
            # ?updated_after=: the relations changed since a time
            models.Index(fields=["updated"], name="relation_updated"),
        ]
        constraints = [
            FieldCheckConstraint(
                condition=~Q(from_claim=F("to_claim")),
                name="relation_not_self",
                field="to_claim",
                violation_error_message="A claim cannot be related to itself.",
            ),
            # the pair as a whole is the duplicate: an error of the relation, not of one field
            models.UniqueConstraint(
                fields=["from_claim", "to_claim", "kind"],
                name="relation_unique_per_pair_kind",
                violation_error_message="This relation between these two claims already exists.",
            ),
            # a symmetric pair is stored in one order only, so (a, b) and (b, a) cannot both exist
            FieldCheckConstraint(
                condition=~Q(kind__in=["contradicts"]) | Q(from_claim__lt=F("to_claim")),
                name="relation_symmetric_stored_once",
                field="from_claim",
                violation_error_message="A contradiction is stored once, from the claim with the smaller id.",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.from_claim_id} {self.kind} #{self.to_claim_id}"

    def normalise(self) -> None:
        """Store a symmetric relation with the smaller claim id first."""
        if (
            self.kind in self.SYMMETRIC
            and self.from_claim_id
            and self.to_claim_id
            and self.from_claim_id > self.to_claim_id
        ):
            self.from_claim_id, self.to_claim_id = self.to_claim_id, self.from_claim_id

    def clean(self) -> None:
        if self.from_claim_id and self.from_claim_id == self.to_claim_id:
            raise ValidationError({"to_claim": "A claim cannot be related to itself."})

    def validate_constraints(self, exclude=None) -> None:
        # check the pair as it will be stored, without reordering this instance: an admin
        # inline sets its own side again after validation
        stored = copy.copy(self)
        stored.normalise()
        super(ClaimRelation, stored).validate_constraints(exclude=exclude)

    def save(self, *args, **kwargs) -> None:
        self.normalise()
        super().save(*args, **kwargs)


class ContradictedClaim(models.Model):
    """A claim in at least one contradiction, and whether a published claim is among those that
    contradict it: what `?has_conflicts=` asks, stored so that the list reads a small table instead
    of every contradiction with both ends' publication (issue 17).

    Never written by the application: triggers refresh the rows of the claims a transaction touched
    when it commits (migration 0014, which says how they stay right under concurrent writes)."""

    claim = models.OneToOneField(
        Claim, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    by_published = models.BooleanField()

    def __str__(self) -> str:
        return f"#{self.claim_id} contradicted"
