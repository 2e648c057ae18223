"""A document's relations as every answer shows them: authors by name, cited documents and those it
draws on by id, read for the whole page into lists (`documents_shown()`)."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def linked(make_document, make_entity):
    cited, drawn_on, document = make_document(title="أ"), make_document(title="ب"), make_document(title="ج")
    author = make_entity(name="مراسل", kind="person")
    document.authors.add(author)
    document.cites.add(cited)
    document.draws_on.add(drawn_on)
    return {"document": document, "author": author, "cited": cited, "drawn_on": drawn_on}


def _relations(row: dict) -> tuple:
    return row["authors"], row["cites"], row["draws_on"]


def test_the_list_the_detail_and_a_write_s_answer_show_the_same_relations(
    linked, api_client, editor_api_client
):
    document = linked["document"]
    expected = (
        [{"id": linked["author"].pk, "name": "مراسل", "kind": "person"}],
        [linked["cited"].pk],
        [linked["drawn_on"].pk],
    )

    listed = {row["id"]: row for row in api_client.get("/api/v1/documents/").json()["results"]}
    detail = api_client.get(f"/api/v1/documents/{document.pk}/")
    patched = editor_api_client.patch(
        f"/api/v1/documents/{document.pk}/", {"title": "ج ٢"}, format="json", HTTP_IF_MATCH=detail["ETag"]
    )

    assert _relations(listed[document.pk]) == expected
    assert _relations(detail.json()) == expected
    assert patched.status_code == 200, patched.content
    assert _relations(patched.json()) == expected and patched.json()["title"] == "ج ٢"
    assert _relations(listed[linked["cited"].pk]) == ([], [], [])


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/documents/", {}),
        ("/api/v1/documents/", {"search": "طالبان"}),
        ("/api/v1/attestations/", {}),
        ("/api/v1/relations/", {}),
        ("/api/v1/entities/", {}),
    ],
    ids=["documents", "searched documents", "attestations", "relations", "entities"],
)
def test_no_page_reads_a_search_vector(seed, api_client, path, params):
    """Nothing shows a row's search vector, and a document's was the largest column of a page: each
    one sent as text and decoded, about 10 KB a document at the reference size (docs/performance.md
    §18). A quote's page read its document's, a relation's both claims'."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(path, params)

    assert response.status_code == 200 and response.json()["results"]
    for query in queries.captured_queries:
        # a rank reads a vector, in the database; no column returns it
        columns = query["sql"].split(" FROM ")[0]
        assert not re.search(r'(SELECT|,) "[a-z_]+"\."search_vector"', columns), columns


def test_a_page_of_quotes_does_not_read_their_documents_bodies(seed, api_client):
    """A quote shows its document by title; the body (a few KB) is read only by a write, to check
    the quote against it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/v1/attestations/")

    assert response.status_code == 200 and response.json()["results"]
    for query in queries.captured_queries:
        assert '"documents_document"."body"' not in query["sql"].split(" FROM ")[0]
