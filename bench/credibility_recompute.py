"""Benchmark: regrading claims, all at once and one edit at a time. Prints its figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claimtrack .venv/bin/python bench/credibility_recompute.py

Runs in a scratch database `<name>_bench` beside DATABASE_URL's (created, migrated, dropped), with
CLAIMS synthetic claims of ATTESTATIONS quotes each, speakers drawn from ENTITIES entities (some
relaying others), a contradiction for every tenth claim and a rating for every fifth entity.

Targets (the figures this machine must beat; the script says PASS or FAIL for each):
- a full `credibility_recompute()` of 5,000 claims / 15,000 quotes in under 10 s and 200 MB peak;
- one edit (an attestation added through the service, validation included) in under 50 ms and 30
  queries, of which regrading the claim and its neighbours is at most 10, whatever the corpus size.
"""

from __future__ import annotations

import hashlib
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

CLAIMS, ATTESTATIONS, ENTITIES = 5_000, 3, 400
TARGETS = {
    "full_seconds": 10.0,
    "full_peak_mb": 200.0,
    "edit_ms": 50.0,
    "edit_queries": 30,
    "regrade_queries": 10,
}

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    import psycopg

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claimtrack")
    server, name = base.rsplit("/", 1)
    scratch = f"{name}_bench"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        admin.execute(f'CREATE DATABASE "{scratch}"')
    os.environ["DATABASE_URL"] = f"{server}/{scratch}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimtrack.settings")
    try:
        return run()
    finally:
        from django.db import connections

        connections.close_all()
        if not os.environ.get("BENCH_KEEP"):  # BENCH_KEEP=1 leaves it for a profiler
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')


def run() -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.claims.models import Attestation, Claim, ClaimRelation
    from apps.claims.services import attestation_create
    from apps.credibility.models import SourceRating
    from apps.credibility.services import credibility_recompute
    from apps.documents.models import Document
    from apps.entities.models import Entity

    call_command("migrate", verbosity=0)
    rng = random.Random(20261123)
    body = "قال المتحدث إن طالبان قطعت علاقاتها مع القاعدة. " * 3
    quote = "طالبان قطعت علاقاتها مع القاعدة"
    starts = [i for i in range(len(body)) if body.startswith(quote, i)]

    def numbered(n) -> str:
        """The body with its own ending: two documents may not share a body (`document_body_unique`)."""
        return f"{body}({n})"

    started = time.perf_counter()
    entities = Entity.objects.bulk_create(Entity(kind="person", name=f"source {n}") for n in range(ENTITIES))
    documents = Document.objects.bulk_create(
        Document(
            title=f"document {n}",
            language="ar",
            body=numbered(n),
            # bulk_create skips save(), which computes it
            body_sha256=hashlib.sha256(numbered(n).encode()).hexdigest(),
            outlet=rng.choice(entities),
        )
        for n in range(CLAIMS)
    )
    claims = Claim.objects.bulk_create(
        Claim(statement=f"claim {n}", publication="published") for n in range(CLAIMS)
    )
    Attestation.objects.bulk_create(
        Attestation(
            claim=claim,
            document=document,
            quote=quote,
            start=starts[i],
            end=starts[i] + len(quote),
            speaker=rng.choice(entities),
            origin_entity=rng.choice(entities) if rng.random() < 0.3 else None,
            stance="denies" if rng.random() < 0.15 else "affirms",
        )
        for claim, document in zip(claims, documents, strict=True)
        for i in range(ATTESTATIONS)
    )
    ClaimRelation.objects.bulk_create(
        ClaimRelation(kind="contradicts", from_claim=claims[n], to_claim=claims[n + 1])
        for n in range(0, CLAIMS - 1, 10)
    )
    SourceRating.objects.bulk_create(
        SourceRating(entity=e, grade=rng.choice("ABCDEF"), rationale="bench") for e in entities[::5]
    )
    print(f"built {CLAIMS} claims, {CLAIMS * ATTESTATIONS} quotes in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    changes = credibility_recompute()
    full_seconds = time.perf_counter() - started
    # memory in a second run (tracing slows Python down), every claim written again
    Claim.objects.update(credibility=6, credibility_explanation={})
    tracemalloc.start()
    credibility_recompute()
    full_peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"full recompute: {full_seconds:.2f} s, peak {full_peak_mb:.0f} MB, {len(changes)} grades changed")

    regrade_queries = []
    for claim in rng.sample(claims, 20):
        with CaptureQueriesContext(connection) as captured:
            credibility_recompute(claim_ids=[claim.pk])
        regrade_queries.append(len(captured))
    print(f"regrading one claim: at most {max(regrade_queries)} queries")

    timings, queries = [], []
    extra = Document.objects.create(title="extra", language="ar", body=numbered("extra"))
    for n in range(30):
        claim = claims[rng.randrange(CLAIMS)]
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            attestation_create(
                claim=claim, document=extra, quote=quote, start=starts[n % len(starts)], speaker=entities[n]
            )
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured))
        Attestation.objects.filter(document=extra).delete()
    edit_ms, edit_queries = statistics.median(timings), max(queries)
    print(f"one edit regraded: median {edit_ms:.1f} ms, at most {edit_queries} queries")

    figures = {
        "full_seconds": full_seconds,
        "full_peak_mb": full_peak_mb,
        "edit_ms": edit_ms,
        "edit_queries": edit_queries,
        "regrade_queries": max(regrade_queries),
    }
    failed = [key for key, limit in TARGETS.items() if figures[key] > limit]
    for key, limit in TARGETS.items():
        print(f"{'FAIL' if key in failed else 'PASS'} {key}: {figures[key]:.1f} (target ≤ {limit})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
