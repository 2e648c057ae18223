"""Import read ClaimReviews: each review a document, its claim a draft claim with the verdict as its
status, the claimant and the outlets entities, the appearances documents cited by the review; each
review in its own transaction, or all of them in one when atomic; the same review twice, never."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Q

from apps.claims.claimreview_import.reading import Ignored, Rejection, Where, review_files_find, reviews_read
from apps.claims.claimreview_import.review import Agent, Appearance, Review
from apps.claims.models import Claim
from apps.claims.signals import claims_changed
from apps.documents.ingest.importing import IMPORT_LOCK_KEY, validation_reason
from apps.documents.models import Document
from apps.documents.services import document_create
from apps.entities.models import Entity

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

# A fact-check is published as an article; Document.Kind has no kind of its own for it (yet).
REVIEW_KIND = Document.Kind.NEWS_ARTICLE


@dataclass(frozen=True)
class Created:
    where: Where
    claim_id: int | None  # None in a dry run
    document_id: int | None
    statement: str
    status: str
    appearances: int
    appearances_with_text: int
    claimant: str | None
    entities_created: int


@dataclass(frozen=True)
class Duplicate:
    where: Where
    reason: str


@dataclass
class ImportReport:
    dry_run: bool = False
    atomic: bool = False
    created: list[Created] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)

    @property
    def saved(self) -> bool:
        """Whether what was created is in the database (not a dry run, nothing rolled back)."""
        return not self.dry_run and not (self.atomic and self.rejected)

    @property
    def appearances(self) -> int:
        return sum(created.appearances for created in self.created)

    @property
    def appearances_with_text(self) -> int:
        return sum(created.appearances_with_text for created in self.created)

    def add(self, outcome: Created | Duplicate | Rejection | Ignored) -> None:
        match outcome:
            case Created():
                self.created.append(outcome)
            case Duplicate():
                self.duplicates.append(outcome)
            case Rejection():
                self.rejected.append(outcome)
            case Ignored():
                self.ignored.append(outcome)


class Progress(Protocol):
    def update(self, n: int = 1) -> object: ...

    def close(self) -> None: ...


class _Refused(Exception):
    """A review the database's rules refuse: the message names the object and the rule."""


def claimreviews_import(
    *,
    paths: Sequence[Path],
    atomic: bool = False,
    dry_run: bool = False,
    by: AbstractBaseUser | None = None,
    progress: Callable[[int], Progress] | None = None,
) -> ImportReport:
    """Import the ClaimReviews in `paths`, each in its own transaction, or all in one when `atomic`.

    A review already imported (its url, else its claim, author and date) or met earlier in the batch
    is skipped as a duplicate; a bad one is rejected with its reason. With `atomic`, one rejection
    rolls the whole batch back; with `dry_run`, everything is checked and nothing is written.
    """
    files, missing = review_files_find(paths)
    report = ImportReport(dry_run=dry_run, atomic=atomic)
    for path in missing:
        report.add(Rejection(Where(path), "no such file or folder"))
    items = [item for path in files for item in reviews_read(path)]
    reviews = [item for item in items if isinstance(item, Review)]
    for item in items:
        if not isinstance(item, Review):
            report.add(item)
    seen: dict[tuple, Where] = {}
    bar = progress(len(reviews)) if progress is not None else None
    try:
        with transaction.atomic() if atomic and not dry_run else nullcontext():
            for review in reviews:
                report.add(_review_import(review, seen=seen, dry_run=dry_run, by=by))
                if bar is not None:
                    bar.update(1)
            if atomic and report.rejected and not dry_run:
                transaction.set_rollback(True)
    finally:
        if bar is not None:
            bar.close()
    # in the order of the files and their items, whether refused on reading or on writing
    order = {path: index for index, path in enumerate(files)}
    report.rejected.sort(key=lambda r: (order.get(r.where.path, -1), r.where.number or 0))
    return report


def _review_import(
    review: Review, *, seen: dict[tuple, Where], dry_run: bool, by: AbstractBaseUser | None
) -> Created | Duplicate | Rejection:
    key = _dedup_key(review)
    if key in seen:
        return Duplicate(review.where, f"the same review as {seen[key]} (earlier in this batch)")
    try:
        # one review, one transaction (a savepoint inside an --atomic batch): nothing half-written
        with transaction.atomic():
            _import_lock()
            existing = _existing(review)
            if existing is not None:
                return Duplicate(review.where, existing)
            created = _review_write(review, by=by)
            if dry_run:
                transaction.set_rollback(True)
    except _Refused as refused:
        return Rejection(review.where, str(refused))
    except DatabaseError as error:  # the database's own checks, should the model's have missed one
        return Rejection(review.where, f"the database refused it: {str(error).strip()}")
    seen[key] = review.where
    return replace(created, claim_id=None, document_id=None) if dry_run else created


def _import_lock() -> None:
    # the lock import_documents takes: two imports at once cannot both find a review new
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def _dedup_key(review: Review) -> tuple:
    if review.url:
        return ("url", review.url)
    reviewer = review.reviewer.name.casefold() if review.reviewer else ""
    return ("claim", review.claim_reviewed, reviewer, str(review.published or ""))


def _existing(review: Review) -> str | None:
    """Why this review is already in the database, or None: its url decides, else its claim's
    statement, its author and its date."""
    if review.url:
        pk = Document.objects.filter(url=review.url).order_by("pk").values_list("pk", flat=True).first()
        return None if pk is None else f"already imported: document #{pk} has the review's url {review.url}"
    claim = (
        Claim.objects.filter(statement=review.claim_reviewed)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if claim is None:
        return None
    documents = Document.objects.filter(url="", kind=REVIEW_KIND)
    if review.published is None:
        documents = documents.filter(published=None)
    else:
        documents = documents.filter(
            published=review.published.date, published_precision=review.published.precision
        )
    if review.reviewer is None:
        documents = documents.filter(outlet=None)
    else:
        name = review.reviewer.name
        documents = documents.filter(Q(outlet__name__iexact=name) | Q(outlet__aliases__name__iexact=name))
    document = documents.order_by("pk").values_list("pk", flat=True).first()
    if document is None:
        return None
    return (
        f"already imported: claim #{claim} has this statement, and document #{document} is a review of "
        f"the same author and date"
    )


def _review_write(review: Review, *, by: AbstractBaseUser | None) -> Created:
    made: list[Entity] = []
    reviewer = _entity(review.reviewer, made=made, by=by, role="the review's author")
    authors = [
        _entity(agent, made=made, by=by, role="the review's author") for agent in review.review_authors
    ]
    # a review's own address among its appearances is the review, not a work it cites
    appearances = [a for a in review.appearances if not (a.url and a.url == review.url)]
    cited = [_appearance_document(appearance, made=made, by=by) for appearance in appearances]
    document = _valid(
        "the review document",
        lambda: document_create(
            by=by,
            title=review.title,
            url=review.url,
            outlet=reviewer,
            language=review.language,
            kind=REVIEW_KIND,
            body="",
            authors=authors,
            cites=sorted({d.pk for d in cited}),
            **_published(review.published),
        ),
    )
    claimant = _entity(review.claimant, made=made, by=by, role="the claimant (itemReviewed.author)")
    claim = Claim(
        statement=review.claim_reviewed,
        language=review.claim_language,
        status=review.status,
        status_note=review.status_note,
        publication=Claim.Publication.DRAFT,
        created_by=by,
    )
    _valid("the claim", claim.full_clean)
    claim.save()
    # graded now, as every write that moves an input of a grade is (its status is one)
    claims_changed.send(sender=Claim, claim_ids=[claim.pk])
    return Created(
        where=review.where,
        claim_id=claim.pk,
        document_id=document.pk,
        statement=review.claim_reviewed,
        status=review.status,
        appearances=len(cited),
        appearances_with_text=sum(a.has_text for a in appearances),
        claimant=claimant.name if claimant is not None else None,
        entities_created=len(made),
    )


def _valid(what: str, write: Callable):
    try:
        return write()
    except ValidationError as error:
        raise _Refused(f"{what}: {validation_reason(error)}") from None


def _published(date) -> dict:
    return {} if date is None else {"published": date.date, "published_precision": date.precision}


def _entity(agent: Agent | None, *, made: list[Entity], by, role: str) -> Entity | None:
    """The entity of that name or alias (the exact spelling first, then any case), else a new one."""
    if agent is None:
        return None
    named = Entity.objects.filter(Q(name=agent.name) | Q(aliases__name=agent.name)).order_by("pk").first()
    if named is None:
        named = (
            Entity.objects.filter(Q(name__iexact=agent.name) | Q(aliases__name__iexact=agent.name))
            .order_by("pk")
            .first()
        )
    if named is not None:
        return named
    entity = Entity(name=agent.name, kind=agent.kind, created_by=by)
    _valid(f"{role} «{agent.name}»", entity.full_clean)
    entity.save()
    made.append(entity)
    return entity


def _appearance_document(appearance: Appearance, *, made: list[Entity], by) -> Document:
    """The document an appearance is, known by reference: the one with its url (or, without a url, its
    title, date and no body) if there is one, else a new one without a body."""
    if appearance.url:
        known = Document.objects.filter(url=appearance.url)
    else:
        known = Document.objects.filter(url="", title=appearance.title)
        known = known.filter(**(_published(appearance.published) or {"published": None}))
    existing = known.order_by("pk").first()
    if existing is not None:
        return existing
    publisher = _entity(appearance.publisher, made=made, by=by, role="an appearance's publisher")
    return _valid(
        f"the appearance «{appearance.title[:60]}»",
        lambda: document_create(
            by=by,
            title=appearance.title,
            url=appearance.url,
            outlet=publisher,
            language=appearance.language,
            kind=appearance.kind,
            body="",
            **_published(appearance.published),
        ),
    )
