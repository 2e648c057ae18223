"""Keep a local SQLite copy of the published claims, with their quotes, documents and entities, in step.

Only `requests` and the standard library. The first run reads GET /api/v1/changes/ from its start,
which holds every row as it is now, and stores the cursor it ends at; each later run applies what
changed since: creates and updates store the row, deletes (tombstones) remove it. A claim made a
draft comes as a delete of it, of its quotes and of its relations. Run it as often as you like
(cron, a loop): a run that stops half-way starts again from the last page it stored.

    python docs/examples/mirror.py --url http://127.0.0.1:8000 --db claims.sqlite3 [--token "$TOKEN"]
    sqlite3 claims.sqlite3 "SELECT id, statement, grade FROM claims ORDER BY id DESC LIMIT 5"
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable

import requests

SCHEMA = """
CREATE TABLE IF NOT EXISTS feed (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entities (
    id INTEGER PRIMARY KEY, kind TEXT, name TEXT, parent_id INTEGER, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY, title TEXT, url TEXT, outlet_id INTEGER, published TEXT, language TEXT,
    data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS claims (
    id INTEGER PRIMARY KEY, statement TEXT, language TEXT, status TEXT, grade INTEGER, pair TEXT,
    data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attestations (
    id INTEGER PRIMARY KEY, claim_id INTEGER, document_id INTEGER, quote TEXT, start INTEGER,
    "end" INTEGER, speaker_id INTEGER, stance TEXT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS relations (
    id INTEGER PRIMARY KEY, kind TEXT, from_claim_id INTEGER, to_claim_id INTEGER, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS attestations_claim ON attestations (claim_id);
"""


def _id(ref: dict | None) -> int | None:
    return ref["id"] if ref else None


# what the copy keeps of each type: its table and the columns read from the row (the whole row is
# in `data` as JSON). Source ratings are left out: an entity's current grade is in its row.
TABLES: dict[str, tuple[str, Callable[[dict], dict]]] = {
    "entity": (
        "entities",
        lambda row: {"kind": row["kind"], "name": row["name"], "parent_id": row["parent"]},
    ),
    "document": (
        "documents",
        lambda row: {
            "title": row["title"],
            "url": row["url"],
            "outlet_id": _id(row["outlet"]),
            "published": row["published_display"],
            "language": row["language"],
        },
    ),
    "claim": (
        "claims",
        lambda row: {
            "statement": row["statement"],
            "language": row["language"],
            "status": row["status"],
            "grade": row["credibility"]["grade"],
            "pair": row["credibility"]["pair"],
        },
    ),
    "attestation": (
        "attestations",
        lambda row: {
            "claim_id": row["claim"],
            "document_id": _id(row["document"]),
            "quote": row["quote"],
            "start": row["start"],
            "end": row["end"],
            "speaker_id": _id(row["speaker"]),
            "stance": row["stance"],
        },
    ),
    "relation": (
        "relations",
        lambda row: {"kind": row["kind"], "from_claim_id": row["from_claim"], "to_claim_id": row["to_claim"]},
    ),
}


def open_mirror(path: str) -> sqlite3.Connection:
    """The SQLite copy at `path`, made on first use."""
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    return db


def cursor_of(db: sqlite3.Connection) -> str | None:
    """The cursor after the last page applied; None before the first run."""
    row = db.execute("SELECT value FROM feed WHERE name = 'cursor'").fetchone()
    return row[0] if row else None


def apply(db: sqlite3.Connection, change: dict) -> bool:
    """Apply one change; False for a type the copy does not keep."""
    if change["type"] not in TABLES:
        return False
    table, columns = TABLES[change["type"]]
    if change["action"] == "delete":
        db.execute(f"DELETE FROM {table} WHERE id = ?", [change["id"]])
        return True
    # create or update: the same for a copy (a row may come again, or first as an update)
    row = change["object"]
    values = {"id": change["id"], **columns(row), "data": json.dumps(row, ensure_ascii=False)}
    names = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join("?" for _ in values)
    db.execute(f"INSERT OR REPLACE INTO {table} ({names}) VALUES ({marks})", list(values.values()))
    return True


def reset(db: sqlite3.Connection) -> None:
    """Forget everything: the next run reads the feed from its start."""
    with db:
        for table, _ in TABLES.values():
            db.execute(f"DELETE FROM {table}")
        db.execute("DELETE FROM feed")


class Api:
    def __init__(self, url: str, token: str | None = None) -> None:
        self.feed = url.rstrip("/") + "/api/v1/changes/"
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        if token:
            self.session.headers["Authorization"] = f"Token {token}"

    def page(self, since: str | None, limit: int) -> requests.Response:
        """One page of the feed; waits out the rate limit (429) and a busy server (503)."""
        params = {"limit": limit, **({"since": since} if since else {})}
        for _ in range(10):
            response = self.session.get(self.feed, params=params, timeout=60)
            if response.status_code not in (429, 503):
                return response
            time.sleep(min(float(response.headers.get("Retry-After", 1)), 60))
        return response


def sync(db: sqlite3.Connection, url: str, token: str | None = None, limit: int = 200) -> Counter:
    """Bring the copy in step with the API: every page since the stored cursor, each applied with its
    cursor in one SQLite transaction. Returns what was applied, as {(type, action): count}."""
    api, applied = Api(url, token), Counter()
    since = cursor_of(db)
    while True:
        response = api.page(since, limit)
        if response.status_code == 404 and since is not None:
            # the cursor is no longer one of the feed's (the server was restored from a backup):
            # this copy may hold what the server lost, so start again from nothing
            print(
                f"the stored cursor was refused ({response.json()['detail']}): copying again", file=sys.stderr
            )
            reset(db)
            since = None
            applied["feed", "reset"] += 1
            continue
        response.raise_for_status()
        page = response.json()
        with db:  # the page and its cursor together, or neither
            for change in page["results"]:
                if apply(db, change):
                    applied[change["type"], change["action"]] += 1
            db.execute("INSERT OR REPLACE INTO feed (name, value) VALUES ('cursor', ?)", [page["next"]])
        since = page["next"]
        if not page["more"]:
            return applied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--db", default="claims.sqlite3", help="the SQLite file of the copy")
    parser.add_argument("--token", help="an API token (anonymous without one: published claims only)")
    args = parser.parse_args(argv)

    db = open_mirror(args.db)
    first = cursor_of(db) is None
    applied = sync(db, args.url, args.token)
    counts = {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table, _ in TABLES.values()
    }
    done = ", ".join(f"{action} {kind}: {n}" for (kind, action), n in sorted(applied.items()))
    print(("copied" if first else "applied") + f" {sum(applied.values())} changes ({done or 'none'})")
    print("the copy holds " + ", ".join(f"{n} {table}" for table, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
