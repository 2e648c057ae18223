"""Every list and detail endpoint runs the same fixed number of queries whatever the page size.

Measured on the seed corpus as an anonymous reader (a token adds one query for the token and its user;
throttle counters live in the cache, not the database).
"""

from __future__ import annotations

import pytest

from apps.claims.models import Claim
from apps.credibility.models import SourceRating
from apps.entities.models import Entity

TALIBAN_CLOSE = "The relationship between the Taliban and al-Qaeda remains close."  # 1 conflict
POMPEO_BROKE = "The Taliban have succeeded in breaking with terrorist groups."  # 3 conflicts
CHINA_HOSTED = "China recently hosted a high-level Taliban delegation."  # 1 quote, no relation


@pytest.fixture
def seed_with_ratings(seed):
    """The seed corpus has no ratings: grade every entity once, more than a page of 50."""
    SourceRating.objects.bulk_create(
        [
            SourceRating(entity=entity, grade="B", rationale="Usually right.")
            for entity in Entity.objects.all()
        ]
    )


LISTS = [
    # 1 count  2 entities  3 aliases  4 the entities each draws on
    pytest.param("/api/v1/entities/", 4, id="entities"),
    # 1 count  2 documents+outlets  3 authors  4 cited documents  5 documents it draws on
    pytest.param("/api/v1/documents/", 5, id="documents"),
    # 1 count (published)  2 claims  3 their inline parts, one JSON array each: subjects,
    # attestations+documents+outlets+speakers+origins, outgoing and incoming relations+other claims
    # (visible ones)
    pytest.param("/api/v1/claims/", 3, id="claims"),
    # 1 count (of published claims)  2 attestations+documents+outlets+speakers+origins
    pytest.param("/api/v1/attestations/", 2, id="attestations"),
    # 1 count (both claims published)  2 relations+both claims
    pytest.param("/api/v1/relations/", 2, id="relations"),
    # 1 count  2 ratings
    pytest.param("/api/v1/source-ratings/", 2, id="source-ratings"),
]


SEARCHED = [
    # 1 the ids of the newest matches (the window; its length is the count), from a probe of the
    # newest entities (the seed has fewer than it looks at: each is checked)  2 entities  3 aliases
    # 4 the entities each draws on
    pytest.param("/api/v1/entities/", 4, id="entities"),
    # 1 window ids (a probe: the seed has fewer documents than it looks at)  2 documents+outlets
    # 3 authors  4 cited documents  5 documents it draws on
    pytest.param("/api/v1/documents/", 5, id="documents"),
    # 1 window ids (published; a probe)  2 claims  3 subjects, attestations+…, outgoing and incoming
    # relations
    pytest.param("/api/v1/claims/", 3, id="claims"),
]


@pytest.mark.parametrize(("url", "queries"), SEARCHED)
def test_a_searched_list_runs_the_same_queries_for_one_row_as_for_fifty(
    seed, api_client, django_assert_num_queries, url, queries
):
    query = {"/api/v1/entities/": "طالبان"}.get(url, "القاعدة")

    with django_assert_num_queries(queries):
        one = api_client.get(url, {"search": query, "page_size": 1})
    with django_assert_num_queries(queries):
        fifty = api_client.get(url, {"search": query, "page_size": 50})

    assert len(one.json()["results"]) == 1 and one.json()["count"] == fifty.json()["count"] > 1


@pytest.mark.parametrize(("url", "queries"), LISTS)
def test_a_list_runs_the_same_queries_for_one_row_as_for_fifty(
    seed_with_ratings, api_client, django_assert_num_queries, url, queries
):
    with django_assert_num_queries(queries):
        one = api_client.get(url, {"page_size": 1})
    with django_assert_num_queries(queries):
        fifty = api_client.get(url, {"page_size": 50})

    assert (one.status_code, fifty.status_code) == (200, 200)
    assert len(one.json()["results"]) == 1
    assert len(fifty.json()["results"]) == min(50, fifty.json()["count"]) > 1


@pytest.mark.parametrize("page_size", [1, 50])
def test_a_claim_detail_runs_one_query_whatever_its_fan_out(
    seed, api_client, django_assert_num_queries, page_size
):
    many = Claim.objects.get(statement=TALIBAN_CLOSE)
    few = Claim.objects.get(statement=CHINA_HOSTED)

    # 1 the claim, with its subjects, attestations+documents+outlets+speakers+origins, outgoing and
    # incoming relations+other claims (each part a JSON array of rows, subqueries of the claim's row)
    with django_assert_num_queries(1):
        busy = api_client.get(f"/api/v1/claims/{many.pk}/", {"page_size": page_size})
    with django_assert_num_queries(1):
        quiet = api_client.get(f"/api/v1/claims/{few.pk}/", {"page_size": page_size})

    assert (busy.status_code, quiet.status_code) == (200, 200)
    assert len(busy.json()["attestations"]) > 1 and len(busy.json()["relations"]) > 1
    assert (len(quiet.json()["attestations"]), quiet.json()["relations"]) == (1, [])


@pytest.mark.parametrize("page_size", [1, 50])
def test_conflicts_run_three_queries_for_one_conflict_as_for_three(
    seed, api_client, django_assert_num_queries, page_size
):
    one = Claim.objects.get(statement=TALIBAN_CLOSE)
    three = Claim.objects.get(statement=POMPEO_BROKE)

    # 1 the claim itself (does it exist for this user?)
    # 2 the claims contradicting it (the relation and visibility as a subquery)
    # 3 subjects, attestations+documents+outlets+speakers+origins, out and in relations
    with django_assert_num_queries(3):
        single = api_client.get(f"/api/v1/claims/{one.pk}/conflicts/", {"page_size": page_size})
    with django_assert_num_queries(3):
        triple = api_client.get(f"/api/v1/claims/{three.pk}/conflicts/", {"page_size": page_size})

    assert (len(single.json()), len(triple.json())) == (1, 3)
