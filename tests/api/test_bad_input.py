"""Hostile or careless input gets a clear 4xx and changes nothing; never a 500."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from apps.api.v1 import filters


def test_an_unknown_field_is_refused_by_name(editor_api_client, row_counts):
    before = row_counts()

    response = editor_api_client.post(
        "/api/v1/claims/", {"statement": "New.", "statment": "typo"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"statment": ["Unknown field."]}
    assert row_counts() == before


@pytest.mark.parametrize(
    "field", ["credibility", "credibility_explanation", "created_by", "created", "updated", "search_vector"]
)
def test_a_server_owned_field_cannot_be_written(editor_api_client, make_claim, field):
    claim = make_claim()

    response = editor_api_client.patch(f"/api/v1/claims/{claim.pk}/", {field: 1}, format="json")

    assert response.status_code == 400
    assert response.json() == {field: ["Set by the server; it cannot be written."]}


def test_malformed_json_is_a_400(editor_api_client):
    response = editor_api_client.generic(
        "POST", "/api/v1/claims/", '{"statement": "unterminated', content_type="application/json"
    )

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_a_nul_byte_in_text_is_a_400(editor_api_client, row_counts):
    before = row_counts()

    response = editor_api_client.post("/api/v1/claims/", {"statement": "bad\x00claim"}, format="json")

    assert response.status_code == 400
    assert "statement" in response.json()
    assert row_counts() == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/claims/99999999999999999999999/",
        "/api/v1/claims/-1/",
        "/api/v1/claims/1e5/",
        "/api/v1/claims/?page=99999999999999999999",
        "/api/v1/claims/?subject=99999999999999999999",
        "/api/v1/claims/?status=%00",
        "/api/v1/entities/?name=%00",
        "/api/v1/claims/?ordering=%00",
    ],
)
def test_odd_ids_and_values_are_4xx_not_5xx(api_client, make_claim, url):
    make_claim()

    response = api_client.get(url)

    assert 400 <= response.status_code < 500, response.content


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/claims/1.5e-3/",
        "/api/v1/claims/%2F/",
        "/api/v1/no-such-thing/",
        "/api/v1/claims/1/x/",
        "/api/v1/claims/%0A1/",
        "/api/v1/claims/%20%31/",
    ],
)
def test_a_path_the_api_does_not_have_is_a_json_404(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_path_without_its_slash_is_still_redirected_to_it(api_client):
    response = api_client.get("/api/v1/claims")

    assert (response.status_code, response.headers["Location"]) == (301, "/api/v1/claims/")


def test_a_body_over_the_limit_is_a_413_that_names_the_limit(editor_api_client, settings, row_counts):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    before = row_counts()

    response = editor_api_client.post(
        "/api/v1/documents/", {"title": "big", "language": "ar", "body": "ا" * 4096}, format="json"
    )

    assert response.status_code == 413
    assert response.json()["detail"].endswith("bytes; the API takes at most 1024 bytes.")
    assert row_counts() == before


def test_a_body_under_the_limit_goes_through(editor_api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024

    response = editor_api_client.post(
        "/api/v1/documents/", {"title": "big", "language": "ar", "body": "ا" * 4096}, format="json"
    )

    assert response.status_code == 201


def test_a_query_string_over_the_limit_is_a_414(api_client, settings, db):
    settings.API_MAX_QUERY_STRING = 100

    long = api_client.get("/api/v1/claims/", {"search": "ا" * 100})
    short = api_client.get("/api/v1/claims/", {"search": "طالبان"})

    assert long.status_code == 414 and "at most 100" in long.json()["detail"]
    assert short.status_code == 200


def test_a_content_length_that_is_no_number_is_a_400(api_client, db):
    response = api_client.post(
        "/api/v1/claims/", data="{}", content_type="application/json", CONTENT_LENGTH="x"
    )

    assert response.status_code == 400 and "Content-Length" in response.json()["detail"]


@pytest.mark.django_db(transaction=True)  # as in production: no test transaction around the request
def test_a_query_past_the_statement_timeout_is_a_503_and_the_limit_does_not_leak(
    api_client, settings, monkeypatch, make_claim, assert_documented
):
    make_claim()
    settings.API_STATEMENT_TIMEOUT_MS = 20

    def slow_search(queryset, text):
        # a search that takes 200 ms, ten times the limit
        return queryset.filter(RawSQL("pg_sleep(0.2) IS NOT NULL", [], output_field=BooleanField()))

    monkeypatch.setattr(filters, "search_queryset", slow_search)

    response = api_client.get("/api/v1/claims/", {"search": "anything"})

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert_documented(response)
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
    assert api_client.get("/api/v1/claims/").status_code == 200
