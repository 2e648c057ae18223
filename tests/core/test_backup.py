"""`manage.py backup` and `manage.py restore`: a dump restores every row, a bad file changes nothing."""

from __future__ import annotations

from io import StringIO
from urllib.parse import quote

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.core.management.postgres import tool_find
from apps.credibility.models import SourceRating
from apps.credibility.services import source_rating_create
from apps.documents.models import Document
from apps.entities.models import Entity

COUNTED = [Claim, Attestation, Document, Entity, ClaimRelation, SourceRating]


def _server_params(dbname: str) -> dict:
    settings = connection.settings_dict
    return {
        "dbname": dbname,
        "user": settings["USER"],
        "password": settings["PASSWORD"] or None,
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
    }


@pytest.fixture
def scratch_database(django_db_setup, django_db_blocker):
    """An empty database next to the test database, as a postgres:// URL; dropped afterwards."""
    settings = connection.settings_dict
    name = f"{settings['NAME']}_restore_check"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(**_server_params("postgres"), autocommit=True) as conn:
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    # the host may be a socket directory (the embedded server): libpq reads it percent-encoded
    credentials = quote(settings["USER"], safe="") + (
        ":" + quote(settings["PASSWORD"], safe="") if settings["PASSWORD"] else ""
    )
    host = quote(settings["HOST"] or "", safe="")
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    yield f"postgresql://{credentials}@{host}{port}/{quote(name, safe='')}"
    with psycopg.connect(**_server_params("postgres"), autocommit=True) as conn:
        conn.execute(drop)


def _scratch(url: str):
    return psycopg.connect(url, autocommit=True)


def _count(conn, table: str) -> int:
    return conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]


@pytest.mark.django_db(transaction=True)  # committed, so that pg_dump (another connection) sees the seed
def test_a_backup_restores_into_an_empty_database_with_every_row_and_document(
    seed, scratch_database, tmp_path
):
    # the seed grades no source: one rating, so that their table is not checked empty
    source_rating_create(entity=Entity.objects.first(), grade="B", rationale="A record of accurate reports.")
    dump = tmp_path / "claimtrack.dump"
    expected = {model._meta.db_table: model.objects.count() for model in COUNTED}
    expected_hashes = set(Document.objects.values_list("body_sha256", flat=True))

    call_command("backup", output=dump, stdout=StringIO())
    call_command("restore", dump, database_url=scratch_database, stdout=StringIO())

    with _scratch(scratch_database) as conn:
        counts = {table: _count(conn, table) for table in expected}
        hashes = {row[0] for row in conn.execute("SELECT body_sha256 FROM documents_document")}
    assert all(expected.values()), expected
    assert counts == expected
    assert hashes == expected_hashes


def test_restoring_a_missing_file_says_so(scratch_database, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", tmp_path / "nothing.dump", database_url=scratch_database)


@pytest.mark.parametrize(
    "content",
    [b"", b"SELECT 1;\n", b"PGDMP\x01\x0e", b"\x89PNG\r\n\x1a\n" + bytes(200)],
    ids=["empty", "sql", "truncated-header", "png"],
)
def test_restoring_a_file_that_is_not_a_dump_fails_and_changes_nothing(scratch_database, tmp_path, content):
    garbage = tmp_path / "garbage.dump"
    garbage.write_bytes(content)
    with _scratch(scratch_database) as conn:
        conn.execute("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('before')")

    with pytest.raises(CommandError, match="is not a pg_dump custom-format archive"):
        call_command("restore", garbage, database_url=scratch_database)

    with _scratch(scratch_database) as conn:
        assert conn.execute("SELECT note FROM kept").fetchall() == [("before",)]


def test_a_restore_that_fails_halfway_is_rolled_back(scratch_database, tmp_path):
    # a real dump cut short: its header and table of contents read, its data ends early
    with _scratch(scratch_database) as conn:
        conn.execute("CREATE TABLE kept (note text)")
        conn.execute("INSERT INTO kept SELECT md5(i::text) FROM generate_series(1, 20000) AS i")
    dump = tmp_path / "whole.dump"
    call_command("backup", output=dump, database_url=scratch_database, stdout=StringIO())
    cut = tmp_path / "cut.dump"
    cut.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    with _scratch(scratch_database) as conn:
        conn.execute("INSERT INTO kept VALUES ('after the backup')")

    with pytest.raises(CommandError, match="failed and was rolled back"):
        call_command("restore", cut, database_url=scratch_database)

    with _scratch(scratch_database) as conn:
        assert conn.execute("SELECT count(*) FROM kept").fetchone()[0] == 20001
        assert conn.execute("SELECT 1 FROM kept WHERE note = 'after the backup'").fetchone()


def test_a_pg_dump_older_than_the_server_is_reported_with_what_to_install():
    with pytest.raises(CommandError, match=r"No pg_dump of PostgreSQL 99 or newer is installed \(found: "):
        tool_find("pg_dump", server_major=99, at_least=99, embedded=False, reason="the server is 99")
