"""Import fact-checks from schema.org ClaimReview JSON-LD (the work is `apps.claims.claimreview_import`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, DjangoHelpFormatter

from apps.claims.claimreview_import import SUFFIXES_SHOWN, ImportReport, claimreviews_import
from apps.core.management.recorded import RecordedCommand

PROGRESS_FROM = 50  # reviews; a smaller batch is done before a bar would say anything

HELP = f"""\
Import fact-checks published as schema.org ClaimReview (JSON-LD), the markup Google's Fact Check
Tools, the Duke Reporters' Lab and ClaimsKG read. Files ({SUFFIXES_SHOWN};
folders are read recursively in sorted order) may hold:

  one ClaimReview object, an array of them, an "@graph", a schema.org DataFeed ("dataFeedElement",
  each element a review or a DataFeedItem wrapping one in "item"), a page of /api/v1/claimreview/,
  or (a web page) <script type="application/ld+json"> blocks; other things beside the reviews (a
  page's Organization or BreadcrumbList) are left alone.

For each review:
  the review        a document (kind news_article, no body): url, headline (else name), datePublished
                    (its form says its precision: 2024, 2024-03, 2024-03-05; a time may follow a full
                    date), inLanguage, the publisher (else the author) as its outlet
  claimReviewed     a draft claim, for an editor to publish; its language is inLanguage, else the one
                    its letters point to (Arabic letters: ar), else en; its text is kept exactly
  reviewRating      the claim's status, from alternateName (else ratingValue between worstRating and
                    bestRating); the verdict as written goes into the status note:
                      false, incorrect, misleading, pants on fire, mostly false, fake …  refuted
                      true, correct, accurate, mostly true …                             corroborated
                      mixture, half true, partly true, disputed, needs context …        disputed
                      unproven, unverifiable, unverified, no evidence …                 unverifiable
                      anything else                                                      unreviewed
  itemReviewed      its author, the claimant: an entity found by name or alias, else created, and
                    named in the status note; its appearance and firstAppearance: documents known
                    by reference (url, headline, date, publisher), cited by the review document.
                    A ClaimReview gives no document's full text, so no quote is anchored and no
                    attestation (with the claimant as its speaker) is made: an editor does that
                    once the body is imported. The report counts these appearances.

A review is imported once: one whose url a document already has, or (without a url) whose claim,
author and date are already there, is skipped as a duplicate, so running an import again creates
nothing. A bad review is rejected with its file, number and @id and the reason: no claimReviewed,
a bad date, url or language, a value of the wrong type, or any rule of the models. Each review is
saved in its own transaction: without --atomic the good ones are imported and the command still
exits with status 1 if anything was rejected; with --atomic one rejection rolls the whole batch back
(status 1, nothing written). On a terminal, a batch of more than {PROGRESS_FROM} reviews shows
a progress bar.
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
        parser.add_argument("paths", nargs="+", type=Path, metavar="FILE", help="Files or folders.")
        parser.add_argument(
            "--atomic", action="store_true", help="All or nothing: any rejection writes nothing at all."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check everything, write nothing.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, paths: list[Path], **options) -> None:
        by = None
        if options.get("by"):  # RecordedCommand has checked that the user exists
            by = get_user_model().objects.get(username=options["by"])
        report = claimreviews_import(
            paths=paths,
            atomic=options["atomic"],
            dry_run=options["dry_run"],
            by=by,
            progress=None if options["no_progress"] else self._progress_bar,
        )
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
        return tqdm(total=total, file=stream, disable=not shown, unit="review", desc="Importing", leave=False)

    def _write_report(self, report: ImportReport, *, verbosity: int) -> None:
        would = "" if report.saved else "would be "
        if verbosity >= 1:
            for created in report.created:
                numbers = (
                    f" claim #{created.claim_id} (review document #{created.document_id})"
                    if report.saved
                    else ""
                )
                claimant = f"; claimant {created.claimant}" if created.claimant else ""
                self.stdout.write(
                    f"{created.where}: {would}created{numbers}, draft, {created.status}: "
                    f"«{_short(created.statement)}»; {created.appearances} appearance(s) cited{claimant}"
                )
            for duplicate in report.duplicates:
                self.stdout.write(f"{duplicate.where}: skipped as duplicate: {duplicate.reason}")
        if verbosity >= 2:
            for ignored in report.ignored:
                self.stdout.write(f"{ignored.where}: left alone: {ignored.type}, not a ClaimReview")
        elif report.ignored and verbosity >= 1:
            self.stdout.write(
                f"Left alone: {len(report.ignored)} object(s) that are not ClaimReviews (-v 2 lists them)."
            )
        if report.rejected:
            self.stdout.write("Rejected:")
            for rejection in report.rejected:
                self.stdout.write(f"  {rejection}", style_func=self.style.ERROR)

        if report.appearances:
            kept = (
                f"; the quoted text of {report.appearances_with_text} is not kept"
                if report.appearances_with_text
                else ""
            )
            self.stdout.write(
                f"Appearances: {report.appearances} {would}recorded as documents known by reference, "
                f"cited by their review; without a body there is no quote to anchor{kept}."
            )
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
            self.stdout.write("Nothing new: every review is already in the database.")


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
