"""Probes for load balancers: /healthz (the process answers) and /readyz (the database answers,
every migration applied), the latter by django-health-check."""

from __future__ import annotations

import dataclasses

from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.http import require_safe
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@require_safe
def healthz(request):
    """The process is up and answers; nothing else is asked (no database, no cache)."""
    return JsonResponse({"status": "ok"})


@dataclasses.dataclass
class MigrationsApplied(HealthCheck):
    """Every migration of the code is applied: a new release must not serve an old schema."""

    alias: str = "default"

    def run(self) -> None:
        executor = MigrationExecutor(connections[self.alias])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in pending[:5])
            raise ServiceUnavailable(f"{len(pending)} migration(s) not applied: {names}")


class ReadyView(HealthCheckView):
    """The database answers a query and the schema is current; a 503 (not the library's 500) with
    Retry-After when not, which load balancers and orchestrators read as "not yet"."""

    checks = ("health_check.checks.Database", MigrationsApplied)

    async def dispatch(self, request, *args, **kwargs):
        response = await super().dispatch(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
            response["Retry-After"] = "10"
        return response
