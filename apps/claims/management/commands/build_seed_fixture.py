"""Rebuild fixtures/seed.json from fixtures/curation.yaml and the seed articles."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.claims.seedfixture import CurationError, build_fixture, write_fixture

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


class Command(BaseCommand):
    help = "Rebuild fixtures/seed.json from fixtures/curation.yaml, computing offsets and hashes."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--curation", type=Path, default=FIXTURES / "curation.yaml")
        parser.add_argument("--seeds", type=Path, default=FIXTURES / "seeds")
        parser.add_argument("--output", type=Path, default=FIXTURES / "seed.json")

    def handle(self, *args, curation: Path, seeds: Path, output: Path, **options) -> None:
        try:
            objects = build_fixture(curation, seeds)
        except CurationError as error:
            raise CommandError(f"{curation}: {error}") from None
        write_fixture(objects, output)
        counts: dict[str, int] = {}
        for obj in objects:
            counts[obj["model"]] = counts.get(obj["model"], 0) + 1
        summary = ", ".join(f"{n} {model}" for model, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}: {summary}"))
