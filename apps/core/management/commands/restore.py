"""Restore a `manage.py backup` dump into the database, in one transaction: all of it or nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.management.postgres import dump_header_read, target_for, tool_find, version_text


class Command(BaseCommand):
    help = (
        "Restore a pg_dump custom-format archive into the configured database (or --database-url): "
        "every object the dump holds is dropped and recreated from it, in a single transaction."
    )
    # a restore must not wait on the checks of code that may be half-edited
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="The dump, e.g. backups/claimtrack-20250101-120000.dump.")
        parser.add_argument("--database-url", help="Restore into this database, not the configured one.")

    def handle(self, *args, path: Path, database_url: str | None = None, **options) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        dump = dump_header_read(path)
        target = target_for(database_url)
        server = target.server_version()
        if dump.server_major > server // 10000:
            raise CommandError(
                f"{path} was dumped from PostgreSQL {dump.server_version} and the {target} is PostgreSQL "
                f"{version_text(server)}: PostgreSQL cannot restore a dump into an older major version. "
                f"Restore it into a PostgreSQL {dump.server_major} (or newer) server."
            )
        pg_restore = tool_find(
            "pg_restore",
            server_major=server // 10000,
            at_least=dump.pg_dump_major,
            embedded=target.embedded,
            reason=f"{path} was written by pg_dump {dump.pg_dump_version}, which older ones cannot read",
        )

        if options["verbosity"] >= 2:
            self.stderr.write(f"{pg_restore} for PostgreSQL {version_text(server)}")
        # read the whole table of contents before touching the database
        listing = subprocess.run([str(pg_restore.path), "--list", str(path)], capture_output=True, text=True)
        if listing.returncode != 0:
            raise CommandError(f"{pg_restore} cannot read {path}: {listing.stderr.strip()}")
        result = subprocess.run(
            [
                str(pg_restore.path),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={target.conninfo}",
                str(path),
            ],
            env=target.env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise CommandError(
                f"Restoring {path} failed and was rolled back: the {target} is as it was.\n"
                f"{result.stderr.strip()}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path} (database «{dump.database}», PostgreSQL {dump.server_version}) "
                f"into the {target}."
            )
        )
