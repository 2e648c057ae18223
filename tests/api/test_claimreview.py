"""ClaimReview JSON-LD out: one claim, and the feed of reviewed claims, as Google's fact-check
structured data asks for them; checked by expanding them with a JSON-LD processor (PyLD) against
schema.org's own context, served from tests/fixtures/schemaorg/ (no network)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from django.urls import reverse
from pyld import jsonld

from apps.claims.models import Claim
from apps.core.models import DatePrecision

TIES_REMAIN_CLOSE = "The relationship between the Taliban and al-Qaeda remains close."
CONTEXT_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "schemaorg" / "schemaorgcontext.jsonld"
SCHEMA = "http://schema.org/"

# Google's fact-check structured data: what it requires, and what it recommends, of each object
REQUIRED = {"ClaimReview": ["claimReviewed", "reviewRating", "url"], "Rating": ["alternateName"]}
RECOMMENDED = {
    "ClaimReview": ["author", "datePublished", "itemReviewed"],
    "Organization": ["name", "url"],
    "Rating": ["bestRating", "ratingValue", "worstRating"],
    "Claim": ["appearance", "author", "datePublished", "firstAppearance"],
}


def schema_org_loader(url: str, options=None) -> dict:
    """Serve schema.org's context for https://schema.org and http://schema.org; refuse anything else."""
    if url.rstrip("/") not in {"https://schema.org", "http://schema.org"}:
        raise jsonld.JsonLdError(
            f"no network in tests: {url}", "jsonld.LoadDocumentError", code="loading document failed"
        )
    document = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": document}


def expand(document: dict) -> list[dict]:
    return jsonld.expand(document, {"documentLoader": schema_org_loader})


def one(node: dict, term: str) -> dict:
    values = node.get(SCHEMA + term, [])
    assert len(values) == 1, (term, values)
    return values[0]


def value(node: dict, term: str):
    return one(node, term).get("@value", one(node, term).get("@id"))


@pytest.fixture
def ties_remain_close(seed) -> Claim:
    return Claim.objects.get(statement=TIES_REMAIN_CLOSE)


def test_the_ties_remain_close_claim_expands_with_every_property_google_asks_for(
    api_client, ties_remain_close
):
    response = api_client.get(f"/api/v1/claims/{ties_remain_close.pk}/claimreview/")

    assert response.status_code == 200 and response["Content-Type"] == "application/ld+json"
    [review] = expand(json.loads(response.content))
    assert review["@type"] == [SCHEMA + "ClaimReview"]
    for term in REQUIRED["ClaimReview"] + RECOMMENDED["ClaimReview"]:
        assert SCHEMA + term in review, term
    assert value(review, "claimReviewed") == TIES_REMAIN_CLOSE
    assert value(review, "url") == f"http://testserver/api/v1/claims/{ties_remain_close.pk}/"
    publisher = one(review, "author")
    assert publisher["@type"] == [SCHEMA + "Organization"]
    assert value(publisher, "name") == "ClaimTrack" and value(publisher, "url") == "http://testserver/"
    rating = one(review, "reviewRating")
    assert rating["@type"] == [SCHEMA + "Rating"]
    for term in REQUIRED["Rating"] + RECOMMENDED["Rating"]:
        assert SCHEMA + term in rating, term
    # the seed grades it B1 and no one has reviewed it yet
    assert value(rating, "alternateName") == "Not yet reviewed — confirmed by independent sources (B1)"
    assert (value(rating, "ratingValue"), value(rating, "bestRating"), value(rating, "worstRating")) == (
        5,
        5,
        1,
    )
    claim = one(review, "itemReviewed")
    assert claim["@type"] == [SCHEMA + "Claim"]
    for term in RECOMMENDED["Claim"]:
        assert SCHEMA + term in claim, term


def test_every_appearance_carries_its_quote_exactly_with_its_language(api_client, ties_remain_close):
    response = api_client.get(f"/api/v1/claims/{ties_remain_close.pk}/claimreview/")

    [review] = expand(json.loads(response.content))
    appearances = one(review, "itemReviewed")[SCHEMA + "appearance"]
    texts = Counter(value(work, "text") for work in appearances)
    assert texts == Counter(a.quote for a in ties_remain_close.attestations.all())
    assert len(appearances) == 6
    for work in appearances:
        assert work["@type"] == [SCHEMA + "CreativeWork"]
        assert value(work, "inLanguage") == "ar"
        assert SCHEMA + "headline" in work


def test_dates_are_as_precise_as_they_are_known(api_client, ties_remain_close):
    body = api_client.get(f"/api/v1/claims/{ties_remain_close.pk}/claimreview/").json()

    claim = body["itemReviewed"]
    dates = [work.get("datePublished") for work in claim["appearance"]]
    # the seed's documents: a report of 2020, an article of 5 June 2021, three quotes of 2023, one of 2024
    assert dates == ["2020", "2021-06-05", "2023", "2023", "2023", "2024"]
    assert claim["firstAppearance"] == claim["appearance"][0]
    assert claim["datePublished"] == "2020"
    # the first quote relays the UN Monitoring Team; it has no speaker of its own in that report
    assert claim["author"]["name"] == "UN Analytical Support and Sanctions Monitoring Team"
    assert claim["author"]["@type"] == "Organization"
    assert body["datePublished"] == ties_remain_close.updated.date().isoformat()


def test_a_speaker_is_the_appearances_author_as_a_person_or_an_organisation(api_client, ties_remain_close):
    body = api_client.get(f"/api/v1/claims/{ties_remain_close.pk}/claimreview/").json()

    authors = {
        work["author"]["name"]: work["author"]["@type"]
        for work in body["itemReviewed"]["appearance"]
        if "author" in work
    }
    assert authors == {
        "The Soufan Group": "Organization",
        "Hisham al-Najjar": "Person",
        "Hibatullah Akhundzada": "Person",
    }


@pytest.mark.parametrize(
    ("status", "grade", "pair", "words", "rating"),
    [
        ("disputed", 4, "C4", "Disputed — doubtful (C4)", 2),
        ("corroborated", 1, "A1", "Corroborated — confirmed by independent sources (A1)", 5),
        ("refuted", 5, "B5", "Refuted — improbable (B5)", 1),
        ("unverifiable", 6, "F6", "Unverifiable — truth cannot be judged (F6)", None),
    ],
)
def test_the_rating_gives_the_verdict_in_words_and_the_grade_on_a_scale_of_five(
    api_client, make_claim, status, grade, pair, words, rating
):
    claim = make_claim(status=status, status_note="Two independent reports say otherwise.")
    Claim.objects.filter(pk=claim.pk).update(credibility=grade, credibility_explanation={"pair": pair})

    review = api_client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()

    assert review["reviewRating"]["alternateName"] == words
    assert review["reviewRating"].get("ratingValue") == rating
    assert review["reviewRating"]["ratingExplanation"] == "Two independent reports say otherwise."
    if rating is None:  # grade 6 is no point on a scale of truth: no scale either
        assert "bestRating" not in review["reviewRating"] and "worstRating" not in review["reviewRating"]


def test_the_publisher_and_the_review_address_come_from_the_settings(api_client, make_claim, settings):
    settings.CLAIMREVIEW_PUBLISHER_NAME = "مرصد الادعاءات"
    settings.CLAIMREVIEW_PUBLISHER_URL = "https://claims.example.org/"
    settings.CLAIMREVIEW_URL_TEMPLATE = "https://claims.example.org/claims/{id}/"
    claim = make_claim()

    review = api_client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()

    assert review["author"] == {
        "@type": "Organization",
        "name": "مرصد الادعاءات",
        "url": "https://claims.example.org/",
    }
    assert review["url"] == f"https://claims.example.org/claims/{claim.pk}/"


def test_a_claim_without_appearances_is_a_claim_without_appearances(api_client, make_claim):
    claim = make_claim()

    review = api_client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()

    assert review["itemReviewed"] == {"@type": "Claim"}


def test_a_document_dated_to_the_month_gives_a_month(api_client, make_attestation, make_entity):
    outlet = make_entity(name="الجزيرة", kind="outlet")
    attestation = make_attestation()
    document = attestation.document
    document.published, document.published_precision = "2023-06-01", DatePrecision.MONTH
    document.outlet, document.url = outlet, "https://example.org/article"
    document.save()

    review = api_client.get(f"/api/v1/claims/{attestation.claim_id}/claimreview/").json()

    [work] = review["itemReviewed"]["appearance"]
    assert work["datePublished"] == "2023-06" and work["url"] == "https://example.org/article"
    assert work["publisher"]["name"] == "الجزيرة" and work["publisher"]["@type"] == "Organization"
    assert review["itemReviewed"]["datePublished"] == "2023-06"


def test_a_draft_is_not_found_by_readers_and_shown_to_editors(api_client, editor_api_client, make_claim):
    draft = make_claim(publication=Claim.Publication.DRAFT)

    assert api_client.get(f"/api/v1/claims/{draft.pk}/claimreview/").status_code == 404
    assert editor_api_client.get(f"/api/v1/claims/{draft.pk}/claimreview/").status_code == 200


def test_plain_json_is_there_for_clients_that_ask_for_it(api_client, make_claim):
    claim = make_claim()

    asked = api_client.get(f"/api/v1/claims/{claim.pk}/claimreview/", HTTP_ACCEPT="application/json")
    by_format = api_client.get(f"/api/v1/claims/{claim.pk}/claimreview/?format=json")

    assert asked["Content-Type"] == by_format["Content-Type"] == "application/json"
    assert asked.json()["@type"] == "ClaimReview"


# --- the feed ---------------------------------------------------------------------------------


def test_the_feed_has_every_published_claim_with_a_verdict_and_nothing_else(
    api_client, editor_api_client, seed, make_claim
):
    make_claim(status="refuted", publication=Claim.Publication.DRAFT)  # a draft is in no public feed
    expected = Claim.objects.published().exclude(status="unreviewed")

    for client in (api_client, editor_api_client):
        body = client.get("/api/v1/claimreview/", {"page_size": 200}).json()

        assert body["count"] == expected.count() == 5
        assert {review["claimReviewed"] for review in body["results"]} == set(
            expected.values_list("statement", flat=True)
        )
        assert all(review["@type"] == "ClaimReview" for review in body["results"])


def test_the_feed_pages_by_number_and_by_cursor(api_client, seed):
    numbered = api_client.get("/api/v1/claimreview/", {"page_size": 2}).json()
    first = api_client.get("/api/v1/claimreview/", {"page_size": 2, "cursor": ""}).json()
    second = api_client.get(first["next"]).json()

    assert numbered["count"] == 5 and len(numbered["results"]) == 2 and "page=2" in numbered["next"]
    assert len(first["results"]) == len(second["results"]) == 2
    assert not {r["url"] for r in first["results"]} & {r["url"] for r in second["results"]}


@pytest.mark.parametrize("page_size", [1, 50])
def test_the_feed_runs_four_queries_whatever_the_page_size(
    api_client, seed, django_assert_num_queries, page_size
):
    # 1 count  2 claims  3 attestations+documents+outlets+speakers+origins  4 the documents' authors
    with django_assert_num_queries(4):
        response = api_client.get("/api/v1/claimreview/", {"page_size": page_size})

    assert len(response.json()["results"]) == min(page_size, 5)


def test_one_claim_runs_three_queries_whatever_its_appearances(
    api_client, ties_remain_close, make_claim, django_assert_num_queries
):
    # 1 claim  2 attestations+documents+outlets+speakers+origins  3 the documents' authors
    with django_assert_num_queries(3):
        busy = api_client.get(f"/api/v1/claims/{ties_remain_close.pk}/claimreview/")

    assert len(busy.json()["itemReviewed"]["appearance"]) == 6


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/api/v1/claimreview/?page_size=0", 400, "page_size"),
        ("/api/v1/claimreview/?ordering=statement", 400, "ordering"),
        ("/api/v1/claimreview/?page=99", 404, "detail"),
        ("/api/v1/claimreview/?cursor=nonsense", 404, "detail"),
        ("/api/v1/claims/999999/claimreview/", 404, "detail"),
    ],
)
def test_bad_input_is_answered_in_words_as_documented(
    api_client, seed, assert_documented, url, status, field
):
    response = api_client.get(url)

    assert response.status_code == status
    assert field in response.json()
    assert_documented(response)


def test_both_endpoints_are_in_the_schema_and_documented(
    api_client, seed, assert_documented, ties_remain_close
):
    for url in ["/api/v1/claimreview/", f"/api/v1/claims/{ties_remain_close.pk}/claimreview/"]:
        response = api_client.get(url)

        assert response.status_code == 200
        assert_documented(response)
    assert reverse("claim-claimreview", args=[1]) == "/api/v1/claims/1/claimreview/"
