"""Source documents: the texts claims are anchored in."""

from __future__ import annotations

import hashlib

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from apps.core.constraints import FieldCheckConstraint, FieldUniqueConstraint
from apps.core.history import tracked, tracked_links
from apps.core.models import CreatedByModel, DatePrecision, VersionedModel, format_partial_date
from apps.core.search import fits_search_index, search_index_error
from apps.entities.models import Entity


def body_sha256(body: str) -> str:
    """SHA-256 of the body's UTF-8 bytes, as PostgreSQL's check computes it."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class DocumentQuerySet(models.QuerySet):
    def with_body(self) -> DocumentQuerySet:
        return self.exclude(body="")

    def with_body_sha256(self, digest: str) -> DocumentQuerySet:
        """The documents whose text has this SHA-256, through `document_body_unique`: the index
        leaves out the shared empty body, and serves only a query that leaves it out too (without,
        each lookup read the whole table: 45 ms at 100,000 documents, and imports ran at 14 a second)."""
        return self.with_body().filter(body_sha256=digest)


@tracked()
class Document(VersionedModel, CreatedByModel):
    class Kind(models.TextChoices):
        NEWS_ARTICLE = "news_article", "News article"
        REPORT = "report"
        STATEMENT = "statement"
        INTERVIEW = "interview"
        OTHER = "other"

    title = models.CharField(max_length=500)
    url = models.URLField(max_length=2000, blank=True)
    outlet = models.ForeignKey(
        Entity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        help_text="The outlet that published it, or the body that issued it (for a report).",
    )
    authors = models.ManyToManyField(Entity, blank=True, related_name="authored_documents")
    published = models.DateField(null=True, blank=True)
    published_precision = models.CharField(
        max_length=5, choices=DatePrecision, blank=True, help_text="How much of the date is known."
    )
    retrieved = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=16, help_text="BCP 47 tag: ar, en, fa, ps…")
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.NEWS_ARTICLE)
    body = models.TextField(
        blank=True,
        help_text="The full text exactly as published; empty for a document known by reference.",
    )
    body_sha256 = models.CharField(max_length=64, editable=False)
    cites = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="cited_by")
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        help_text="The original this is a translation of: its words are the original's, one source with it.",
    )
    draws_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="drawn_on_by",
        help_text="Documents whose findings it draws on (a brief on a UN report): it counts with them, "
        "not beside them.",
    )
    # kept current by a database trigger (apps/core/migrations/0002_search.py's functions), never here
    search_vector = SearchVectorField(null=True, editable=False)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "-id"]
        indexes = [
            # documents are listed newest first and filtered by outlet, language and date
            models.Index(fields=["-published", "-id"], name="document_published"),
            models.Index(fields=["outlet", "-published"], name="document_outlet_published"),
            models.Index(fields=["language"], name="document_language"),
            # ?search= and the admin search: title and body
            GinIndex(fields=["search_vector"], name="document_search"),
            # ?updated_after=: the documents changed since a time
            models.Index(fields=["updated"], name="document_updated"),
        ]
        constraints = [
            FieldCheckConstraint(
                condition=Q(
                    body_sha256=models.Func(
                        models.Func(
                            models.Func(models.F("body"), models.Value("UTF8"), function="convert_to"),
                            function="sha256",
                        ),
                        models.Value("hex"),
                        function="encode",
                    )
                ),
                name="document_body_sha256_matches",
                field="body",
                violation_error_message="The stored SHA-256 is not the hash of the body's text.",
            ),
            FieldCheckConstraint(
                condition=Q(published__isnull=True, published_precision="")
                | Q(published__isnull=False) & ~Q(published_precision=""),
                name="document_published_precision_with_date",
                field="published",
                violation_error_message="A date and its precision go together: give the date it was "
                "published with its precision (day, month or year), or neither.",
            ),
            FieldCheckConstraint(
                condition=~Q(title=""),
                name="document_title_not_empty",
                field="title",
                violation_error_message="Give the document a title.",
            ),
            FieldCheckConstraint(
                condition=~Q(translation_of=models.F("id")),
                name="document_not_own_translation",
                field="translation_of",
                violation_error_message="A document cannot be a translation of itself.",
            ),
            # one text, one document, whatever races (its index serves the duplicate lookups too);
            # documents known only by reference share the empty body
            FieldUniqueConstraint(
                fields=["body_sha256"],
                condition=~Q(body=""),
                name="document_body_unique",
                field="body",
                violation_error_message="This text is already stored as another document.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def picker_label(self) -> str:
        """The title, and what tells two like it apart: its date and outlet (admin pickers)."""
        outlet = self.outlet.name if self.outlet_id else "outlet unknown"
        return f"{self.title} — {self.published_display or 'undated'}, {outlet} (#{self.pk})"

    @property
    def source_label(self) -> str:
        """How a loop of sources names it."""
        return f"«{self.title}»"

    @property
    def published_display(self) -> str:
        return format_partial_date(self.published, self.published_precision)

    def save(self, *args, **kwargs) -> None:
        self.body_sha256 = body_sha256(self.body)
        self._default_precision()
        if kwargs.get("update_fields") is not None and "body" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_sha256"}
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None) -> None:
        # the hash is the server's to compute, never an input to check
        self.body_sha256 = body_sha256(self.body)
        super().clean_fields(exclude=exclude)

    def _default_precision(self) -> None:
        # a full date given without its precision is a day, as for claims
        if self.published and not self.published_precision:
            self.published_precision = DatePrecision.DAY

    def clean(self) -> None:
        self._default_precision()
        if self.published is None and self.published_precision:
            raise ValidationError({"published": "Give the date whose precision is set."})
        if not fits_search_index(self.body, self.language):
            raise ValidationError({"body": search_index_error("body")})
        self._refuse_translation_loop()
        if self.pk is not None:
            self._refuse_silent_body_change()
        self._refuse_duplicate_body()

    def validate_constraints(self, exclude=None) -> None:
        # the body's uniqueness is clean()'s, with a message on `body` naming the document that has it
        super().validate_constraints(exclude={*(exclude or ()), "body_sha256"})

    def _refuse_duplicate_body(self) -> None:
        """One text, one document: a body already stored is refused, naming the document that has it.

        Documents known by reference share the empty body, so they are never duplicates. This is
        the check the admin, the API and `import_documents` share, with the message they all give;
        the database's `document_body_unique` holds it under concurrency (a save that loses the
        race is validated again and gets this message too).
        """
        if not self.body:
            return
        others = Document.objects.with_body_sha256(body_sha256(self.body))
        if self.pk is not None:
            others = others.exclude(pk=self.pk)
        existing = others.order_by("pk").values_list("pk", "title").first()
        if existing is not None:
            message = f"This text is already document #{existing[0]} «{existing[1]}»."
            raise ValidationError({"body": ValidationError(message, code="duplicate")})

    def _refuse_translation_loop(self) -> None:
        original, seen = self.translation_of, []
        while original is not None:
            seen.append(original.title)
            if original.pk == self.pk and self.pk is not None:
                loop = " → ".join([self.title, *seen])
                raise ValidationError({"translation_of": f"That would make a loop of translations ({loop})."})
            if len(seen) > 100:
                break
            original = original.translation_of

    def _refuse_silent_body_change(self) -> None:
        """A body that quotes are anchored in changes only through `document_replace_body`."""
        stored = Document.objects.filter(pk=self.pk).values_list("body", flat=True).first()
        if stored is None or stored == self.body:
            return
        anchored = self.attestations.count()
        if anchored:
            raise ValidationError(
                {
                    "body": f"{anchored} attestation(s) are anchored in this body; change it with "
                    "re-anchoring (document_replace_body) so that no quote silently loses its place."
                }
            )


@tracked_links("authors", label="author")
class DocumentAuthor(Document.authors.through):
    """A document's author link, for its history (the table is the field's own)."""

    class Meta:
        proxy = True
        verbose_name = "document author"


@tracked_links("cites", label="citation")
class DocumentCitation(Document.cites.through):
    """A document's link to a document it cites, for its history (the table is the field's own)."""

    class Meta:
        proxy = True
        verbose_name = "document citation"


@tracked_links("draws_on", label="draws_on")
class DocumentDrawsOn(Document.draws_on.through):
    """A document's draws-on link, for its history (the table is the field's own)."""

    class Meta:
        proxy = True
        verbose_name = "document draws on"
