"""Dump the database to backups/claimtrack-YYYYmmdd-HHMMSS.dump (pg_dump -Fc) and print its path."""

from __future__ import annotations

import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.core.management.postgres import target_for, tool_find, version_text


class Command(BaseCommand):
    help = (
        "Dump the configured database (or --database-url) in pg_dump's custom format, without owners "
        "or privileges, to backups/claimtrack-YYYYmmdd-HHMMSS.dump (UTC), and print the file's path."
    )
    # a backup must not wait on the checks of code that may be half-edited
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", type=Path, help="Write here instead of backups/.")
        parser.add_argument("--database-url", help="Dump this database instead of the configured one.")

    def handle(self, *args, output: Path | None = None, database_url: str | None = None, **options) -> None:
        target = target_for(database_url)
        server = target.server_version()
        pg_dump = tool_find(
            "pg_dump",
            server_major=server // 10000,
            at_least=server // 10000,
            embedded=target.embedded,
            reason=f"pg_dump refuses to dump a server newer than itself, and this is PostgreSQL "
            f"{version_text(server)} ({target})",
        )

        if options["verbosity"] >= 2:
            self.stderr.write(f"{pg_dump} for PostgreSQL {version_text(server)}")
        if output is None:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            output = Path(settings.BASE_DIR) / "backups" / f"claimtrack-{stamp}.dump"
        if output.exists():
            raise CommandError(f"{output} exists already: a backup never overwrites another.")
        output.parent.mkdir(parents=True, exist_ok=True)
        # written under another name first, so that a failed dump never looks like a backup
        partial = output.with_name(output.name + ".partial")

        result = subprocess.run(
            [
                str(pg_dump.path),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={partial}",
                f"--dbname={target.conninfo}",
            ],
            env=target.env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise CommandError(f"{pg_dump} could not dump the {target}:\n{result.stderr.strip()}")
        partial.rename(output)
        if result.stderr.strip():
            self.stderr.write(result.stderr.strip())
        self.stdout.write(_shown(output))


def _shown(path: Path) -> str:
    """Return the path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
