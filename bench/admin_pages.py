"""Benchmark: the server time and the queries of every admin page, on the current database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claimtrack .venv/bin/python bench/admin_pages.py

Reads DATABASE_URL's database as it is (the seed, or a larger corpus) and writes nothing to it: each
page is requested through Django's test client, logged in as the first active superuser (make one
with `manage.py createsuperuser`), once to warm up and then --repeat times. It prints, per page,
the median and the slowest server time (the whole request: queries, Python and templates), the
number of queries and their time in SQL.

Target (issue 13): every page under 300 ms on the seed; the script says PASS or FAIL. On a large
corpus, PGOPTIONS="-c statement_timeout=60000" gives up on a page after a minute (printed as an
error), and --skip search leaves out the searches.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

TARGET_MS = 300.0

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pages() -> list[tuple[str, str]]:
    """Every changelist (plain, searched, sorted on a computed column) and the change page of the row
    with the most to show."""
    from django.db.models import Count

    from apps.claims.models import Attestation, Claim, ClaimRelation
    from apps.credibility.models import SourceRating
    from apps.documents.models import Document
    from apps.entities.models import Entity

    def busiest(queryset, relation: str) -> int | None:
        row = queryset.annotate(n=Count(relation)).order_by("-n", "pk").first()
        return row.pk if row else None

    entity = busiest(Entity.objects, "attestations_spoken")
    claim = busiest(Claim.objects, "attestations")
    document = busiest(Document.objects, "attestations")
    attestation = Attestation.objects.order_by("pk").values_list("pk", flat=True).first()
    relation = ClaimRelation.objects.order_by("pk").values_list("pk", flat=True).first()
    rating = SourceRating.objects.order_by("pk").values_list("pk", flat=True).first()
    contradicted = (
        Claim.objects.filter(relations_in__kind=ClaimRelation.Kind.CONTRADICTS)
        .annotate(n=Count("relations_in"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    listed = [
        ("entities", "/admin/entities/entity/"),
        ("entities by grade", "/admin/entities/entity/?o=7"),
        ("entities by track record", "/admin/entities/entity/?o=-8"),
        ("entities, search «طالبان»", "/admin/entities/entity/?q=طالبان"),
        ("entities, search Taliban", "/admin/entities/entity/?q=Taliban"),
        (
            "entity autocomplete",
            "/admin/autocomplete/?app_label=claims&model_name=attestation&field_name=speaker&term=ta",
        ),
        ("claims", "/admin/claims/claim/"),
        ("claims by conflicts", "/admin/claims/claim/?o=-5"),
        ("claims, search «القاعدة»", "/admin/claims/claim/?q=القاعدة"),
        ("attestations", "/admin/claims/attestation/"),
        ("attestations, search «طالبان»", "/admin/claims/attestation/?q=طالبان"),
        ("relations", "/admin/claims/claimrelation/"),
        ("documents", "/admin/documents/document/"),
        ("documents, search «طالبان»", "/admin/documents/document/?q=طالبان"),
        ("source ratings", "/admin/credibility/sourcerating/"),
        ("entity page", f"/admin/entities/entity/{entity}/change/"),
        ("claim page", f"/admin/claims/claim/{claim}/change/"),
        ("attestation page", f"/admin/claims/attestation/{attestation}/change/"),
        ("relation page", f"/admin/claims/claimrelation/{relation}/change/"),
        ("document page", f"/admin/documents/document/{document}/change/"),
        ("source rating page", f"/admin/credibility/sourcerating/{rating}/change/"),
        ("claim compare", f"/admin/claims/claim/compare/?conflicts_of={contradicted}"),
        ("admin index", "/admin/"),
    ]
    return [(name, url) for name, url in listed if "/None/" not in url and not url.endswith("=None")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="measured requests per page (default 5)")
    parser.add_argument("--only", default="", help="only the pages whose name contains this")
    parser.add_argument("--skip", default=None, help="leave out the pages whose name contains this")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimtrack.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()  # the test client's response.context, and ALLOWED_HOSTS for it
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # a timed-out page is one line
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        print("no superuser: make one with `manage.py createsuperuser`", file=sys.stderr)
        return 2
    client = Client()
    client.force_login(user)

    print(f"database {connection.settings_dict['NAME']}, as {user.username}, median of {args.repeat}")
    print(f"{'page':<32} {'status':>6} {'median ms':>10} {'max ms':>8} {'queries':>8} {'in SQL ms':>10}")
    failed = []
    for name, url in pages():
        if args.only not in name or (args.skip and args.skip in name):
            continue
        try:
            client.get(url, secure=True)  # warm-up: templates, the planner's caches
        except DatabaseError as error:  # PGOPTIONS="-c statement_timeout=…" stops a page that never ends
            print(f"{name:<32} {'error':>6} {type(error).__name__}: {str(error).splitlines()[0]}")
            failed.append(name)
            continue
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url, secure=True)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, secure=True)
        in_sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        median = statistics.median(times)
        print(
            f"{name:<32} {response.status_code:>6} {median:>10.1f} {max(times):>8.1f} "
            f"{len(queries):>8} {in_sql:>10.1f}"
        )
        if median > TARGET_MS or response.status_code != 200:
            failed.append(name)
    verdict = "FAIL" if failed else "PASS"
    print(f"{verdict} every page under {TARGET_MS:.0f} ms" + (f": not {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
