"""The seed corpus for the tests, loaded once a process and then restored from a snapshot.

Loading `fixtures/seed.json` and grading it (as `manage.py seed` does) takes about 2.4 s, every row
passing through the history and change-log triggers. The first test of a process that asks for the
seed inside a test transaction loads it that way, then copies out every row the load added (COPY,
table by table); the next ones copy those rows back in (about 0.1 s) with the triggers off, as the
rows already hold what the triggers wrote, and move each sequence past them. The test transaction
rolls it all back as before. A test on committed data (`transactional_db`: live servers, races)
loads the fixture itself: its rows must come from a transaction of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.management import call_command
from django.db import connection
from psycopg import sql

from apps.credibility.services import credibility_recompute


@dataclass(frozen=True)
class _Table:
    name: str
    key: str
    rows: bytes


_snapshot: list[_Table] | None = None


def _tables() -> dict[str, str]:
    """Every table of the database with its primary-key column (the migrations' own list aside)."""
    with connection.cursor() as cursor:
        names = [n for n in connection.introspection.table_names(cursor) if n != "django_migrations"]
        return {name: connection.introspection.get_primary_key_column(cursor, name) for name in names}


def _keys(cursor, table: str, key: str) -> list:
    cursor.execute(sql.SQL("SELECT {} FROM {}").format(sql.Identifier(key), sql.Identifier(table)))
    return [row[0] for row in cursor.fetchall()]


def seed_load(fixture) -> None:
    """Load the seed corpus and grade it; inside a test transaction, from the snapshot after the first."""
    global _snapshot
    if not connection.in_atomic_block:  # committed data: loaded the slow way, every time
        call_command("loaddata", str(fixture), verbosity=0)
        credibility_recompute()
        return
    raw = connection.cursor().cursor  # psycopg's own cursor, in the test's transaction
    if _snapshot is not None:
        _restore(raw, _snapshot)
        return
    tables = _tables()
    before = {name: set(_keys(raw, name, key)) for name, key in tables.items() if key}
    call_command("loaddata", str(fixture), verbosity=0)
    credibility_recompute()
    snapshot = []
    for name, key in tables.items():
        if not key:
            continue
        added = sorted(set(_keys(raw, name, key)) - before[name])
        if not added:
            continue
        query = sql.SQL("COPY (SELECT * FROM {} WHERE {} = ANY({}) ORDER BY {}) TO STDOUT").format(
            sql.Identifier(name), sql.Identifier(key), sql.Literal(added), sql.Identifier(key)
        )
        with raw.copy(query) as copy:
            snapshot.append(_Table(name, key, b"".join(bytes(chunk) for chunk in copy)))
    _snapshot = snapshot


def _restore(raw, snapshot: list[_Table]) -> None:
    # the rows hold what the triggers wrote when they were loaded: the triggers (foreign-key checks
    # included) stay off while they are copied back, for this transaction only
    raw.execute("SET LOCAL session_replication_role = replica")
    for table in snapshot:
        with raw.copy(sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(table.name))) as copy:
            copy.write(table.rows)
    raw.execute("SET LOCAL session_replication_role = DEFAULT")
    for table in snapshot:
        raw.execute("SELECT pg_get_serial_sequence(%s, %s)", [table.name, table.key])
        sequence = raw.fetchone()[0]
        if sequence is None:  # a key the application gives (a session's, a token's)
            continue
        raw.execute(
            sql.SQL("SELECT setval(%s, GREATEST((SELECT MAX({}) FROM {}), 1))").format(
                sql.Identifier(table.key), sql.Identifier(table.name)
            ),
            [sequence],
        )
