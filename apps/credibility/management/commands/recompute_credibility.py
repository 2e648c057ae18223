"""Rebuild every claim's stored credibility from its inputs and say which grades moved."""

from __future__ import annotations

from apps.claims.models import Claim
from apps.core.management.recorded import RecordedCommand
from apps.credibility.rules import LABELS
from apps.credibility.services import credibility_recompute


class Command(RecordedCommand):
    help = "Recompute the credibility of every claim (or of --claim ids) and report what changed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--claim", type=int, action="append", help="Only this claim (repeatable).")

    def handle(self, *args, claim: list[int] | None = None, **options) -> None:
        changes = credibility_recompute(claim_ids=claim)
        statements = dict(
            Claim.objects.filter(pk__in=[c.claim_id for c in changes]).values_list("pk", "statement")
        )
        for change in changes:
            self.stdout.write(
                f"#{change.claim_id}: {change.old} {LABELS[change.old]} → {change.new} {LABELS[change.new]}  "
                f"{statements[change.claim_id][:70]}"
            )
        scope = (
            f"of {Claim.objects.count()} claims"
            if claim is None
            else "(the claims given and those contradicting them)"
        )
        self.stdout.write(self.style.SUCCESS(f"{len(changes)} {scope} changed grade."))
