"""Benchmark: the API's hottest reads against a raw-SQL baseline of the same JSON. Prints its figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claimtrack .venv/bin/python bench/api.py \
        [--sizes 2000,20000,60000] [--repeat 40] [--port 8141] [--keep | --reuse]

Issue 17 asks for the API within a small factor of what the same answers cost in hand-written SQL,
and for the lists that grew with the corpus to stop growing. This measures both, size by size.

The corpora. For each size (claims; documents a third of that) a scratch database
`<name>_api_<size>` beside DATABASE_URL's is created, migrated and filled by bench/search.py's
generator (its Arabic bodies, English statements and 1–3 quotes per claim; 5% drafts; a spread
of statuses), and then given what the API shows and the generator leaves out: SUBJECTS entities
that claims are about (1–3 a claim, a few of them common, so `?subject=` has a subject worth
asking for), a quarter of the speakers inside an outlet and some subjects inside or drawing on
others, aliases, dated claims (valid_from / valid_until, or a point in time, at day, month and
year precision), quotes relayed from an origin entity or document, dated on their own, hedged or
opinions, documents with a retrieved date, contradictions for CONTRADICTED of the claims (their
periods mostly overlap: most claims are open-ended), support for SUPPORTED, and A–F ratings on
RATED of the entities (some with an older rating too). Then every claim is graded with
`credibility_recompute()`, so the stored credibility and its explanation are real, and the tables
are VACUUM ANALYZEd. The database is dropped at the end unless `--keep`; `--reuse` measures a kept
one again (migrated to the current code) after a change of the code, without building it.

The server. The real application under gunicorn, as `make serve` runs it (claimtrack/gunicorn.conf.py,
two sync workers, DEBUG off, the connection pool on), wrapped by bench/raw_app.py, which answers
`/raw/…` in the same workers from one psycopg 3 query each, the JSON built by PostgreSQL, for the
claims list, one claim, a cursor page and the entities list. Requests go one at a time from this
process. Before anything is timed each API answer and its raw twin are compared, parsed, key for
key, and so are the first SWEEP_PAGES pages of 200 claims and of entities: a difference prints its
first path and fails the run (so it also guards the work that makes the API faster against
changing what it says; the raw entities count each track record from the claims, so they check
the stored figures too, and are a check rather than a floor). Then a warm-up, and REPEAT rounds,
each asking every request once, API and raw alternating: the ratios are measured side by side, in
the same minutes of a shared machine, which makes them comparable when the absolute figures are
not. The SQL queries of each API request are counted once, through Django's test client: all of
them, and those that read the data (the rest are the throttle's). Each size runs in a process of
its own (`--one`); this one then prints the table of every size, the ratios and the verdicts.

Requests (anonymous, so published claims only; 50 a page):
- claims list (page 1) and its raw baseline;
- claim detail: the published claim with the most quotes among those in a relation, and its raw twin;
- claims, cursor page DEEP into the list (the position of the row there), and its raw twin;
- entities list (page 1, by name: grade, track record, aliases) and its raw twin;
- `?subject=X&has_conflicts=true`, X the commonest subject;
- `?search=` a common word (SEARCH_WORD).

Targets (the script says PASS or FAIL for each, on medians):
- claims list and claim detail ≤ 2× their raw baselines, at every size: the raw query is the floor
  for those rows in that shape, and twice it leaves room for Django, DRF and the middleware;
- entities list, the filtered list and the deep cursor page ≤ 3× the raw claims list, at every
  size: each is a page of 50 through an index, no more work than the claims list should be;
- and flat as the corpus grows: the median at the largest size ≤ FLAT× the median at the smallest
  (a page through an index costs the same at any size; a scan grows with the corpus).
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search import Corpus, corpus_load, machine_load, percentile, throttle_counters_where  # noqa: E402

SIZES = (2_000, 20_000, 60_000)  # claims
REPEAT, WARMUP, PORT = 40, 3, 8141
PAGE, DEEP = 50, 0.8
SEARCH_WORD = "طالبان"
SUBJECTS = 60
CONTRADICTED, SUPPORTED, RATED = 0.04, 0.03, 0.6  # of the claims; of the entities
RAW_RATIO, LIST_RATIO, FLAT = 2.0, 3.0, 1.5
SWEEP_PAGES = 3  # pages of 200 claims and of entities compared, API and raw, beside the timed pairs
SERVER_START_SECONDS = 90


@dataclass(frozen=True)
class Request:
    key: str
    label: str
    path: str
    raw_path: str | None = None
    raw_label: str = ""


# --- the corpus -----------------------------------------------------------------------------


def _zipf_pick(rng: random.Random, items: list, cum: list[float], k: int) -> list:
    """k distinct items, the first ones far more often than the last."""
    picked: dict = {}
    while len(picked) < k:
        picked.setdefault(rng.choices(items, cum_weights=cum)[0], None)
    return list(picked)


def _partial_date(rng: random.Random, start: datetime.date, days: int) -> tuple[datetime.date, str]:
    """A date within `days` of `start`, at day, month or year precision."""
    when = start + datetime.timedelta(days=rng.randrange(days))
    precision = rng.choices(["day", "month", "year"], weights=[3, 3, 4])[0]
    return when, precision


def corpus_extend(*, corpus: Corpus, rng: random.Random) -> None:
    """Add what the API shows and bench/search.py's generator leaves out (see the docstring)."""
    from django.db import connection

    from apps.claims.models import Claim, ClaimRelation
    from apps.credibility.models import SourceRating
    from apps.documents.models import Document
    from apps.entities.models import Alias, Entity

    outlets = list(Entity.objects.filter(kind=Entity.Kind.OUTLET).order_by("pk"))
    speakers = list(Entity.objects.filter(kind=Entity.Kind.PERSON).order_by("pk"))
    kinds = [Entity.Kind.ORGANIZATION, Entity.Kind.GOVERNMENT, Entity.Kind.PLACE, Entity.Kind.ORGANIZATION]
    first = len(outlets) + len(speakers)
    subjects = Entity.objects.bulk_create(
        Entity(
            kind=kinds[n % len(kinds)],
            name=corpus.names["en"][first + n],
            description=f"{corpus.statement(rng)}" if n % 3 == 0 else "",
        )
        for n in range(SUBJECTS)
    )
    # reporters inside their outlet, teams inside their organisation, some drawing on others
    for speaker in speakers[::4]:
        speaker.parent = rng.choice(outlets)
    for n, subject in enumerate(subjects[10:], start=10):
        if n % 4 == 0:
            subject.parent = subjects[rng.randrange(n)]
    Entity.objects.bulk_update(speakers[::4] + subjects[10::4], ["parent"])
    Entity.draws_on.through.objects.bulk_create(
        Entity.draws_on.through(from_entity_id=subjects[n].pk, to_entity_id=subjects[rng.randrange(n)].pk)
        for n in range(12, SUBJECTS, 5)
    )
    aliases = [
        Alias(entity=s, name=corpus.names["ar"][first + n], language="ar") for n, s in enumerate(subjects)
    ]
    aliases += [Alias(entity=s, name=s.name.upper(), language="en") for s in subjects[::2]]
    aliases += [
        Alias(entity=o, name=f"{corpus.names['en'][n]} News Agency", language="en")
        for n, o in enumerate(outlets)
    ]
    aliases += [
        Alias(entity=s, name=corpus.names["ar"][len(outlets) + n], language="ar")
        for n, s in enumerate(speakers)
        if n % 3 == 0
    ]
    Alias.objects.bulk_create(aliases)

    entities = outlets + speakers + subjects
    now = datetime.datetime.now(datetime.UTC)
    ratings = []
    for entity in entities:
        if rng.random() >= RATED:
            continue
        days = rng.randrange(30, 2000)
        for older in (True, False) if rng.random() < 0.15 else (False,):
            ratings.append(
                SourceRating(
                    entity=entity,
                    grade=rng.choices("ABCDEF", weights=[1, 3, 3, 1, 1, 1])[0],
                    rationale="Record of past reporting checked by the desk.",
                    rated_at=now - datetime.timedelta(days=days + (400 if older else 0)),
                )
            )
    SourceRating.objects.bulk_create(ratings)

    ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
    cum = list(accumulate(1 / rank for rank in range(1, SUBJECTS + 1)))
    Claim.subjects.through.objects.bulk_create(
        (
            Claim.subjects.through(claim_id=pk, entity_id=subject.pk)
            for pk in ids
            for subject in _zipf_pick(rng, subjects, cum, rng.choice((1, 1, 2, 3)))
        ),
        batch_size=2000,
    )

    # periods: most claims are open-ended; a third start at a date, some end; some are a point in time
    dated = {"id": [], "vf": [], "vfp": [], "vu": [], "vup": [], "pit": [], "pitp": []}
    for pk in ids:
        draw = rng.random()
        vf = vfp = vu = vup = pit = pitp = None
        if draw < 0.35:
            vf, vfp = _partial_date(rng, datetime.date(2001, 1, 1), 8000)
            if rng.random() < 0.4:
                vu = vf + datetime.timedelta(days=rng.randrange(400, 2500))
                vup = rng.choice(["day", "month", "year"])
        elif draw < 0.45:
            pit, pitp = _partial_date(rng, datetime.date(2001, 1, 1), 8800)
        else:
            continue
        for key, value in zip(dated, (pk, vf, vfp or "", vu, vup or "", pit, pitp or ""), strict=True):
            dated[key].append(value)

    pairs: dict[tuple[int, int, str], str] = {}
    for pk in rng.sample(ids, int(len(ids) * CONTRADICTED)):
        other = rng.choice(ids)
        if other != pk:
            pairs[(min(pk, other), max(pk, other), ClaimRelation.Kind.CONTRADICTS)] = rng.choice(
                ["", "Different counts of the same event."]
            )
    for pk in rng.sample(ids, int(len(ids) * SUPPORTED)):
        other = rng.choice(ids)
        if other != pk:
            pairs[(pk, other, ClaimRelation.Kind.SUPPORTS)] = ""
    ClaimRelation.objects.bulk_create(
        (
            ClaimRelation(from_claim_id=a, to_claim_id=b, kind=kind, note=note)
            for (a, b, kind), note in pairs.items()
        ),
        batch_size=2000,
    )

    relayed_from = [s.pk for s in subjects if s.kind != Entity.Kind.PLACE] + [o.pk for o in outlets]
    documents = list(Document.objects.order_by("pk").values_list("pk", flat=True))
    # pseudo-random by row id (hashint8extended with a seed per choice): repeatable, one statement each
    pick = "abs(hashint8extended(a.id, {seed}))"
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE claims_claim c SET valid_from = v.vf, valid_from_precision = v.vfp,"
            " valid_until = v.vu, valid_until_precision = v.vup,"
            " point_in_time = v.pit, point_in_time_precision = v.pitp"
            " FROM unnest(%s::bigint[], %s::date[], %s::text[], %s::date[], %s::text[],"
            " %s::date[], %s::text[])"
            " AS v(id, vf, vfp, vu, vup, pit, pitp) WHERE c.id = v.id",
            list(dated.values()),
        )
        # a quarter of the quotes relay an organisation or an outlet (never the speaker itself)
        cursor.execute(
            "UPDATE claims_attestation a"
            f" SET origin_entity_id = (%s::bigint[])[1 + {pick.format(seed=1)} %% %s]"
            f" WHERE {pick.format(seed=2)} %% 100 < 25",
            [relayed_from, len(relayed_from)],
        )
        cursor.execute(
            "UPDATE claims_attestation SET origin_entity_id = NULL WHERE origin_entity_id = speaker_id"
        )
        # one in twenty names the document it relays
        cursor.execute(
            f"UPDATE claims_attestation a SET origin_document_id = x.doc FROM ("
            f"  SELECT a.id, (%s::bigint[])[1 + {pick.format(seed=3)} %% %s] AS doc FROM claims_attestation a"
            f"  WHERE {pick.format(seed=4)} %% 100 < 5) x"
            " WHERE a.id = x.id AND x.doc <> a.document_id",
            [documents, len(documents)],
        )
        # one in ten said on its own date, before the document's
        cursor.execute(
            f"UPDATE claims_attestation a SET stated_on = d.published - ({pick.format(seed=5)} %% 20)::int,"
            f" stated_on_precision = CASE WHEN {pick.format(seed=6)} %% 5 = 0 THEN 'month' ELSE 'day' END"
            " FROM documents_document d WHERE d.id = a.document_id AND d.published IS NOT NULL"
            f" AND {pick.format(seed=7)} %% 100 < 10",
            [],
        )
        cursor.execute(
            f"UPDATE claims_attestation a SET modality = CASE WHEN {pick.format(seed=8)} %% 100 < 7"
            " THEN 'hedged' ELSE 'opinion' END"
            f" WHERE {pick.format(seed=8)} %% 100 < 10",
            [],
        )
        cursor.execute(
            f"UPDATE claims_attestation a SET note = %s WHERE {pick.format(seed=9)} %% 100 < 3",
            ["Checked against the outlet's archived copy."],
        )
        cursor.execute(
            f"UPDATE claims_attestation a SET interested_override = {pick.format(seed=10)} %% 2 = 0,"
            f" interested_reason = %s WHERE {pick.format(seed=11)} %% 100 < 1",
            ["The speaker is the subject's spokesman."],
        )
        cursor.execute(
            "UPDATE documents_document a"
            " SET retrieved = published + (abs(hashint8extended(a.id, 12)) %% 400)::int"
            " WHERE published IS NOT NULL AND abs(hashint8extended(a.id, 13)) %% 2 = 0",
            [],
        )
    print(
        f"  extended: {len(subjects)} subjects, {len(aliases)} aliases, {len(ratings)} ratings,"
        f" {len(dated['id']):,} dated claims, {len(pairs):,} relations",
        flush=True,
    )


def corpus_build(*, size: int) -> dict[str, float]:
    """Load, extend and grade a corpus of `size` claims; return the seconds of each step."""
    from django.db import connection

    from apps.credibility.services import credibility_recompute

    seconds = {}
    started = time.perf_counter()
    rng = random.Random(20261201 + size)
    corpus = Corpus()
    corpus_load(corpus=corpus, rng=rng, documents=max(1, size // 3), claims=size)
    seconds["load"] = time.perf_counter() - started

    clock = time.perf_counter()
    corpus_extend(corpus=corpus, rng=rng)
    seconds["extend"] = time.perf_counter() - clock

    clock = time.perf_counter()
    changes = credibility_recompute()
    seconds["grade"] = time.perf_counter() - clock
    print(f"  graded: {len(changes):,} grades set in {seconds['grade']:.0f} s", flush=True)

    clock = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # every table, those the triggers fill included
    seconds["analyze"] = time.perf_counter() - clock
    seconds["total"] = time.perf_counter() - started
    return seconds


# --- what is asked ----------------------------------------------------------------------------


def requests_choose() -> tuple[list[Request], dict]:
    """The requests, with the claim, the cursor position and the subject they name."""
    from django.db import connection

    from bench.raw_app import cursor_token

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT entity_id, count(*) FROM claims_claim_subjects GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        )
        subject, subject_claims = cursor.fetchone()
        cursor.execute(
            "SELECT c.id FROM claims_claim c WHERE c.publication = 'published'"
            " AND EXISTS (SELECT FROM claims_claimrelation r"
            "   WHERE r.from_claim_id = c.id OR r.to_claim_id = c.id)"
            " ORDER BY (SELECT count(*) FROM claims_attestation a WHERE a.claim_id = c.id) DESC, c.id LIMIT 1"
        )
        claim = cursor.fetchone()[0]
        cursor.execute(
            "SELECT (SELECT count(*) FROM claims_claim WHERE publication = 'published'),"
            " (SELECT count(*) FROM entities_entity)"
        )
        published, entities = cursor.fetchone()
        # the page starts at the row DEEP into the list: the cursor holds the one before it
        cursor.execute(
            "SELECT created, id FROM claims_claim WHERE publication = 'published'"
            " ORDER BY created DESC, id DESC OFFSET %s LIMIT 1",
            [max(0, int(published * DEEP) - 1)],
        )
        created, pk = cursor.fetchone()
    page = urlencode({"page_size": PAGE})
    cursor = urlencode({"cursor": cursor_token(created.isoformat(), pk), "page_size": PAGE})
    filtered = urlencode({"subject": subject, "has_conflicts": "true", "page_size": PAGE})
    searched = urlencode({"search": SEARCH_WORD, "page_size": PAGE})
    requests = [
        Request("list", "claims list, 50 a page", f"/api/v1/claims/?{page}", f"/raw/claims/?{page}",
                "raw baseline, same page"),
        Request("detail", "claim detail", f"/api/v1/claims/{claim}/", f"/raw/claims/{claim}/",
                "raw baseline, same claim"),
        Request("cursor", f"claims, cursor page {DEEP:.0%} deep", f"/api/v1/claims/?{cursor}",
                f"/raw/claims/?{cursor}", "raw baseline, same cursor page"),
        Request("entities", "entities list, 50 a page", f"/api/v1/entities/?{page}", f"/raw/entities/?{page}",
                "raw baseline, same entities"),
        Request("filtered", "?subject=X&has_conflicts=true", f"/api/v1/claims/?{filtered}"),
        Request("search", f"search, common word ({SEARCH_WORD})", f"/api/v1/claims/?{searched}"),
    ]  # fmt: skip
    chosen = {
        "subject": subject,
        "subject_claims": subject_claims,
        "claim": claim,
        "published": published,
        "entities": entities,
    }
    return requests, chosen


def queries_count(requests: list[Request]) -> dict[str, str]:
    """The SQL queries of each API request, through Django's test client in this process: all of
    them, and in brackets those that read the data (not the throttle's)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_ACCEPT="application/json")
    counted = {}
    for request in requests:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(request.path)
        if response.status_code != 200:
            counted[request.key] = f"HTTP {response.status_code}"
            continue
        # the rest is the throttle's: its counters in the database cache, each set in a transaction
        # that pghistory's middleware gives its context
        data = [q["sql"] for q in captured.captured_queries if not _throttle_sql(q["sql"])]
        counted[request.key] = f"{len(captured)} ({len(data)})"
    return counted


def _throttle_sql(sql: str) -> bool:
    return "claimtrack_cache" in sql or sql in ("BEGIN", "COMMIT") or "pghistory.context" in sql


# --- serving and asking -----------------------------------------------------------------------


def fetch(port: int, path: str) -> tuple[int, bytes, float]:
    """One GET on a fresh connection (gunicorn's sync workers close each one): status, body, ms."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        started = time.perf_counter()
        connection.request("GET", path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        body = response.read()
        return response.status, body, (time.perf_counter() - started) * 1000
    finally:
        connection.close()


@contextmanager
def served(*, database_url: str, port: int) -> Iterator[dict]:
    """gunicorn as `make serve` runs it (two sync workers), with bench/raw_app.py around the app; its
    log is removed after a clean stop unless the caller sets `keep_log` in the dict it is given."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "DATABASE_POOL": "true",
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        # LOCAL_HTTP=true in the Makefile: plain HTTP on this machine
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
        "SECURE_HSTS_PRELOAD": "false",
    }
    log = tempfile.NamedTemporaryFile(prefix="claimtrack-bench-api-", suffix=".log", delete=False)  # noqa: SIM115
    state = {"keep_log": False}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        # no control socket: its default path (~/.gunicorn/gunicorn.ctl) is one for every gunicorn
        # of this user, and other servers may be running beside the benchmark
        [
            str(gunicorn),
            "--config",
            "claimtrack/gunicorn.conf.py",
            "--no-control-socket",
            "bench.raw_app:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn stopped (exit {process.returncode}); its log: {log.name}")
            try:
                if fetch(port, "/raw/ping")[0] == 200 and fetch(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"gunicorn did not answer on port {port} in {SERVER_START_SECONDS} s: {log.name}"
                )
            time.sleep(0.5)
        print(f"  gunicorn on port {port}, two workers; its log (kept on trouble): {log.name}", flush=True)
        yield state
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if process.returncode in (0, -15) and not state["keep_log"]:
            os.unlink(log.name)


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "…"


def first_difference(api, raw, path: str = "$") -> str | None:
    """Where two parsed JSON values first differ (the API's key order), or None when they are equal."""
    numbers = (int, float)
    # 1 and 1.0 are one number (PostgreSQL writes a float's .0 away); True is not 1
    both_numbers = all(isinstance(v, numbers) and not isinstance(v, bool) for v in (api, raw))
    if not both_numbers and type(api) is not type(raw):
        return f"{path}: API {_short(api)} ≠ raw {_short(raw)}"
    if isinstance(api, dict):
        missing, extra = [k for k in api if k not in raw], [k for k in raw if k not in api]
        if missing or extra:
            return f"{path}: keys only in the API {missing}, only in raw {extra}"
        for key in api:
            found = first_difference(api[key], raw[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(api, list):
        for n, (a, r) in enumerate(zip(api, raw, strict=False)):
            found = first_difference(a, r, f"{path}[{n}]")
            if found:
                return found
        if len(api) != len(raw):
            return f"{path}: {len(api)} items in the API, {len(raw)} raw"
        return None
    return None if api == raw else f"{path}: API {_short(api)} ≠ raw {_short(raw)}"


def pair_compare(port: int, api_path: str, raw_path: str) -> str | None:
    """The API's answer against its raw twin: None when equal, else the first difference."""
    (api_status, api_body, _), (raw_status, raw_body, _) = fetch(port, api_path), fetch(port, raw_path)
    if api_status != 200 or raw_status != 200:
        return f"HTTP {api_status} from the API, {raw_status} raw: {raw_body[:200]!r}"
    return first_difference(json.loads(api_body), json.loads(raw_body))


def answers_compare(*, port: int, requests: list[Request], chosen: dict) -> dict[str, str | None]:
    """Each timed pair, then a wider sweep (SWEEP_PAGES pages of 200 claims and of entities, not
    timed): None for each when equal, else the first difference."""
    differences = {}
    for request in requests:
        if request.raw_path is None:
            continue
        differences[request.key] = pair_compare(port, request.path, request.raw_path)
        shown = "equal" if differences[request.key] is None else f"DIFFERENT at {differences[request.key]}"
        print(f"  {request.label}: API and raw JSON {shown}", flush=True)
    checked, differences["sweep"] = [], None
    for endpoint, rows in (("claims", chosen["published"]), ("entities", chosen["entities"])):
        pages = min(SWEEP_PAGES, -(-rows // 200))
        for page in range(1, pages + 1):
            query = urlencode({"page": page, "page_size": 200})
            found = pair_compare(port, f"/api/v1/{endpoint}/?{query}", f"/raw/{endpoint}/?{query}")
            if found and differences["sweep"] is None:
                differences["sweep"] = f"{endpoint} page {page} of 200: {found}"
        checked.append(f"{min(rows, pages * 200):,} {endpoint}")
    shown = "equal" if differences["sweep"] is None else f"DIFFERENT at {differences['sweep']}"
    print(f"  the first {' and '.join(checked)} in pages of 200: API and raw JSON {shown}", flush=True)
    chosen["sweep"] = " and ".join(checked)
    return differences


def requests_time(
    *, port: int, requests: list[Request], repeat: int
) -> tuple[dict[str, list[float]], list[str]]:
    """WARMUP + repeat rounds, every request once a round, API and raw in turn (which first alternates)."""
    timings: dict[str, list[float]] = {}
    errors = []
    for round_ in range(WARMUP + repeat):
        for request in requests:
            sides = [("api", request.path)] + ([("raw", request.raw_path)] if request.raw_path else [])
            for side, path in sides if round_ % 2 == 0 else sides[::-1]:
                status, body, ms = fetch(port, path)
                if status != 200:
                    errors.append(f"{side} {path}: HTTP {status} {body[:200]!r}")
                if round_ >= WARMUP:
                    timings.setdefault(f"{request.key}.{side}", []).append(ms)
        if round_ == WARMUP - 1 or ((round_ + 1 - WARMUP) % 10 == 0 and round_ >= WARMUP):
            print(f"  round {round_ + 1 - WARMUP} of {repeat}; {machine_load()}", flush=True)
    return timings, errors


# --- one size, in its own process -------------------------------------------------------------


def size_run(args: argparse.Namespace) -> int:
    """Build (or reuse) one corpus, serve it, compare and time; write the figures to args.results."""
    import psycopg

    size = args.one
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claimtrack")
    server, name = base.rsplit("/", 1)
    scratch = f"{name}_api_{size}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        if args.reuse:
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch]).fetchone():
                raise SystemExit(f"no database {scratch} to reuse: run once with --keep first")
        else:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
            admin.execute(f'CREATE DATABASE "{scratch}"')
    os.environ["DATABASE_URL"] = f"{server}/{scratch}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimtrack.settings")
    # as in production (no query log), plain HTTP for the test client, and a throttle that a
    # benchmark's requests do not reach (the gunicorn workers inherit these three)
    os.environ.update(
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="testserver",
        THROTTLE_ANON="1000000/minute",
    )
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
    throttle_counters_where()
    try:
        return _size_measure(args, size, f"{server}/{scratch}")
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep or args.reuse:
            print(f"kept the scratch database {scratch}")
        else:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')


def _size_measure(args: argparse.Namespace, size: int, database_url: str) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from apps.claims.models import Attestation, Claim
    from apps.documents.models import Document
    from apps.entities.models import Entity

    print(f"\n=== {size:,} claims: database {database_url.rsplit('/', 1)[1]}; {machine_load()}", flush=True)
    call_command("migrate", verbosity=0)
    build = {}
    if args.reuse:
        # statistics for what a migration added (this server runs no autovacuum: docs/performance.md)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print("reusing the kept corpus (migrated, ANALYZEd)")
    else:
        build = corpus_build(size=size)
        print(
            f"built in {build['total']:.0f} s: load {build['load']:.0f} s, extend {build['extend']:.0f} s,"
            f" grade {build['grade']:.0f} s, vacuum analyze {build['analyze']:.0f} s",
            flush=True,
        )
    corpus = {
        "claims": Claim.objects.count(),
        "published": Claim.objects.published().count(),
        "documents": Document.objects.count(),
        "attestations": Attestation.objects.count(),
        "entities": Entity.objects.count(),
    }
    requests, chosen = requests_choose()
    print(
        f"corpus: {corpus['claims']:,} claims ({corpus['published']:,} published), {corpus['documents']:,}"
        f" documents, {corpus['attestations']:,} quotes, {corpus['entities']:,} entities; subject X ="
        f" {chosen['subject']} ({chosen['subject_claims']:,} claims), claim {chosen['claim']}",
        flush=True,
    )
    queries = queries_count(requests)
    with served(database_url=database_url, port=args.port) as server:
        differences = answers_compare(port=args.port, requests=requests, chosen=chosen)
        load_before = os.getloadavg()
        timings, errors = requests_time(port=args.port, requests=requests, repeat=args.repeat)
        load_after = os.getloadavg()
        server["keep_log"] = bool(errors) or any(differences.values())
    for error in errors[:3]:
        print(f"  ERROR {error[:300]}")
    if len(errors) > 3:
        print(f"  … {len(errors)} errors in all")
    rows = {}
    for request in requests:
        row = {"label": request.label, "raw_label": request.raw_label, "queries": queries[request.key]}
        for side in ("api", "raw"):
            times = timings.get(f"{request.key}.{side}")
            if times:
                row[side] = [statistics.median(times), percentile(times, 95)]
        if request.raw_path:
            row["difference"] = differences.get(request.key)
        rows[request.key] = row
    figures = {
        "size": size,
        "corpus": corpus,
        "chosen": chosen,
        "build": build,
        "rows": rows,
        "errors": len(errors),
        "sweep": {"checked": chosen["sweep"], "difference": differences["sweep"]},
        "load": [round(load_before[0], 1), round(load_after[0], 1), round(load_after[1], 1)],
    }
    Path(args.results).write_text(json.dumps(figures), encoding="utf-8")
    return 0


# --- the run ------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(n) for n in SIZES),
        help="claims in each corpus, comma-separated (documents: a third of each)",
    )
    parser.add_argument("--repeat", type=int, default=REPEAT, help="measured rounds of every request")
    parser.add_argument("--port", type=int, default=PORT, help="where gunicorn listens (127.0.0.1)")
    parser.add_argument("--keep", action="store_true", help="leave the scratch databases")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure again on the databases a --keep run left (migrated to the current code), no build",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one size, in a child process
    parser.add_argument("--results", help=argparse.SUPPRESS)
    args = parser.parse_args()
    try:
        args.sizes = [int(n) for n in args.sizes.split(",")]
    except ValueError:
        parser.error("--sizes is a comma-separated list of whole numbers: 2000,20000,60000")
    if any(n < 3 for n in args.sizes) or args.repeat < 5:
        parser.error("each size must be at least 3 claims, and --repeat at least 5 (for a p95)")
    return args


def _cell(pair: list[float] | None) -> str:
    if not pair:
        return "—"
    return " / ".join(f"{v:,.1f}" if v < 10 else f"{v:,.0f}" for v in pair)


def report(results: list[dict]) -> int:
    """The table for every size, the ratios, and PASS or FAIL for each target."""
    sizes = [r["size"] for r in results]
    heads = [f"{r['size']:,} / {r['corpus']['attestations']:,}" for r in results]
    width = 34
    print(f"\n{'request, p50 / p95 ms (claims / quotes)':{width}}" + "".join(f"{h:>22}" for h in heads))
    keys = list(results[0]["rows"])
    for key in keys:
        row = results[0]["rows"][key]
        print(f"{row['label']:{width}}" + "".join(f"{_cell(r['rows'][key].get('api')):>22}" for r in results))
        if row.get("raw_label"):
            print(
                f"{row['raw_label']:{width}}"
                + "".join(f"{_cell(r['rows'][key].get('raw')):>22}" for r in results)
            )
    print("SQL queries per API request (through the test client): all (reading the data, not the throttle)")
    for key in keys:
        print(f"  {results[0]['rows'][key]['label']:{width - 2}}" + "".join(
            f"{r['rows'][key]['queries']:>22}" for r in results
        ))  # fmt: skip
    print(f"{'load average: start, end (5 min)':{width}}" + "".join(
        f"{'{}, {} ({})'.format(*r['load']):>22}" for r in results
    ))  # fmt: skip
    if any(r["build"] for r in results):
        print(f"{'built in (s)':{width}}" + "".join(
            f"{r['build'].get('total', 0):>22.0f}" for r in results
        ))  # fmt: skip

    failed = []
    print("\nJSON equal, API and raw (parsed, key for key):")
    for r in results:
        for key, row in r["rows"].items():
            if "difference" not in row:
                continue
            verdict = "equal" if row["difference"] is None else f"DIFFERENT: {row['difference']}"
            print(f"  {r['size']:>7,} {row['label']}: {verdict}")
            if row["difference"] is not None:
                failed.append(f"{key}@{r['size']} JSON")
    for r in results:
        sweep = r["sweep"]
        verdict = "equal" if sweep["difference"] is None else f"DIFFERENT: {sweep['difference']}"
        print(f"  {r['size']:>7,} and the first {sweep['checked']}, in pages of 200: {verdict}")
        if sweep["difference"] is not None:
            failed.append(f"sweep@{r['size']} JSON")
    if any(r["errors"] for r in results):
        failed.append("HTTP errors while timing")

    def p50(r: dict, key: str, side: str = "api") -> float:
        return r["rows"][key][side][0]

    print("\nratios of medians (API ÷ raw)" + "".join(f"{s:>12,}" for s in sizes))
    checks = [
        ("claims list ÷ its raw page", "list", "list", RAW_RATIO),
        ("claim detail ÷ its raw claim", "detail", "detail", RAW_RATIO),
        ("cursor page ÷ raw claims list", "cursor", "list", LIST_RATIO),
        ("entities list ÷ raw claims list", "entities", "list", LIST_RATIO),
        ("filtered list ÷ raw claims list", "filtered", "list", LIST_RATIO),
    ]
    for label, key, against, limit in checks:
        ratios = [p50(r, key) / p50(r, against, "raw") for r in results]
        ok = all(ratio <= limit for ratio in ratios)
        failed += [] if ok else [f"{key} ≤ {limit:g}×"]
        print(f"  {label:32}" + "".join(f"{x:12.2f}" for x in ratios) + f"   ≤ {limit:g}× at every size: "
              + ("PASS" if ok else "FAIL"))  # fmt: skip
    for label, key in (
        ("cursor page ÷ its raw page", "cursor"),
        ("entities list ÷ its raw page", "entities"),
    ):
        ratios = [p50(r, key) / p50(r, key, "raw") for r in results]
        print(f"  {label:32}" + "".join(f"{x:12.2f}" for x in ratios) + "   (for reference)")
    if len(results) > 1:
        print(
            f"\nflat as the corpus grows: median at {sizes[-1]:,} ÷ median at {sizes[0]:,} claims, ≤ {FLAT:g}"
        )
        for key in ("cursor", "entities", "filtered", "list", "detail", "search"):
            growth = p50(results[-1], key) / p50(results[0], key)
            judged = key in ("cursor", "entities", "filtered")
            ok = growth <= FLAT
            if judged and not ok:
                failed.append(f"{key} flat")
            verdict = ("PASS" if ok else "FAIL") if judged else "(for reference)"
            print(f"  {results[0]['rows'][key]['label']:36} {growth:6.2f}×   {verdict}")
    print(f"\n{machine_load()}")
    print("FAIL: " + "; ".join(failed) if failed else "PASS: every target")
    return 1 if failed else 0


def main() -> int:
    args = arguments()
    if args.one is not None:
        return size_run(args)
    print(f"sizes {', '.join(f'{n:,}' for n in args.sizes)} claims; {args.repeat} rounds; {machine_load()}")
    results = []
    with tempfile.TemporaryDirectory(prefix="claimtrack-bench-api-") as tmp:
        for size in args.sizes:
            out = Path(tmp) / f"{size}.json"
            command = [sys.executable, __file__, "--one", str(size), "--results", str(out)]
            command += ["--repeat", str(args.repeat), "--port", str(args.port)]
            command += ["--keep"] if args.keep else []
            command += ["--reuse"] if args.reuse else []
            started = time.perf_counter()
            if subprocess.run(command, check=False).returncode != 0 or not out.exists():
                print(f"the run at {size:,} claims failed")
                return 1
            results.append(json.loads(out.read_text(encoding="utf-8")))
            print(f"  ({time.perf_counter() - started:.0f} s for {size:,} claims)", flush=True)
    return report(results)


if __name__ == "__main__":
    sys.exit(main())
