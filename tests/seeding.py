"""The seed corpus for the tests, loaded once a process and then restored from a snapshot.

Loading `fixtures/seed.json` and grading it (as `manage.py seed` does) takes about 2.4 s, every row
passing through the history and change-log triggers. The first test of a process that asks for the
seed loads it that way and copies out every row the load added (COPY, table by table); the next ones
copy those rows back in (about 0.1 s) with the triggers off, as the rows already hold what the
triggers wrote, and move each sequence past them. Inside a test transaction, that transaction rolls
it all back as before. A test on committed data (`transactional_db`: live servers, races) gets the
same rows committed by a transaction of their own; when such a test is the process's first, the
snapshot is taken in a transaction that is then rolled back, so that nothing but the copy is kept.

Such a test's database is emptied afterwards by `flush`; `committed_flush_by_delete` makes that a
DELETE of every row (triggers off) instead of a TRUNCATE, which makes new files for every table and
index: about 2 s a test on a busy machine, against a few milliseconds for the seed's few thousand rows.

A test that reads the seed inside its transaction (most of them) does not even copy it in: each
process keeps a second test database, a copy of the first with the seed loaded and committed
(`seeded_database_make`), and such a test runs on that one (`seeded_database_use`), its transaction
rolled back as before. The copy takes about 0.1 s of each of some 300 tests: 88 ms, against a few
milliseconds for the switch of database when the test before it ran on the other one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.management import call_command
from django.core.management.commands import flush as flush_command
from django.db import connection, connections, transaction
from django.db.backends.postgresql.operations import DatabaseOperations
from psycopg import sql

from apps.credibility.services import credibility_recompute


@dataclass(frozen=True)
class _Table:
    name: str
    key: str
    rows: bytes
    sequence: str | None  # of its key; None for a key the application gives (a session's, a token's)


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
    """Load the seed corpus and grade it; from the snapshot after the process's first load."""
    global _snapshot
    if connection.in_atomic_block:  # a test transaction: it rolls the rows back
        if _seeded is not None and connection.settings_dict["NAME"] == _seeded.copy:
            return  # the seed is there, committed
        if _snapshot is None:
            _snapshot = _load_and_copy(fixture)
        else:
            _restore(connection.cursor().cursor, _snapshot)
        return
    # committed data: the rows come from a transaction of their own
    if _snapshot is None:
        with transaction.atomic():
            _snapshot = _load_and_copy(fixture)
            transaction.set_rollback(True)
    with transaction.atomic():
        _restore(connection.cursor().cursor, _snapshot)


def _load_and_copy(fixture) -> list[_Table]:
    """Load and grade the fixture in the open transaction; return a copy of every row it added."""
    raw = connection.cursor().cursor  # psycopg's own cursor, in the open transaction
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
            rows = b"".join(bytes(chunk) for chunk in copy)
        sequence = raw.execute("SELECT pg_get_serial_sequence(%s, %s)", [name, key]).fetchone()[0]
        snapshot.append(_Table(name, key, rows, sequence))
    return snapshot


def _restore(raw, snapshot: list[_Table]) -> None:
    # the rows hold what the triggers wrote when they were loaded: the triggers (foreign-key checks
    # included) stay off while they are copied back, for this transaction only
    raw.execute("SET LOCAL session_replication_role = replica")
    for table in snapshot:
        with raw.copy(sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(table.name))) as copy:
            copy.write(table.rows)
    raw.execute("SET LOCAL session_replication_role = DEFAULT")
    # every sequence past its table's rows, in one statement (one a table took a quarter of the time)
    moves = [
        sql.SQL("setval({}, GREATEST((SELECT MAX({}) FROM {}), 1))").format(
            sql.Literal(table.sequence), sql.Identifier(table.key), sql.Identifier(table.name)
        )
        for table in snapshot
        if table.sequence is not None
    ]
    if moves:
        raw.execute(sql.SQL("SELECT {}").format(sql.SQL(", ").join(moves)))


@dataclass(frozen=True)
class _Databases:
    base: str  # the process's test database, empty
    copy: str  # the same with the seed loaded and committed


_seeded: _Databases | None = None

# the fixtures of a test on committed data (pytest-django's), which a test transaction would hide
COMMITTED_FIXTURES = {"transactional_db", "live_server", "django_db_reset_sequences"}

# the deferred constraint triggers that refresh the stored contradicted claims at a commit
CONTRADICTION_REFRESHES = "ct_contradicted_relation, ct_contradicted_publication"


def runs_on_committed_data(item) -> bool:
    """Whether a test runs without a test transaction: a live server, a race, `transaction=True`."""
    if COMMITTED_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))


def reads_the_seed_in_a_transaction(item) -> bool:
    """Whether a test asks for the seed and runs in a test transaction (pytest-django's `db`)."""
    return "seed" in getattr(item, "fixturenames", ()) and not runs_on_committed_data(item)


def seeded_database_make(fixture) -> None:
    """Make the copy of this process's test database that holds the seed corpus, committed, loaded
    and graded as `seed_load` loads it (which takes its snapshot then), and dropped by
    `seeded_database_drop`. Called once the test database is set up, before any test runs."""
    global _seeded, _snapshot
    base = connection.settings_dict["NAME"]
    seeded = _Databases(base=base, copy=f"{base}_seeded")
    connection.close()  # a database is copied only while nobody is connected to it
    with connection._nodb_cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(seeded.copy)).as_string())
        query = sql.SQL("CREATE DATABASE {} TEMPLATE {}")
        cursor.execute(query.format(sql.Identifier(seeded.copy), sql.Identifier(base)).as_string())
    _database_use(seeded.copy)
    with transaction.atomic():
        # the deferred refreshes (the stored contradicted claims) before the snapshot, as in a test
        # transaction (tests/conftest.py), not at the commit, after it
        connection.cursor().execute(f"SET CONSTRAINTS {CONTRADICTION_REFRESHES} IMMEDIATE")
        _snapshot = _load_and_copy(fixture)
    _database_use(base)
    _seeded = seeded


def seeded_database_use(item) -> None:
    """Run this test on the copy with the seed when it reads the seed in a test transaction, else on
    the process's test database. Called before any fixture of the test is set up."""
    if _seeded is not None:
        _database_use(_seeded.copy if reads_the_seed_in_a_transaction(item) else _seeded.base)


def seeded_database_drop() -> None:
    """Back to the process's test database, for Django to drop; drop the copy with the seed."""
    global _seeded
    if _seeded is None:
        return
    _database_use(_seeded.base)
    with connection._nodb_cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(_seeded.copy)).as_string())
    _seeded = None


def _database_use(name: str) -> None:
    if connection.settings_dict["NAME"] != name:
        connection.close()  # the next query connects to the other database
        connection.settings_dict["NAME"] = name


# the rows migrate's post_migrate makes (content types, permissions, the role groups): the same after
# every flush, so a flush keeps them unless a test changed them
MIGRATED_TABLES = ("django_content_type", "auth_permission", "auth_group", "auth_group_permissions")

# per database alias: a digest of those rows as migrated (`migrated_rows_remember`)
_migrated_digests: dict[str, str] = {}
# the aliases whose last flush kept those rows, so that its post_migrate has nothing to make
_kept: set[str] = set()


def migrated_rows_remember(alias: str = "default") -> None:
    """Note what the migrated rows of a freshly set-up test database are (`django_db_setup`)."""
    _migrated_digests[alias] = _migrated_digest(connections[alias])


def _migrated_digest(wrapper) -> str:
    parts = sql.SQL(", ").join(
        sql.SQL("(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM {} t)").format(sql.Identifier(name))
        for name in MIGRATED_TABLES
    )
    with wrapper.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT md5(concat_ws('|', {}))").format(parts).as_string(wrapper.connection))
        return cursor.fetchone()[0]


@contextmanager
def committed_flush_by_delete() -> Iterator[None]:
    """Make `flush` (after each `transactional_db` test) DELETE every row instead of a TRUNCATE, and
    keep the migrated rows when they are as migrated, without the post_migrate that makes them again.

    That post_migrate (Django's content types and permissions, every app's, and the role groups)
    took 0.3 s of the 0.35 s of each such flush: the suite's teardowns went from 32 s to 10–13 s.
    A test that changed those rows gets the full flush, post_migrate and all, as before."""
    truncate: Callable = DatabaseOperations.sql_flush
    emit = flush_command.emit_post_migrate_signal

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        # a sequence reset needs TRUNCATE … RESTART IDENTITY; turning the triggers off needs a superuser
        if reset_sequences or not tables or not _is_superuser(self.connection):
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        alias = self.connection.alias
        _kept.discard(alias)
        remembered = _migrated_digests.get(alias)
        if remembered is not None and remembered == _migrated_digest(self.connection):
            tables = [t for t in tables if t not in MIGRATED_TABLES]
            _kept.add(alias)
        # flush runs these in one transaction: the triggers (history, change log, foreign-key checks)
        # are off for it alone, so no row is logged as deleted and the order of the tables is free
        return [
            "SET LOCAL session_replication_role = replica",
            *(f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};" for t in tables),
            "SET LOCAL session_replication_role = DEFAULT",
        ]

    def emit_post_migrate_signal(verbosity, interactive, db, **kwargs):
        if db in _kept:  # every row it would make is there, as migrated
            _kept.discard(db)
            return
        emit(verbosity, interactive, db, **kwargs)
        if db in _migrated_digests:  # made again as migrated, under new keys: what the next flush keeps
            _migrated_digests[db] = _migrated_digest(connections[db])

    DatabaseOperations.sql_flush = sql_flush
    flush_command.emit_post_migrate_signal = emit_post_migrate_signal
    try:
        yield
    finally:
        DatabaseOperations.sql_flush = truncate
        flush_command.emit_post_migrate_signal = emit


def _is_superuser(wrapper) -> bool:
    wrapper.ensure_connection()
    return wrapper.connection.info.parameter_status("is_superuser") == "on"
