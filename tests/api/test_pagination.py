"""Page numbers for people, cursors for scripts that pull everything while claims are being added."""

from __future__ import annotations

import base64
import datetime
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.credibility.models import SourceRating
from apps.documents.models import Document
from apps.entities.models import Entity


def cursor(text: str) -> str:
    """Encode a cursor the way DRF does, to forge one."""
    return base64.b64encode(text.encode("ascii")).decode("ascii")


def pull(client, url: str, between_pages=None) -> list[int]:
    """Follow `next` from `url` until it is None; return every id in the order served."""
    ids, pages = [], 0
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200, response.content
        ids += [row["id"] for row in response.json()["results"]]
        url = response.json()["next"]
        pages += 1
        if between_pages is not None and pages == 1:
            between_pages()
    return ids


# --- page numbers -------------------------------------------------------------------------


def test_page_numbers_give_the_page_its_size_the_count_and_the_next_page(api_client, make_claim):
    claims = [make_claim(f"claim {n}") for n in range(5)]
    newest_first = [c.pk for c in reversed(claims)]

    response = api_client.get("/api/v1/claims/?page=2&page_size=2")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert [row["id"] for row in body["results"]] == newest_first[2:4]
    assert "page=3" in body["next"] and "page_size=2" in body["next"]
    assert body["previous"] is not None


def test_the_last_page_has_no_next(api_client, make_claim):
    for n in range(3):
        make_claim(f"claim {n}")

    body = api_client.get("/api/v1/claims/?page=2&page_size=2").json()

    assert (len(body["results"]), body["next"]) == (1, None)


def test_page_numbers_default_to_fifty_a_page_and_allow_two_hundred(api_client, make_claim):
    Claim.objects.bulk_create(
        [Claim(statement=f"claim {n}", publication=Claim.Publication.PUBLISHED) for n in range(201)]
    )

    default = api_client.get("/api/v1/claims/").json()
    largest = api_client.get("/api/v1/claims/?page_size=200").json()

    assert (default["count"], len(default["results"])) == (201, 50)
    assert len(largest["results"]) == 200


def test_a_page_past_the_end_is_a_404(api_client, make_claim):
    make_claim()

    assert api_client.get("/api/v1/claims/?page=2").status_code == 404


# --- cursors ------------------------------------------------------------------------------


def test_cursor_pages_pull_every_published_seed_claim_exactly_once(seed, consumer_client):
    published = set(Claim.objects.published().values_list("pk", flat=True))

    ids = pull(consumer_client, "/api/v1/claims/?cursor=&page_size=20")

    assert len(published) == 155
    assert len(ids) == len(set(ids)) == 155
    assert set(ids) == published


def test_cursor_pages_are_ordered_newest_first_and_follow_filters(api_client, make_claim):
    old = make_claim("old", status=Claim.Status.DISPUTED)
    make_claim("other", status=Claim.Status.REFUTED)
    new = make_claim("new", status=Claim.Status.DISPUTED)

    ids = pull(api_client, "/api/v1/claims/?cursor=&page_size=1&status=disputed")

    assert ids == [new.pk, old.pk]


def test_a_claim_created_between_two_cursor_pages_neither_duplicates_nor_drops_one(seed, api_client):
    published = set(Claim.objects.published().values_list("pk", flat=True))

    def add_a_claim():
        Claim.objects.create(statement="Added while pulling.", publication=Claim.Publication.PUBLISHED)

    ids = pull(api_client, "/api/v1/claims/?cursor=&page_size=20", between_pages=add_a_claim)

    served = Counter(ids)
    assert [pk for pk, times in served.items() if times > 1] == []
    assert published - set(served) == set()


def test_cursor_pages_stay_stable_when_claims_have_distinct_timestamps(api_client, make_claim):
    claims = [make_claim(f"claim {n}") for n in range(5)]

    def add_a_claim():
        make_claim("added while pulling")

    ids = pull(api_client, "/api/v1/claims/?cursor=&page_size=2", between_pages=add_a_claim)

    assert sorted(ids) == sorted(c.pk for c in claims)


def test_cursor_pages_pull_every_document_once_undated_ones_included(api_client, make_document):
    documents = [
        make_document(title="dated", published=datetime.date(2021, 6, 5)),
        make_document(title="undated"),
        make_document(title="older", published=datetime.date(2020, 1, 1)),
    ]

    ids = pull(api_client, "/api/v1/documents/?cursor=&page_size=1")

    assert sorted(ids) == sorted(d.pk for d in documents)


def test_a_deep_cursor_page_is_bounded_by_a_row_comparison_the_index_can_use(api_client, make_claim):
    for n in range(6):
        make_claim(f"Claim {n}.")
    first = api_client.get("/api/v1/claims/?cursor=&page_size=2").json()

    with CaptureQueriesContext(connection) as queries:
        second = api_client.get(first["next"]).json()

    page_query = next(q["sql"] for q in queries.captured_queries if 'FROM "claims_claim"' in q["sql"])
    assert '("claims_claim"."created", "claims_claim"."id") < (' in page_query
    # the claims' own WHERE (a column's subquery in the SELECT list has its own)
    conditions = page_query.split('FROM "claims_claim"', 1)[1].split("WHERE", 1)[1].split("ORDER BY")[0]
    assert " OR " not in conditions
    assert len(second["results"]) == 2


def test_previous_links_walk_back_through_the_same_pages(seed, api_client):
    forward, url = [], "/api/v1/claims/?cursor=&page_size=25"
    while url is not None:
        body = api_client.get(url).json()
        forward.append([row["id"] for row in body["results"]])
        last, url = body, body["next"]
    backward, url = [], last["previous"]
    while url is not None:
        body = api_client.get(url).json()
        backward.append([row["id"] for row in body["results"]])
        url = body["previous"]

    assert [len(page) for page in forward] == [25, 25, 25, 25, 25, 25, 5]
    assert backward == forward[-2::-1]


def test_a_cursor_page_without_a_count_is_documented(api_client, make_claim, assert_documented):
    make_claim("one")

    response = api_client.get("/api/v1/claims/?cursor=")

    assert "count" not in response.json()
    assert_documented(response)


def test_the_first_cursor_page_has_no_previous_and_the_last_no_next(api_client, make_claim):
    make_claim("one")

    body = api_client.get("/api/v1/claims/?cursor=").json()

    assert (body["previous"], body["next"], len(body["results"])) == (None, None, 1)


@pytest.mark.parametrize(
    ("resource", "model"),
    [
        ("entities", Entity),
        ("documents", Document),
        ("attestations", Attestation),
        ("relations", ClaimRelation),
    ],
)
def test_every_seed_resource_can_be_pulled_whole_with_cursors(seed, editor_api_client, resource, model):
    ids = pull(editor_api_client, f"/api/v1/{resource}/?cursor=&page_size=7")

    assert len(ids) == len(set(ids)) == model.objects.count() > 0


def test_source_ratings_cursor_pages_follow_the_order_they_were_added_in(api_client, make_entity):
    entity = make_entity()
    ratings = [
        SourceRating.objects.create(entity=entity, grade=grade, rationale="record", rated_at=when)
        for grade, when in [
            ("B", datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)),
            ("C", datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)),
            ("A", datetime.datetime(2022, 1, 1, tzinfo=datetime.UTC)),
        ]
    ]

    ids = pull(api_client, "/api/v1/source-ratings/?cursor=&page_size=1")

    assert ids == [r.pk for r in reversed(ratings)]


@pytest.mark.parametrize(
    "tampered",
    [
        "not-a-cursor",
        cursor("o=-5"),
        cursor("r=sideways"),
        cursor("p=yesterday"),
        cursor('p=["2024-01-01T00:00:00Z"]'),
        cursor('p=["2024-01-01T00:00:00Z", "x"]'),
        cursor("p=[null, 1]"),
        cursor('p={"a": 1}'),
    ],
)
def test_a_tampered_cursor_is_a_404(api_client, make_claim, tampered):
    make_claim()

    response = api_client.get("/api/v1/claims/", {"cursor": tampered})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


@pytest.mark.parametrize("extra", ["ordering=statement", "page=2"])
def test_a_cursor_with_ordering_or_a_page_number_is_a_400(api_client, make_claim, extra):
    make_claim()

    response = api_client.get(f"/api/v1/claims/?cursor=&{extra}")

    assert response.status_code == 400
    assert "cursor" in response.json()
