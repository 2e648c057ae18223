"""Object-level authorization, generated from the OpenAPI schema: every GET the API documents,
on the seed corpus plus a marked draft, with every query parameter set in turn to a draft's id,
"draft", a word of a draft and more, answers an anonymous user and a consumer with nothing of a
draft: no draft claim, none of its quotes, no relation to it, in any list, detail, nested field,
conflict list, history or search. A new endpoint or filter joins the matrix by being documented."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.claims.models import Attestation, Claim, ClaimRelation

READERS = ["anonymous", "consumer"]
CLAIM_KEYS = {"claim", "from_claim", "to_claim"}


def get_operations() -> list[tuple[str, list[tuple[str, dict]]]]:
    """(path, its query parameters as (name, schema)) of every GET in the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, [(p["name"], p["schema"]) for p in ops["get"].get("parameters", []) if p["in"] == "query"])
        for path, ops in schema["paths"].items()
        if "get" in ops and path.startswith("/api/v1/")
    ]


OPERATIONS = get_operations()


@pytest.fixture
def drafts(seed, make_claim, make_document, make_attestation, make_entity):
    """The seed's drafts, and one more with every kind of thing that can hang off a draft."""
    published = Claim.objects.published().order_by("pk").first()
    subject = make_entity(name="Bajaur valley council")
    marked = make_claim(
        "Zarqawi's heirs lodge in Bajaur.", publication=Claim.Publication.DRAFT, status_note="unvetted tip"
    )
    marked.subjects.add(subject)
    document = make_document(body="قال مصدر إن ورثة الزرقاوي يقيمون في باجور.", title="Tip")
    make_attestation("ورثة الزرقاوي يقيمون في باجور", claim=marked, document=document)
    ClaimRelation.objects.create(
        kind=ClaimRelation.Kind.CONTRADICTS, from_claim=published, to_claim=marked, note="draft link"
    )
    claims = Claim.objects.filter(publication=Claim.Publication.DRAFT)
    assert claims.count() >= 4
    return SimpleNamespace(
        claim_ids=set(claims.values_list("pk", flat=True)),
        attestation_ids=set(Attestation.objects.filter(claim__in=claims).values_list("pk", flat=True)),
        relation_ids=set(
            ClaimRelation.objects.filter(from_claim__in=claims).values_list("pk", flat=True)
            | ClaimRelation.objects.filter(to_claim__in=claims).values_list("pk", flat=True)
        ),
        statements=list(claims.values_list("statement", flat=True)),
        words=["Zarqawi", "الزرقاوي", "Hibatullah"],
        published=published,
        subject=subject,
        document=document,
    )


def leaks(body, drafts, where="") -> list[str]:
    """Every place in a JSON body that shows a draft claim, one of its quotes or a relation to it."""
    found = []
    if isinstance(body, list):
        for i, item in enumerate(body):
            found += leaks(item, drafts, f"{where}[{i}]")
    elif isinstance(body, dict):
        if "statement" in body and body.get("id") in drafts.claim_ids:
            found.append(f"{where}: draft claim #{body['id']}")
        if "quote" in body and body.get("id") in drafts.attestation_ids:
            found.append(f"{where}: a draft's quote #{body['id']}")
        if "kind" in body and body.get("id") in drafts.relation_ids and CLAIM_KEYS & set(body):
            found.append(f"{where}: relation #{body['id']} to a draft")
        for key, value in body.items():
            if key in CLAIM_KEYS:
                # an id, a nested claim, or in a history entry [old, new]
                named = value if isinstance(value, list) else [value]
                for claim_id in (v.get("id") if isinstance(v, dict) else v for v in named):
                    if claim_id in drafts.claim_ids:
                        found.append(f"{where}.{key}: names draft #{claim_id}")
            found += leaks(value, drafts, f"{where}.{key}")
    elif isinstance(body, str):
        found += [f"{where}: a draft's statement" for statement in drafts.statements if statement in body]
    return found


def body_of(response) -> object:
    """The answer's JSON; a CSV download (`format=csv`) as its rows, each row as its claim (id and
    statement) and its quote (id and words), the shapes `leaks` looks for."""
    if not response["Content-Type"].startswith("text/csv"):
        return response.json()
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    return [
        [{"id": int(row["claim_id"]), "statement": row["statement"]}]
        + ([{"id": int(row["attestation_id"]), "quote": row["quote"]}] if row["attestation_id"] else [])
        for row in rows
    ]


def values_for(schema: dict, drafts) -> list[str]:
    """What a query parameter is set to in turn, by its type: every choice of a choice (publication
    "draft" among them), a draft's ids for an id, both booleans, a word of a draft for text."""
    if "enum" in schema or "enum" in schema.get("items", {}):
        return [str(value) for value in schema.get("enum", schema.get("items", {}).get("enum"))]
    if schema.get("type") == "integer":
        seed_draft, marked = min(drafts.claim_ids), max(drafts.claim_ids)
        some_quote = min(drafts.attestation_ids)
        return [str(seed_draft), str(marked), str(some_quote), str(drafts.subject.pk), "1"]
    if schema.get("type") == "boolean":
        return ["true", "false"]
    if schema.get("format") == "date":
        return ["2000-01-01", "2030-01-01"]
    return [*drafts.words, "draft"]


def ids_for(path: str, drafts) -> list[int]:
    """The ids a detail path is asked for: every draft thing it might hold, and public neighbours."""
    if path.startswith("/api/v1/claims/"):
        return [*sorted(drafts.claim_ids), drafts.published.pk]
    if path.startswith("/api/v1/attestations/"):
        return sorted(drafts.attestation_ids)
    if path.startswith("/api/v1/relations/"):
        return sorted(drafts.relation_ids)
    if path.startswith("/api/v1/entities/"):
        return [drafts.subject.pk, *drafts.published.subjects.values_list("pk", flat=True)]
    if path.startswith("/api/v1/documents/"):
        return [drafts.document.pk, *drafts.published.attestations.values_list("document_id", flat=True)]
    return [1, 2, 3]


def requests_of(drafts):
    """Every (url, query) of the matrix: each GET with no query, then each query parameter set in
    turn to each value; each detail path for each id it might hold a draft under."""
    for path, parameters in OPERATIONS:
        urls = [path.replace("{id}", str(pk)) for pk in ids_for(path, drafts)] if "{id}" in path else [path]
        for url in urls:
            yield url, {}
            for name, schema in parameters:
                for value in values_for(schema, drafts):
                    yield url, {name: value}


@pytest.mark.parametrize("role", READERS)
def test_no_get_shows_a_reader_anything_of_a_draft(client_as, drafts, unthrottled, role):
    # one test per role, not per request: the seed corpus loads once for hundreds of requests
    client = client_as(role)
    answered = {}
    for url, query in requests_of(drafts):
        response = client.get(url, query)
        answered[response.status_code] = answered.get(response.status_code, 0) + 1
        assert response.status_code < 500, (url, query, response.status_code)
        if response.status_code == 200:
            assert leaks(body_of(response), drafts) == [], (url, query)

    assert sum(answered.values()) > 250 and answered[200] > 140
    hidden = {
        "claims": drafts.claim_ids,
        "attestations": drafts.attestation_ids,
        "relations": drafts.relation_ids,
    }
    for kind, ids in hidden.items():
        for pk in ids:
            # a draft, its quote, its relation: the same 404 as an unknown id
            assert client.get(f"/api/v1/{kind}/{pk}/").status_code == 404


def test_the_matrix_sees_the_drafts_a_fact_checker_sees(client_as, drafts, unthrottled):
    """The matrix is not blind: the same requests show a fact-checker the drafts."""
    client = client_as("fact-checker")
    seen = [
        (url, query)
        for url, query in requests_of(drafts)
        if (response := client.get(url, query)).status_code == 200 and leaks(body_of(response), drafts)
    ]

    shown = {url for url, _ in seen}
    hidden = {
        "claims": drafts.claim_ids,
        "attestations": drafts.attestation_ids,
        "relations": drafts.relation_ids,
    }
    for kind, ids in hidden.items():
        assert f"/api/v1/{kind}/" in shown
        assert {f"/api/v1/{kind}/{pk}/" for pk in ids} <= shown
    marked = max(drafts.claim_ids)
    assert {f"/api/v1/claims/{marked}/conflicts/", f"/api/v1/claims/{marked}/history/"} <= shown
