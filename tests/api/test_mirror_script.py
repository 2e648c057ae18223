"""docs/examples/mirror.py keeps a SQLite copy in step with a live server through the changes feed."""

from __future__ import annotations

import importlib.util
import sqlite3

import pytest
import requests

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.documents.models import Document
from apps.entities.models import Entity
from tests.api.conftest import PASSWORD
from tests.conftest import ROOT
from tests.reliability.racing import LiveAPI, login

TALIBAN_CLOSE = "The relationship between the Taliban and al-Qaeda remains close."


def load_example():
    spec = importlib.util.spec_from_file_location("mirror", ROOT / "docs" / "examples" / "mirror.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def copied(db: sqlite3.Connection, table: str, column: str = "id") -> dict[int, object]:
    return dict(db.execute(f'SELECT id, "{column}" FROM {table}').fetchall())


def published() -> dict[str, dict[int, object]]:
    """What a reader sees now, as the copy should hold it."""
    claims = Claim.objects.published()
    return {
        "claims": dict(claims.values_list("pk", "statement")),
        "attestations": dict(Attestation.objects.filter(claim__in=claims).values_list("pk", "claim_id")),
        "relations": dict(
            ClaimRelation.objects.filter(from_claim__in=claims, to_claim__in=claims).values_list("pk", "kind")
        ),
        "documents": dict(Document.objects.values_list("pk", "title")),
        "entities": dict(Entity.objects.values_list("pk", "name")),
    }


def the_copy(db: sqlite3.Connection) -> dict[str, dict[int, object]]:
    return {
        "claims": copied(db, "claims", "statement"),
        "attestations": copied(db, "attestations", "claim_id"),
        "relations": copied(db, "relations", "kind"),
        "documents": copied(db, "documents", "title"),
        "entities": copied(db, "entities", "name"),
    }


@pytest.mark.django_db(transaction=True)
def test_the_mirror_follows_a_create_an_edit_an_unpublish_and_a_delete(seed, editor, live_server, tmp_path):
    mirror = load_example()
    db = mirror.open_mirror(str(tmp_path / "claims.sqlite3"))

    first = mirror.sync(db, live_server.url)

    assert the_copy(db) == published()
    assert len(the_copy(db)["claims"]) == 155
    assert not {("claim", "delete")} & set(first)
    print(f"first run: {sum(first.values())} changes")

    api = LiveAPI(base=live_server.url, token=login(live_server.url, editor.username, PASSWORD))
    edited, unpublished, deleted = (
        Claim.objects.published().exclude(statement=TALIBAN_CLOSE).order_by("pk")[:3]
    )
    close = Claim.objects.get(statement=TALIBAN_CLOSE)
    attestation = close.attestations.first()
    unpublished_quotes = set(unpublished.attestations.values_list("pk", flat=True))
    deleted_quotes = set(deleted.attestations.values_list("pk", flat=True))
    with api.session() as editor_session:

        def send(method: str, path: str, **body) -> requests.Response:
            headers = {"If-Match": api.etag(path)} if method in ("PATCH", "DELETE") else {}
            response = editor_session.request(
                method, live_server.url + path, json=body or None, headers=headers
            )
            assert response.ok, response.text
            return response

        created = send(
            "POST", "/api/v1/claims/", statement="Al-Qaeda has a new base in Kunar.", publication="published"
        )
        quote = send(
            "POST",
            "/api/v1/attestations/",
            claim=created.json()["id"],
            document=attestation.document_id,
            quote=attestation.quote,
        )
        send("PATCH", f"/api/v1/claims/{edited.pk}/", statement="An edited statement.")
        send("PATCH", f"/api/v1/claims/{unpublished.pk}/", publication="draft")
        send("DELETE", f"/api/v1/claims/{deleted.pk}/")

    second = mirror.sync(db, live_server.url)

    print(f"second run: {dict(second)}")
    claims = copied(db, "claims", "statement")
    quotes = copied(db, "attestations", "claim_id")
    assert claims[created.json()["id"]] == "Al-Qaeda has a new base in Kunar."
    assert quotes[quote.json()["id"]] == created.json()["id"]
    assert claims[edited.pk] == "An edited statement."
    assert unpublished.pk not in claims and not unpublished_quotes & set(quotes)
    assert deleted.pk not in claims and not deleted_quotes & set(quotes)
    assert the_copy(db) == published()
    assert sum(mirror.sync(db, live_server.url).values()) == 0  # nothing new: nothing applied


@pytest.mark.django_db(transaction=True)
def test_a_copy_whose_cursor_the_server_no_longer_knows_is_made_again(seed, live_server, tmp_path, capsys):
    mirror = load_example()
    db = mirror.open_mirror(str(tmp_path / "claims.sqlite3"))
    mirror.sync(db, live_server.url)
    db.execute("INSERT INTO claims (id, statement, data) VALUES (99999, 'lost with the server', '{}')")
    with db:  # a well-formed cursor of a position the server does not have (a restore from a backup)
        db.execute("UPDATE feed SET value = 'MS4xLjEuMTIzNDU2Nzg5' WHERE name = 'cursor'")

    applied = mirror.sync(db, live_server.url)

    assert applied["feed", "reset"] == 1
    assert the_copy(db) == published()
    assert "copying again" in capsys.readouterr().err
