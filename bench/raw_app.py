"""The raw-SQL baseline of bench/api.py: the API's hottest answers from one hand-written query each.

    gunicorn --config claimtrack/gunicorn.conf.py bench.raw_app:application

A WSGI wrapper around the real application (claimtrack.wsgi): paths under `/raw/` are answered here,
everything else goes to Django. Each raw answer is one SQL query on one psycopg 3 connection kept
by the worker, the JSON built by PostgreSQL (`json_build_object`, `json_agg`) and sent on as text,
with only the page envelope (count, links) put together in Python. The JSON is meant to be the
API's own, key for key and value for value, for an anonymous reader (published claims only):

    /raw/claims/?page_size=50[&page=N]     GET /api/v1/claims/ (page numbers)
    /raw/claims/?cursor=…&page_size=50     GET /api/v1/claims/?cursor=… (forward cursors only)
    /raw/claims/ID/                        GET /api/v1/claims/ID/
    /raw/entities/?page_size=50[&page=N]   GET /api/v1/entities/

It is what the API could cost at the least: the same rows through the same indexes, with no
model instances, serializers, middleware or throttle. bench/api.py checks that both answers are
equal before it times them, so a difference in either is found, not measured.
"""

from __future__ import annotations

import json
import os
from base64 import b64decode, b64encode
from urllib import parse

import psycopg

from claimtrack.wsgi import application as django_application

PAGE_SIZE, MAX_PAGE_SIZE = 50, 200


# --- SQL pieces -------------------------------------------------------------------------------


def _iso(column: str) -> str:
    """A timestamp as DRF writes it: ISO 8601 in UTC with a Z, the microseconds only when not 0."""
    return (
        f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN extract(microseconds FROM {column})::bigint %% 1000000 = 0 THEN ''"
        f" ELSE to_char({column} AT TIME ZONE 'UTC', '.US') END || 'Z'"
    )


def _partial(column: str, precision: str) -> str:
    """A date only as precisely as it is known (apps.core.models.format_partial_date); '' for none."""
    return (
        f"CASE WHEN {column} IS NULL THEN ''"
        f" WHEN {precision} = 'year' THEN to_char({column}, 'YYYY')"
        f" WHEN {precision} = 'month' THEN to_char({column}, 'YYYY-MM')"
        f" ELSE to_char({column}, 'YYYY-MM-DD') END"
    )


def _span_start(column: str, precision: str) -> str:
    """The first day a partial date covers (apps.core.models.date_span)."""
    return (
        f"CASE WHEN {precision} = 'year' THEN date_trunc('year', {column})::date"
        f" WHEN {precision} = 'month' THEN date_trunc('month', {column})::date ELSE {column} END"
    )


def _entity_ref(alias: str) -> str:
    return (
        f"CASE WHEN {alias}.id IS NULL THEN NULL"
        f" ELSE json_build_object('id', {alias}.id, 'name', {alias}.name, 'kind', {alias}.kind) END"
    )


def _labels() -> str:
    from apps.credibility.rules import LABELS

    whens = " ".join(
        f"WHEN {int(grade)} THEN '{label.replace(chr(39), chr(39) * 2)}'" for grade, label in LABELS.items()
    )
    return f"CASE c.credibility {whens} END"


# when it was said: its own date, else its document's (Attestation.stated)
STATED_ON = "COALESCE(a.stated_on, d.published)"
STATED_PRECISION = (
    "CASE WHEN a.stated_on IS NOT NULL THEN a.stated_on_precision ELSE d.published_precision END"
)

# a claim's attestations, with what `dates` reads from them, in one pass (alias q)
ATTESTATIONS = f"""
LEFT JOIN LATERAL (
  SELECT
    json_agg(json_build_object(
      'id', a.id, 'claim', a.claim_id, 'quote', a.quote, 'start', a.start, 'end', a."end",
      'stance', a.stance, 'modality', a.modality,
      'interested_override', a.interested_override, 'interested_reason', a.interested_reason,
      'stated_on', {STATED_ON}, 'stated_on_precision', {STATED_PRECISION},
      'speaker', {_entity_ref("sp")}, 'origin_entity', {_entity_ref("oe")},
      'origin_document', CASE WHEN od.id IS NULL THEN NULL
                         ELSE json_build_object('id', od.id, 'title', od.title) END,
      'document', json_build_object(
        'id', d.id, 'title', d.title, 'outlet', {_entity_ref("o")},
        'published', {_partial("d.published", "d.published_precision")},
        'published_precision', d.published_precision, 'language', d.language),
      'note', a.note)
      ORDER BY a.document_id, a.start, a.id) AS attestations,
    (array_agg({_partial(STATED_ON, STATED_PRECISION)}
       ORDER BY {_span_start(STATED_ON, STATED_PRECISION)},
                {_partial(STATED_ON, STATED_PRECISION)} COLLATE "C")
       FILTER (WHERE {STATED_ON} IS NOT NULL))[1] AS first_reported,
    max(d.retrieved) AS latest_retrieved
  FROM claims_attestation a
  JOIN documents_document d ON d.id = a.document_id
  LEFT JOIN entities_entity o ON o.id = d.outlet_id
  LEFT JOIN entities_entity sp ON sp.id = a.speaker_id
  LEFT JOIN entities_entity oe ON oe.id = a.origin_entity_id
  LEFT JOIN documents_document od ON od.id = a.origin_document_id
  WHERE a.claim_id = c.id
) q ON true
"""

# both directions, each naming a published other claim, in the order of ClaimRelation.Meta
# (kind, then the other claim newest first: Claim.Meta.ordering)
RELATIONS = """
COALESCE((
  SELECT json_agg(rel.j ORDER BY rel.incoming, rel.kind, rel.created DESC, rel.id DESC) FROM (
    SELECT false AS incoming, r.kind, o.created, o.id, json_build_object(
      'id', r.id, 'kind', r.kind, 'direction', 'outgoing',
      'claim', json_build_object('id', o.id, 'statement', o.statement, 'status', o.status),
      'note', r.note) AS j
    FROM claims_claimrelation r JOIN claims_claim o ON o.id = r.to_claim_id
    WHERE r.from_claim_id = c.id AND o.publication = 'published'
    UNION ALL
    SELECT true, r.kind, o.created, o.id, json_build_object(
      'id', r.id, 'kind', r.kind, 'direction', 'incoming',
      'claim', json_build_object('id', o.id, 'statement', o.statement, 'status', o.status), 'note', r.note)
    FROM claims_claimrelation r JOIN claims_claim o ON o.id = r.from_claim_id
    WHERE r.to_claim_id = c.id AND o.publication = 'published'
  ) rel), '[]')
"""

# where the schema has background regrades (issue 17), `regrading` says whether one waits for the claim;
# the marker is filled in when the worker connects, from the columns its database has (a row a claim,
# or a chunk of claims a row found by its id range)
REGRADING = "/*regrading*/"
PENDING_TABLE = "credibility_pendingregrade"
REGRADING_SQL = {
    "claim_ids": f", 'regrading', EXISTS (SELECT FROM {PENDING_TABLE} p WHERE p.first_claim <= c.id"
    " AND p.last_claim >= c.id AND p.claim_ids @> ARRAY[c.id]::bigint[])",
    "claim_id": f", 'regrading', EXISTS (SELECT FROM {PENDING_TABLE} p WHERE p.claim_id = c.id)",
}

# the stored explanation passed through, with the grade, its label and the pair beside it
CREDIBILITY = f"""
CASE WHEN c.credibility_explanation IS NULL OR c.credibility_explanation = '{{}}'::jsonb THEN
  jsonb_build_object(
    'grade', c.credibility, 'label', {_labels()}, 'pair', 'F' || c.credibility,
    'opinions', '[]'::jsonb, 'independent_affirming', '[]'::jsonb, 'independent_denying', '[]'::jsonb,
    'attestation_count', 0, 'conflicts', '[]'::jsonb, 'changes_over_time', '[]'::jsonb,
    'supported_by', '[]'::jsonb, 'reasons', '["Not graded yet."]'::jsonb{REGRADING})
ELSE
  c.credibility_explanation || jsonb_build_object(
    'grade', c.credibility, 'label', {_labels()},
    'pair', COALESCE(NULLIF(c.credibility_explanation->>'pair', ''), 'F' || c.credibility){REGRADING})
END
"""

CLAIM = f"""
json_build_object(
  'id', c.id, 'statement', c.statement, 'language', c.language,
  'subjects', COALESCE((
    SELECT json_agg(json_build_object('id', e.id, 'name', e.name, 'kind', e.kind) ORDER BY e.name, e.id)
    FROM claims_claim_subjects s JOIN entities_entity e ON e.id = s.entity_id WHERE s.claim_id = c.id), '[]'),
  'point_in_time', c.point_in_time, 'point_in_time_precision', c.point_in_time_precision,
  'point_in_time_display', {_partial("c.point_in_time", "c.point_in_time_precision")},
  'valid_from', c.valid_from, 'valid_from_precision', c.valid_from_precision,
  'valid_until', c.valid_until, 'valid_until_precision', c.valid_until_precision,
  'dates', json_build_object(
    'holds', CASE WHEN c.valid_from IS NOT NULL OR c.valid_until IS NOT NULL
      THEN COALESCE(NULLIF({_partial("c.valid_from", "c.valid_from_precision")}, ''), '…') || ' – '
        || COALESCE(NULLIF({_partial("c.valid_until", "c.valid_until_precision")}, ''), '…')
      ELSE {_partial("c.point_in_time", "c.point_in_time_precision")} END,
    'first_reported', q.first_reported, 'latest_retrieved', q.latest_retrieved),
  'status', c.status, 'status_note', c.status_note, 'assignee', NULL, 'publication', c.publication,
  'credibility', {CREDIBILITY},
  'attestations', COALESCE(q.attestations, '[]'),
  'relations', {RELATIONS},
  'search_rank', NULL, 'highlight', NULL,
  'created', {_iso("c.created")}, 'updated', {_iso("c.updated")})
"""

CLAIMS_PAGE = f"""
SELECT (SELECT count(*) FROM claims_claim WHERE publication = 'published'),
       COALESCE(json_agg({CLAIM} ORDER BY c.created DESC, c.id DESC), '[]')::text
FROM (SELECT id FROM claims_claim WHERE publication = 'published'
      ORDER BY created DESC, id DESC LIMIT %(limit)s OFFSET %(offset)s) page
JOIN claims_claim c ON c.id = page.id
{ATTESTATIONS}
"""

# a cursor page: the rows after the position and one more, to know whether there is a next page
CLAIMS_AFTER = f"""
WITH after AS MATERIALIZED (
  SELECT id, created FROM claims_claim
  WHERE publication = 'published' AND (created, id) < (%(created)s::timestamptz, %(id)s::bigint)
  ORDER BY created DESC, id DESC LIMIT %(limit)s + 1)
SELECT (SELECT count(*) FROM after),
       COALESCE(json_agg({CLAIM} ORDER BY c.created DESC, c.id DESC), '[]')::text,
       array_agg(c.created ORDER BY c.created DESC, c.id DESC),
       array_agg(c.id ORDER BY c.created DESC, c.id DESC)
FROM (SELECT id FROM after ORDER BY created DESC, id DESC LIMIT %(limit)s) page
JOIN claims_claim c ON c.id = page.id
{ATTESTATIONS}
"""

CLAIM_ONE = f"""
SELECT {CLAIM}::text
FROM claims_claim c
{ATTESTATIONS}
WHERE c.id = %(id)s AND c.publication = 'published'
"""

ENTITY = f"""
json_build_object(
  'id', e.id, 'kind', e.kind, 'name', e.name, 'description', e.description, 'parent', e.parent_id,
  'independence_boundary', e.independence_boundary,
  'draws_on', COALESCE((
    SELECT json_agg(x.id ORDER BY x.name, x.id)
    FROM entities_entity_draws_on l JOIN entities_entity x ON x.id = l.to_entity_id
    WHERE l.from_entity_id = e.id), '[]'),
  'aliases', COALESCE((
    SELECT json_agg(json_build_object('name', al.name, 'language', al.language) ORDER BY al.name)
    FROM entities_alias al WHERE al.entity_id = e.id), '[]'),
  'reliability', json_build_object(
    'grade', r.grade, 'rationale', r.rationale, 'rated_at', {_iso("r.rated_at")},
    'track_record', json_build_object(
      'affirmed', t.affirmed, 'corroborated', t.corroborated, 'refuted', t.refuted,
      'sample_size', t.corroborated + t.refuted,
      'score', (t.corroborated + 1)::float8 / (t.corroborated + t.refuted + 2))),
  'search_rank', NULL, 'highlight', NULL,
  'created', {_iso("e.created")}, 'updated', {_iso("e.updated")})
"""

# the current rating (the latest) and the track record: the published claims it affirmed (as
# speaker or root), of those the ones corroborated and refuted, through the GIN index on affirmers
ENTITIES_PAGE = f"""
SELECT (SELECT count(*) FROM entities_entity),
       COALESCE(json_agg({ENTITY} ORDER BY e.name, e.id), '[]')::text
FROM (SELECT id FROM entities_entity ORDER BY name, id LIMIT %(limit)s OFFSET %(offset)s) page
JOIN entities_entity e ON e.id = page.id
LEFT JOIN LATERAL (
  SELECT grade, rationale, rated_at FROM credibility_sourcerating
  WHERE entity_id = e.id ORDER BY rated_at DESC, id DESC LIMIT 1
) r ON true
CROSS JOIN LATERAL (
  SELECT count(*) AS affirmed,
         count(*) FILTER (WHERE k.status = 'corroborated') AS corroborated,
         count(*) FILTER (WHERE k.status = 'refuted') AS refuted
  FROM claims_claim k
  WHERE k.publication = 'published' AND k.credibility_affirmers @> ARRAY[e.id::integer]
) t
"""


# --- links, as DRF writes them ------------------------------------------------------------------


def replace_query_param(url: str, key: str, value) -> str:
    """The URL with `key` set to `value`, the parameters sorted (rest_framework.utils.urls)."""
    scheme, netloc, path, query, fragment = parse.urlsplit(url)
    params = parse.parse_qs(query, keep_blank_values=True)
    params[key] = [str(value)]
    return parse.urlunsplit(
        (scheme, netloc, path, parse.urlencode(sorted(params.items()), doseq=True), fragment)
    )


def remove_query_param(url: str, key: str) -> str:
    scheme, netloc, path, query, fragment = parse.urlsplit(url)
    params = parse.parse_qs(query, keep_blank_values=True)
    params.pop(key, None)
    return parse.urlunsplit(
        (scheme, netloc, path, parse.urlencode(sorted(params.items()), doseq=True), fragment)
    )


def cursor_token(created: str, pk: int, *, reverse: bool = False) -> str:
    """A cursor of KeysetCursorPagination: base64 of `r=1&p=["<created>", "<id>"]` (DRF's encoding)."""
    tokens = {"r": "1"} if reverse else {}
    tokens["p"] = json.dumps([created, str(pk)])
    return b64encode(parse.urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")


class NotAnswered(Exception):
    """A request the baseline does not implement (the API would answer it; the baseline need not)."""


# --- the application ----------------------------------------------------------------------------

STATEMENTS = {
    "claims_page": CLAIMS_PAGE,
    "claims_after": CLAIMS_AFTER,
    "claim": CLAIM_ONE,
    "entities_page": ENTITIES_PAGE,
}
_connection: psycopg.Connection | None = None
_statements: dict[str, str] = {}


def _cursor() -> psycopg.Cursor:
    """This worker's connection (opened after the fork, kept), in UTC like Django's."""
    global _connection
    if _connection is None or _connection.closed or _connection.broken:
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, options="-c TimeZone=UTC")
        columns = {
            name
            for (name,) in _connection.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s", [PENDING_TABLE]
            )
        }
        fill = next((sql for column, sql in REGRADING_SQL.items() if column in columns), "")
        _statements.update({name: sql.replace(REGRADING, fill) for name, sql in STATEMENTS.items()})
    return _connection.cursor()


def _page_size(params: dict) -> int:
    raw = params.get("page_size", [str(PAGE_SIZE)])[-1]
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise NotAnswered("page_size")
    return int(raw)


def _numbered(url: str, params: dict, statement: str) -> bytes:
    size = _page_size(params)
    raw = params.get("page", ["1"])[-1]
    if not raw.isdigit() or int(raw) < 1:
        raise NotAnswered("page")
    page = int(raw)
    with _cursor() as cursor:
        count, results = cursor.execute(
            _statements[statement], {"limit": size, "offset": (page - 1) * size}
        ).fetchone()
    if page > 1 and results == "[]":
        raise NotAnswered("page out of range")
    following = replace_query_param(url, "page", page + 1) if page * size < count else None
    if page == 1:
        previous = None
    elif page == 2:
        previous = remove_query_param(url, "page")
    else:
        previous = replace_query_param(url, "page", page - 1)
    envelope = json.dumps({"count": count, "next": following, "previous": previous}, ensure_ascii=False)
    return f'{envelope[:-1]}, "results": {results}}}'.encode()


def _after_cursor(url: str, params: dict) -> bytes:
    size = _page_size(params)
    tokens = parse.parse_qs(b64decode(params["cursor"][-1]).decode("ascii"))
    if "r" in tokens or "o" in tokens or "p" not in tokens:
        raise NotAnswered("only forward cursors with a position")
    created, pk = json.loads(tokens["p"][0])
    with _cursor() as cursor:
        found, results, times, ids = cursor.execute(
            _statements["claims_after"], {"created": created, "id": int(pk), "limit": size}
        ).fetchone()
    following = previous = None
    if ids:
        if found > size:
            following = replace_query_param(url, "cursor", cursor_token(times[-1].isoformat(), ids[-1]))
        previous = replace_query_param(
            url, "cursor", cursor_token(times[0].isoformat(), ids[0], reverse=True)
        )
    envelope = json.dumps({"next": following, "previous": previous}, ensure_ascii=False)
    return f'{envelope[:-1]}, "results": {results}}}'.encode()


def _claim(pk: int) -> bytes | None:
    with _cursor() as cursor:
        row = cursor.execute(_statements["claim"], {"id": pk}).fetchone()
    return row[0].encode() if row else None


def raw_answer(environ: dict) -> tuple[str, bytes]:
    """The status and JSON body for a `/raw/…` request."""
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    params = parse.parse_qs(query, keep_blank_values=True)
    # the links point where the API's would: the same address under /api/v1/
    api_path = "/api/v1/" + path.removeprefix("/raw/")
    url = f"{environ['wsgi.url_scheme']}://{environ['HTTP_HOST']}{api_path}" + (f"?{query}" if query else "")
    parts = [part for part in path.split("/") if part]
    try:
        if parts == ["raw", "claims"]:
            body = _after_cursor(url, params) if "cursor" in params else _numbered(url, params, "claims_page")
        elif len(parts) == 3 and parts[:2] == ["raw", "claims"] and parts[2].isdigit():
            body = _claim(int(parts[2]))
            if body is None:
                return "404 Not Found", b'{"detail": "No Claim matches the given query."}'
        elif parts == ["raw", "entities"]:
            body = _numbered(url, params, "entities_page")
        elif parts == ["raw", "ping"]:
            with _cursor() as cursor:
                cursor.execute("SELECT 1")
            body = b"{}"
        else:
            return "404 Not Found", b'{"detail": "Not a raw baseline."}'
    except (NotAnswered, ValueError, KeyError) as error:
        return "400 Bad Request", json.dumps(
            {"detail": f"The raw baseline does not answer this: {error}"}
        ).encode()
    return "200 OK", body


def application(environ: dict, start_response):
    """`/raw/…` from one query each; everything else from Django, as `make serve` answers it."""
    if not environ.get("PATH_INFO", "").startswith("/raw/"):
        return django_application(environ, start_response)
    status, body = raw_answer(environ)
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
