"""Import read documents: metadata resolved against the database, duplicates skipped, each saved by
`document_create` (the model's `full_clean`) in its own transaction, or all in one when atomic."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Q

from apps.core.models import DatePrecision, parse_partial_date
from apps.documents.ingest.reading import (
    Candidate,
    Rejected,
    Rejection,
    Source,
    candidates_read,
    documents_count,
    import_files_find,
    metadata_check,
)
from apps.documents.models import Document, body_sha256
from apps.documents.services import document_create
from apps.entities.models import Entity

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

DEFAULT_LANGUAGE = "ar"
TITLE_FROM_BODY_MAX = 200

# Imports take turns on this PostgreSQL advisory lock (one key, so a large --atomic batch holds a
# single lock, not one per body): two editors bringing in the same day's files at once cannot both
# find a body new and both create it.
IMPORT_LOCK_KEY = 0x436C_5472  # "ClTr"

_PRECISION_RANK = {DatePrecision.DAY: 0, DatePrecision.MONTH: 1, DatePrecision.YEAR: 2}


@dataclass(frozen=True)
class Created:
    source: Source
    document_id: int | None  # None in a dry run
    title: str


@dataclass(frozen=True)
class Duplicate:
    source: Source
    document_id: int | None  # the document that has the body; None for a dry run's earlier copy
    earlier: Source | None = None  # set when the body came earlier in this same batch


@dataclass
class ImportReport:
    dry_run: bool = False
    atomic: bool = False
    created: list[Created] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)

    @property
    def saved(self) -> bool:
        """Whether the created documents are in the database (not a dry run, nothing rolled back)."""
        return not self.dry_run and not (self.atomic and self.rejected)

    def add(self, outcome: Created | Duplicate | Rejection) -> None:
        match outcome:
            case Created():
                self.created.append(outcome)
            case Duplicate():
                self.duplicates.append(outcome)
            case Rejection():
                self.rejected.append(outcome)


@dataclass(frozen=True)
class ImportDefaults:
    """Metadata from the command line, for every document that does not say otherwise."""

    title: str | None = None
    url: str | None = None
    outlet: str | int | None = None
    language: str | None = None
    kind: str | None = None
    published: str | None = None


class Progress(Protocol):
    def update(self, n: int = 1) -> object: ...

    def close(self) -> None: ...


# --- resolving metadata -----------------------------------------------------------------


def title_from_body(body: str) -> str:
    """The body's first non-blank line, trimmed; past 200 characters, cut after a word and marked …"""
    line = next((line.strip() for line in body.splitlines() if line.strip()), "")
    if len(line) <= TITLE_FROM_BODY_MAX:
        return line
    head = line[: TITLE_FROM_BODY_MAX - 1]  # room for the ellipsis
    if not line[len(head)].isspace() and " " in head:  # the last word is cut: leave it out
        head = head.rsplit(" ", 1)[0]
    return head.rstrip() + "…"


def published_parse(text: str, *, precision: str | None = None) -> tuple[datetime.date, str]:
    """Read YYYY, YYYY-MM or YYYY-MM-DD; a precision given beside it may only be coarser than the form."""
    try:
        date, form_precision = parse_partial_date(text.strip())
    except ValueError:
        raise Rejected(f"bad date {text!r}: expected YYYY, YYYY-MM or YYYY-MM-DD") from None
    if precision is None:
        return date, form_precision
    if precision not in DatePrecision.values:
        raise Rejected(f"bad published_precision {precision!r}: expected day, month or year")
    if _PRECISION_RANK[DatePrecision(precision)] < _PRECISION_RANK[form_precision]:
        raise Rejected(f"published_precision {precision!r} is finer than the date {text!r}")
    if precision == DatePrecision.YEAR:
        date = date.replace(month=1, day=1)
    elif precision == DatePrecision.MONTH:
        date = date.replace(day=1)
    return date, precision


def outlet_find(ref: str | int) -> Entity:
    """Find an outlet by entity id, or by its exact name or one of its exact aliases."""
    if isinstance(ref, int) or (ref.isascii() and ref.isdigit()):
        # an id past bigint's range is no entity's, and must not reach the database as one
        entity = Entity.objects.filter(pk=int(ref)).first() if 0 < int(ref) < 2**63 else None
        if entity is None:
            raise Rejected(f"unknown outlet: there is no entity #{ref}")
        return entity
    name = ref.strip()
    matches = list(Entity.objects.filter(Q(name=name) | Q(aliases__name=name)).distinct().order_by("pk")[:5])
    if not matches:
        raise Rejected(f"unknown outlet «{name}»: give an entity id, or its exact name or alias")
    if len(matches) > 1:
        ids = ", ".join(f"#{entity.pk}" for entity in matches)
        raise Rejected(f"ambiguous outlet «{name}»: entities {ids} have that name; give the id")
    return matches[0]


def document_fields(candidate: Candidate, *, outlets: dict[str | int, Entity]) -> dict[str, Any]:
    """Turn a candidate's metadata into `Document` fields: outlet found, date read, defaults filled in."""
    metadata = candidate.metadata
    fields: dict[str, Any] = {
        "body": candidate.body,
        "title": str(metadata.get("title", "")).strip() or title_from_body(candidate.body),
        "url": str(metadata.get("url", "")).strip(),
        "language": metadata.get("language", DEFAULT_LANGUAGE),
        "kind": metadata.get("kind", Document.Kind.NEWS_ARTICLE),
    }
    if "outlet" in metadata:
        ref = metadata["outlet"]
        key = ref.strip() if isinstance(ref, str) else ref
        if key not in outlets:
            outlets[key] = outlet_find(key)
        fields["outlet"] = outlets[key]
    if "published" in metadata:
        fields["published"], fields["published_precision"] = published_parse(
            metadata["published"], precision=metadata.get("published_precision")
        )
    return fields


def options_check(defaults: ImportDefaults) -> dict[str, Any]:
    """Check the command-line metadata once, up front; a mistake there is every document's mistake."""
    values = {key: value for key, value in dataclasses.asdict(defaults).items() if value is not None}
    try:
        options = metadata_check(values)
    except Rejected as rejected:
        raise ValidationError(str(rejected)) from None
    checks: dict[str, Callable[[Any], object]] = {
        "outlet": outlet_find,
        "published": published_parse,
        "kind": _kind_check,
    }
    for key, check in checks.items():
        if key in options:
            try:
                check(options[key])
            except Rejected as rejected:
                raise ValidationError({key: str(rejected)}) from None
    return options


def _kind_check(kind: str) -> None:
    if kind not in Document.Kind.values:
        raise Rejected(f"unknown kind {kind!r}: expected one of {', '.join(Document.Kind.values)}")


# --- importing --------------------------------------------------------------------------


def documents_import(
    *,
    paths: Sequence[Path],
    defaults: ImportDefaults | None = None,
    atomic: bool = False,
    dry_run: bool = False,
    by: AbstractBaseUser | None = None,
    progress: Callable[[int], Progress] | None = None,
) -> ImportReport:
    """Import the documents in `paths`, each in its own transaction, or all in one when `atomic`.

    A body already stored, or met earlier in the batch, is skipped as a duplicate; a bad document
    is rejected with its reason. With `atomic`, one rejection rolls the whole batch back; with
    `dry_run`, everything is validated and nothing is written. Bad `defaults` raise ValidationError.
    """
    options = options_check(defaults or ImportDefaults())
    found = import_files_find(paths=paths)
    report = ImportReport(dry_run=dry_run, atomic=atomic, ignored=found.ignored)
    for path in found.missing:
        report.add(Rejection(Source(path), "no such file or folder"))
    seen: dict[str, Created] = {}
    outlets: dict[str | int, Entity] = {}
    bar = progress(documents_count(files=found.files)) if progress is not None else None
    try:
        with transaction.atomic() if atomic and not dry_run else nullcontext():
            for path in found.files:
                for item in candidates_read(path, options=options):
                    outcome = item
                    if isinstance(item, Candidate):
                        outcome = _candidate_import(item, seen=seen, outlets=outlets, dry_run=dry_run, by=by)
                    report.add(outcome)
                    if bar is not None:
                        bar.update(1)
            if atomic and report.rejected and not dry_run:
                transaction.set_rollback(True)
    finally:
        if bar is not None:
            bar.close()
    return report


def _candidate_import(
    candidate: Candidate,
    *,
    seen: dict[str, Created],
    outlets: dict[str | int, Entity],
    dry_run: bool,
    by: AbstractBaseUser | None,
) -> Created | Duplicate | Rejection:
    digest = body_sha256(candidate.body)
    earlier = seen.get(digest)
    if earlier is not None:
        return Duplicate(candidate.source, earlier.document_id, earlier=earlier.source)
    try:
        # one document, one transaction (a savepoint inside an --atomic batch): nothing half-written
        with nullcontext() if dry_run else transaction.atomic():
            if not dry_run:
                _import_lock()
            existing = (
                Document.objects.with_body_sha256(digest).order_by("pk").values_list("pk", flat=True).first()
            )
            if existing is not None:
                return Duplicate(candidate.source, existing)
            fields = document_fields(candidate, outlets=outlets)
            if dry_run:
                Document(created_by=by, **fields).full_clean()
                document_id = None
            else:
                document_id = document_create(by=by, **fields).pk
    except Rejected as rejected:
        return Rejection(candidate.source, str(rejected))
    except ValidationError as error:
        return Rejection(candidate.source, validation_reason(error))
    except DatabaseError as error:  # the database's own checks, should the model's have missed one
        return Rejection(candidate.source, f"the database refused it: {str(error).strip()}")
    created = Created(candidate.source, document_id, fields["title"])
    seen[digest] = created
    return created


def _import_lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def validation_reason(error: ValidationError) -> str:
    """A model's validation errors on one line: `field: message; field: message`."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(
        " ".join(messages) if name == NON_FIELD_ERRORS else f"{name}: {' '.join(messages)}"
        for name, messages in error.message_dict.items()
    )
