"""Load the curated seed corpus and create the demo editor; running it twice changes nothing."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from apps.accounts.roles import roles_ensure
from apps.accounts.services import demo_editor_ensure
from apps.claims.models import Claim
from apps.core.management.recorded import RecordedCommand
from apps.credibility.services import credibility_recompute
from apps.documents.models import Document
from apps.entities.models import Entity

SEED_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed.json"


class Command(RecordedCommand):
    help = "Create the roles, load fixtures/seed.json into an empty database, create the demo editor."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-demo-editor", action="store_true", help="Do not create the demo login.")

    def handle(self, *args, no_demo_editor: bool = False, **options) -> None:
        roles_ensure()
        with transaction.atomic():
            if Document.objects.exists() or Claim.objects.exists() or Entity.objects.exists():
                self.stdout.write("The database already holds data: the seed fixture is not loaded again.")
            else:
                call_command("loaddata", str(SEED_FIXTURE), verbosity=0)
                # the fixture holds what editors curated; the grades are computed from it
                credibility_recompute()
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Loaded the seed corpus: {Document.objects.count()} documents, "
                        f"{Claim.objects.count()} claims, {Entity.objects.count()} entities."
                    )
                )
        if no_demo_editor:
            return
        user, password = demo_editor_ensure()
        if password is None:
            self.stdout.write(
                f"The demo editor «{user.username}» exists already (its password was printed when it "
                f"was made; `manage.py changepassword {user.username}` sets a new one)."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo editor login for http://127.0.0.1:8000/admin/ — username: {user.username}  "
                    f"password: {password}  (shown once)"
                )
            )
