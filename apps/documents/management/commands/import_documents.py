"""Import new documents from text files, web pages and JSON lines (the work is `apps.documents.ingest`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, DjangoHelpFormatter

from apps.core.management.recorded import RecordedCommand
from apps.documents.ingest import (
    SUFFIXES_SHOWN,
    Duplicate,
    ImportDefaults,
    ImportReport,
    documents_import,
    validation_reason,
)
from apps.documents.models import Document

PROGRESS_FROM = 50  # documents; a smaller batch is done before a bar would say anything

HELP = """\
Import documents from files and folders. Folders are read recursively in sorted order, passing
over hidden entries and sidecars, and listing files of other types as ignored.

  NAME.txt    the body, UTF-8, stored exactly as it is (line ends included); metadata from
              NAME.json beside it, if there is one, and from the options
  NAME.html   the page's main text (no menus, footer or comments); its title, date and
  NAME.htm    address from the page's metadata, unless NAME.json or the options give them
  NAME.jsonl  one document per line: {"body": "…", "title": …, "url": …, "outlet": …,
              "language": …, "kind": …, "published": "YYYY[-MM[-DD]]", "published_precision": …}

Each piece of metadata is taken from the first of these that gives it:
  1. the document's own NAME.json (same keys as a JSON line, without "body") or JSON line:
     it wins over the options, which are for the whole batch;
  2. the options below;
  3. what a web page says about itself;
  4. language "ar", kind news_article, and for the title the body's first line (≤ 200 characters).
A date's precision follows its form: 2023 → year, 2023-06 → month, 2023-06-05 → day.

A body already in the database, or twice in the batch, is skipped as a duplicate (its SHA-256
decides), so running an import again changes nothing. A bad file or line is rejected with its
reason: not UTF-8, binary, empty, invalid JSON, no body, unknown outlet, bad date, or any rule of
the Document model. Each document is saved in its own transaction: without --atomic the good
ones are imported and the command still exits with status 1 if anything was rejected; with
--atomic one rejection rolls the whole batch back (status 1, nothing written). On a terminal, a
batch of more than 50 documents shows a progress bar.
"""


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's ordering of the options, and the description's own line breaks."""


class Command(RecordedCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _HelpFormatter
        return parser

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="Files or folders.")
        parser.add_argument("--title", help="Title (for a single document, usually).")
        parser.add_argument("--outlet", help="The outlet: an entity id, or its exact name or alias.")
        parser.add_argument("--language", help='BCP 47 language tag (default "ar").')
        parser.add_argument("--kind", choices=Document.Kind.values, help="Kind (default news_article).")
        parser.add_argument("--published", metavar="YYYY[-MM[-DD]]", help="Publication date.")
        parser.add_argument("--url", help="Address of the original.")
        parser.add_argument(
            "--atomic", action="store_true", help="All or nothing: any rejection writes nothing at all."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check everything, write nothing.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, paths: list[Path], **options) -> None:
        defaults = ImportDefaults(
            **{key: options[key] for key in ("title", "url", "outlet", "language", "kind", "published")}
        )
        try:
            report = documents_import(
                paths=paths,
                defaults=defaults,
                atomic=options["atomic"],
                dry_run=options["dry_run"],
                progress=None if options["no_progress"] else self._progress_bar,
            )
        except ValidationError as error:
            raise CommandError(f"Bad option: {validation_reason(error)}") from None
        self._write_report(report, verbosity=options["verbosity"])
        if report.rejected:
            raise CommandError(
                f"{len(report.rejected)} rejected"
                + ("; nothing was written." if not report.saved else "; the others were imported."),
                returncode=1,
            )

    def _progress_bar(self, total: int):
        from tqdm import tqdm

        # the raw stream: Django's wrapper ends every write with a newline, which breaks the bar
        stream = self.stderr._out
        shown = total > PROGRESS_FROM and self.stderr.isatty()
        return tqdm(total=total, file=stream, disable=not shown, unit="doc", desc="Importing", leave=False)

    def _write_report(self, report: ImportReport, *, verbosity: int) -> None:
        would = "" if report.saved else "would be "
        if verbosity >= 1:
            for created in report.created:
                number = f" #{created.document_id}" if report.saved else ""
                self.stdout.write(f"{created.source}: {would}created{number} «{created.title}»")
            for duplicate in report.duplicates:
                original = _original(duplicate, saved=report.saved)
                self.stdout.write(f"{duplicate.source}: skipped as duplicate of {original}")
            if report.ignored:
                names = ", ".join(str(path) for path in report.ignored)
                self.stdout.write(f"Ignored (not {SUFFIXES_SHOWN}): {names}")
        if report.rejected:
            self.stdout.write("Rejected:")
            for rejection in report.rejected:
                self.stdout.write(f"  {rejection}", style_func=self.style.ERROR)

        counts = (
            f"created {len(report.created)}, skipped as duplicate {len(report.duplicates)}, "
            f"rejected {len(report.rejected)}"
        )
        if report.dry_run:
            self.stdout.write(f"Dry run, nothing written: would have {counts}.")
        elif not report.saved:
            self.stdout.write(
                self.style.ERROR(f"--atomic: rolled back, nothing written (would have {counts}).")
            )
        else:
            style = self.style.WARNING if report.rejected else self.style.SUCCESS
            self.stdout.write(style(f"{counts[0].upper()}{counts[1:]}."))
        if not report.created and report.duplicates and not report.rejected:
            self.stdout.write("Nothing new: every document is already in the database.")


def _original(duplicate: Duplicate, *, saved: bool) -> str:
    # a copy met earlier in a dry run or a rolled-back batch has no document to point at
    if duplicate.earlier is not None and (not saved or duplicate.document_id is None):
        return f"{duplicate.earlier} (earlier in this batch)"
    return f"document #{duplicate.document_id}"
