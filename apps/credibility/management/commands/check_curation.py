"""`manage.py check_curation [--claim N]`: what a second editor would query, one line a warning."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.credibility.curation import curation_warnings


class Command(BaseCommand):
    help = (
        "List curation warnings: hedged quotes recorded as asserted, an origin document relayed in "
        "different ways, contradictions between claims about different periods. Exits 1 when any."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--claim", type=int, action="append", help="only this claim (repeatable)")

    def handle(self, *args, claim: list[int] | None = None, **options) -> None:
        warnings = curation_warnings(claim_ids=claim)
        for warning in warnings:
            self.stdout.write(str(warning))
        summary = f"{len(warnings)} warning(s)."
        if warnings:
            self.stdout.write(self.style.WARNING(summary))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("No warning: " + summary))
