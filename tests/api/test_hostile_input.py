"""The inputs an attacker found 500s with: each is now a 4xx that says what is wrong, and stores nothing."""

from __future__ import annotations

import random

import pytest
from rest_framework.test import APIClient

from apps.claims.models import Claim
from apps.credibility.models import SourceRating
from apps.entities.models import Entity


def nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def distinct_words(count: int) -> str:
    """`count` different made-up words: more than the search index can hold past ~75,000."""
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    return " ".join("".join(rng.choice(letters) for _ in range(10)) for _ in range(count))


def test_json_nested_a_thousand_deep_is_a_400_even_before_logging_in(api_client, db):
    response = api_client.generic(
        "POST", "/api/v1/auth/token/", nested(1000), content_type="application/json"
    )

    assert response.status_code == 400
    assert "deeper than 32" in response.json()["detail"]


def test_json_nested_a_thousand_deep_in_a_write_is_a_400(editor_api_client, row_counts):
    before = row_counts()

    response = editor_api_client.generic(
        "POST",
        "/api/v1/claims/",
        '{"statement": "x", "subjects": ' + nested(1000) + "}",
        content_type="application/json",
    )

    assert response.status_code == 400
    assert row_counts() == before


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity"])
def test_a_number_past_a_double_is_a_400(fact_checker_client, make_entity, row_counts, number):
    make_entity()
    before = row_counts()

    response = fact_checker_client.generic(
        "POST",
        "/api/v1/source-ratings/",
        f'{{"entity": {number}, "grade": "B", "rationale": "r"}}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert row_counts() == before


@pytest.mark.parametrize("number", ["9223372036854775808", "99999999999999999999999", "1e300"])
def test_an_id_past_the_database_range_is_a_400(fact_checker_client, make_entity, number):
    make_entity()

    response = fact_checker_client.generic(
        "POST",
        "/api/v1/source-ratings/",
        f'{{"entity": {number}, "grade": "B", "rationale": "r"}}',
        content_type="application/json",
    )

    assert response.status_code == 400


def test_a_statement_past_the_search_index_limit_is_a_400_naming_the_limit(editor_api_client, row_counts):
    before = row_counts()

    response = editor_api_client.post("/api/v1/claims/", {"statement": distinct_words(80_000)}, format="json")

    assert response.status_code == 400
    assert "1,048,576 bytes" in response.json()["statement"][0]
    assert row_counts() == before


def test_a_body_past_the_search_index_limit_is_a_400_naming_the_limit(editor_api_client, row_counts):
    before = row_counts()

    response = editor_api_client.post(
        "/api/v1/documents/", {"title": "t", "language": "en", "body": distinct_words(80_000)}, format="json"
    )

    assert response.status_code == 400
    assert "search index" in response.json()["body"][0]
    assert row_counts() == before


def test_a_long_body_of_few_distinct_words_is_indexed(editor_api_client):
    body = "طالبان والقاعدة " * 60_000  # 960,000 characters, two words

    response = editor_api_client.post(
        "/api/v1/documents/", {"title": "طويل", "language": "ar", "body": body}, format="json"
    )

    assert response.status_code == 201, response.content[:300]


@pytest.mark.parametrize("header", ["Token \x00", "Token \x00\x00\x00", "Token ÿÿÿ", "Token " + "a" * 5000])
def test_an_odd_token_is_a_401(api_client, db, header):
    response = api_client.get("/api/v1/claims/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401


def test_invalid_utf8_in_a_form_body_is_a_400_and_stores_nothing(editor_api_client, row_counts):
    before = row_counts()

    response = editor_api_client.generic(
        "POST",
        "/api/v1/claims/",
        b"statement=%FF%FEbad&language=en",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert "UTF-8" in response.json()["detail"]
    assert row_counts() == before


def test_raw_invalid_utf8_in_a_multipart_body_is_a_400(editor_api_client, row_counts):
    before = row_counts()
    body = b'--b\r\nContent-Disposition: form-data; name="statement"\r\n\r\n\xff\xfebad\r\n--b--\r\n'

    response = editor_api_client.generic(
        "POST", "/api/v1/claims/", body, content_type="multipart/form-data; boundary=b"
    )

    assert response.status_code == 400
    assert row_counts() == before


def test_a_valid_utf8_form_body_is_stored_as_sent(editor_api_client):
    response = editor_api_client.post("/api/v1/claims/", {"statement": "طالبان تنفي"}, format="multipart")

    assert response.status_code == 201, response.content
    assert Claim.objects.get(pk=response.json()["id"]).statement == "طالبان تنفي"


@pytest.mark.parametrize("cursor", ["!!!!", "====", "%%%", "bm90IGEgY3Vyc29y", "cD0x"])
def test_a_tampered_cursor_is_a_404(api_client, make_claim, cursor):
    make_claim()

    response = api_client.get("/api/v1/claims/", {"cursor": cursor})

    assert response.status_code == 404


@pytest.mark.parametrize("path", ["%20%31", "1%20", "+1", "01x", "١"])
def test_an_id_with_anything_but_digits_is_no_row(api_client, make_claim, path):
    make_claim()

    response = api_client.get(f"/api/v1/claims/{path}/")

    assert response.status_code == 404


def test_who_rated_a_source_is_not_shown_to_readers(client_as, fact_checker):
    entity = Entity.objects.create(name="UN Monitoring Team", kind="organization")
    SourceRating.objects.create(
        entity=entity, grade="B", rationale="Usually reliable.", rated_by=fact_checker
    )

    seen = {
        role: client_as(role).get("/api/v1/source-ratings/").json()["results"][0]["rated_by"]
        for role in ("anonymous", "consumer", "fact-checker")
    }

    assert seen == {"anonymous": None, "consumer": None, "fact-checker": fact_checker.pk}


def test_the_anonymous_client_has_no_token_to_begin_with(db):
    assert APIClient().get("/api/v1/claims/").status_code == 200


@pytest.mark.parametrize("value", [1.9, "1e0", " 1", "1.0", True])
def test_an_id_that_is_no_whole_number_is_a_400(fact_checker_client, make_entity, row_counts, value):
    entity = make_entity()
    before = row_counts()

    response = fact_checker_client.post(
        "/api/v1/source-ratings/",
        {"entity": value if value != " 1" else f" {entity.pk}", "grade": "B", "rationale": "r"},
        format="json",
    )

    assert response.status_code == 400, response.content
    assert "entity" in response.json()
    assert row_counts() == before


def test_options_on_the_api_docs_page_is_refused_not_a_500(api_client, db):
    assert api_client.options("/api/docs/").status_code == 405


def test_healthz_answers_only_get_and_head(client):
    assert client.generic("TRACE", "/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200
