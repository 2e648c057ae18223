"""Management commands whose writes history records as theirs (apps/core/history.py)."""

from __future__ import annotations

import pghistory
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class RecordedCommand(BaseCommand):
    """Every event the command's writes make carries `command` (its name) and, with `--by
    USERNAME`, the user answerable for them: a script's changes are not anonymous in the history."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--by", metavar="USERNAME", help="The user the changes are recorded as made by (history)."
        )
        return parser

    def execute(self, *args, **options):
        username = options.get("by")
        user_id = None
        if username:
            user_id = get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
            if user_id is None:
                raise CommandError(f"--by {username}: there is no user of that name.")
        name = type(self).__module__.rsplit(".", 1)[-1]
        with pghistory.context(command=name, user=user_id):
            return super().execute(*args, **options)
