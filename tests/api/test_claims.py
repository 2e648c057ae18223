"""Claims through the API: what one looks like, who contradicts it, every filter, ordering, bad values."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from apps.claims.models import Claim, ClaimRelation
from apps.entities.models import Entity

TALIBAN_CLOSE = "The relationship between the Taliban and al-Qaeda remains close."
POMPEO_BROKE = "The Taliban have succeeded in breaking with terrorist groups."


def result_ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def corpus(make_entity, make_document, make_claim, make_attestation):
    """Three published claims and a draft, spread over speakers, outlets, documents and dates.

    c1  en  corroborated  about the Taliban   affirmed by Pompeo in doc1 (outlet1, 2020-03-01)
    c2  ar  disputed      about al-Qaeda      denied by Soufan in doc2 (outlet2, 2021-06-05); contradicts c1
    c3  en  unreviewed    about both          affirmed in doc3 (no outlet, no date)
    draft                 about the Taliban   affirmed by Pompeo in doc1
    """
    taliban, qaeda = make_entity("Taliban"), make_entity("al-Qaeda")
    pompeo = make_entity("Mike Pompeo", kind=Entity.Kind.PERSON)
    soufan = make_entity("The Soufan Group")
    outlet1 = make_entity("Al Jazeera", kind=Entity.Kind.OUTLET)
    outlet2 = make_entity("Independent Arabia", kind=Entity.Kind.OUTLET)
    doc1 = make_document(outlet=outlet1, published=datetime.date(2020, 3, 1))
    doc2 = make_document(outlet=outlet2, published=datetime.date(2021, 6, 5))
    doc3 = make_document()
    c1 = make_claim("The Taliban broke with al-Qaeda.", status=Claim.Status.CORROBORATED)
    c2 = make_claim("القاعدة ما زالت في كونار", language="ar", status=Claim.Status.DISPUTED)
    c3 = make_claim("Al-Qaeda is in Kunar.", status=Claim.Status.UNREVIEWED)
    draft = make_claim("A draft about the Taliban.", publication=Claim.Publication.DRAFT)
    c1.subjects.set([taliban])
    c2.subjects.set([qaeda])
    c3.subjects.set([taliban, qaeda])
    draft.subjects.set([taliban])
    make_attestation(claim=c1, document=doc1, speaker=pompeo)
    make_attestation(claim=c2, document=doc2, speaker=soufan, stance="denies")
    make_attestation("القاعدة ما زالت في كونار", claim=c3, document=doc3)
    make_attestation(claim=draft, document=doc1, speaker=pompeo)
    ClaimRelation.objects.create(kind=ClaimRelation.Kind.CONTRADICTS, from_claim=c1, to_claim=c2)
    return SimpleNamespace(**locals())


# --- one claim ----------------------------------------------------------------------------


def test_a_claim_is_read_with_its_subjects_quotes_sources_and_relations(
    api_client, make_entity, make_document, make_claim, make_attestation
):
    taliban = make_entity("Taliban")
    speaker = make_entity("The Soufan Group")
    monitoring_team = make_entity("UN Monitoring Team")
    outlet = make_entity("Al Jazeera", kind=Entity.Kind.OUTLET)
    report = make_document(body="", title="UN report", language="en")
    document = make_document(outlet=outlet, published=datetime.date(2021, 6, 5))
    claim = make_claim("The Taliban broke with al-Qaeda.", language="en")
    claim.subjects.set([taliban])
    other = make_claim("Al-Qaeda is in Kunar.")
    relation = ClaimRelation.objects.create(
        kind=ClaimRelation.Kind.CONTRADICTS, from_claim=claim, to_claim=other
    )
    attestation = make_attestation(
        claim=claim,
        document=document,
        speaker=speaker,
        origin_entity=monitoring_team,
        origin_document=report,
        stance="denies",
    )

    response = api_client.get(f"/api/v1/claims/{claim.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert {
        "id",
        "statement",
        "language",
        "subjects",
        "status",
        "publication",
        "attestations",
        "relations",
        "created",
        "updated",
    } <= body.keys()
    assert (body["id"], body["statement"], body["language"]) == (claim.pk, claim.statement, "en")
    assert (body["status"], body["publication"]) == ("unreviewed", "published")
    assert body["subjects"] == [{"id": taliban.pk, "name": "Taliban", "kind": "organization"}]
    [quoted] = body["attestations"]
    assert {
        "id": attestation.pk,
        "quote": "طالبان قطعت علاقاتها مع القاعدة",
        "start": attestation.start,
        "end": attestation.end,
        "stance": "denies",
        "speaker": {"id": speaker.pk, "name": "The Soufan Group", "kind": "organization"},
        "origin_entity": {"id": monitoring_team.pk, "name": "UN Monitoring Team", "kind": "organization"},
        "origin_document": {"id": report.pk, "title": "UN report"},
    }.items() <= quoted.items()
    assert {
        "id": document.pk,
        "title": "مقال",
        "outlet": {"id": outlet.pk, "name": "Al Jazeera", "kind": "outlet"},
        "published": "2021-06-05",
        "language": "ar",
    }.items() <= quoted["document"].items()
    [related] = body["relations"]
    assert {"id": relation.pk, "kind": "contradicts", "direction": "outgoing"}.items() <= related.items()
    assert {"id": other.pk, "statement": "Al-Qaeda is in Kunar."}.items() <= related["claim"].items()
    assert body["created"] and body["updated"]


def test_a_relation_is_seen_from_the_other_claim_as_incoming(api_client, make_claim):
    general, specific = (
        make_claim("The Taliban fight ISKP."),
        make_claim("The Taliban executed ISKP's leader."),
    )
    ClaimRelation.objects.create(kind=ClaimRelation.Kind.REFINES, from_claim=specific, to_claim=general)

    body = api_client.get(f"/api/v1/claims/{general.pk}/").json()

    [related] = body["relations"]
    assert (related["kind"], related["direction"]) == ("refines", "incoming")
    assert related["claim"]["id"] == specific.pk


def test_conflicts_lists_pompeo_against_the_close_taliban_al_qaeda_relationship(seed, api_client):
    claim = Claim.objects.get(statement=TALIBAN_CLOSE)

    response = api_client.get(f"/api/v1/claims/{claim.pk}/conflicts/")

    assert response.status_code == 200
    [conflict] = response.json()
    assert conflict["statement"] == POMPEO_BROKE
    assert conflict["attestations"], "each conflicting claim comes with its quotes"
    assert "Mike Pompeo" in {a["speaker"]["name"] for a in conflict["attestations"] if a["speaker"]}


def test_conflicts_are_found_whichever_way_round_the_contradiction_is_stored(api_client, make_claim):
    claim, earlier, later = make_claim("B"), make_claim("A"), make_claim("C")
    unrelated = make_claim("D")
    ClaimRelation.objects.create(kind=ClaimRelation.Kind.CONTRADICTS, from_claim=earlier, to_claim=claim)
    ClaimRelation.objects.create(kind=ClaimRelation.Kind.CONTRADICTS, from_claim=claim, to_claim=later)
    ClaimRelation.objects.create(kind=ClaimRelation.Kind.SUPPORTS, from_claim=unrelated, to_claim=claim)

    response = api_client.get(f"/api/v1/claims/{claim.pk}/conflicts/")

    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == sorted([earlier.pk, later.pk])


def test_conflicts_are_one_documented_list_that_list_filters_and_pages_do_not_touch(
    api_client, make_claim, assert_documented
):
    claim, other = make_claim("B"), make_claim("A", status=Claim.Status.DISPUTED)
    ClaimRelation.objects.create(kind=ClaimRelation.Kind.CONTRADICTS, from_claim=other, to_claim=claim)

    response = api_client.get(
        f"/api/v1/claims/{claim.pk}/conflicts/", {"status": "refuted", "page": 9, "ordering": "nonsense"}
    )

    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [other.pk]
    assert_documented(response)


def test_a_claim_without_contradictions_has_no_conflicts(api_client, make_claim):
    claim = make_claim()

    response = api_client.get(f"/api/v1/claims/{claim.pk}/conflicts/")

    assert (response.status_code, response.json()) == (200, [])


def test_the_api_root_lists_its_resources(api_client):
    response = api_client.get("/api/v1/")

    assert response.status_code == 200
    assert set(response.json()) == {
        "entities",
        "documents",
        "claims",
        "attestations",
        "relations",
        "source-ratings",
        "regrades",
        "claimreview",
    }


# --- filters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("subject={taliban.pk}", {"c1", "c3"}),
        ("subject={taliban.pk}&subject={qaeda.pk}", {"c1", "c2", "c3"}),
        ("speaker={pompeo.pk}", {"c1"}),
        ("speaker={pompeo.pk}&speaker={soufan.pk}", {"c1", "c2"}),
        ("outlet={outlet2.pk}", {"c2"}),
        ("outlet={outlet1.pk}&outlet={outlet2.pk}", {"c1", "c2"}),
        ("document={doc3.pk}", {"c3"}),
        ("document={doc2.pk}&document={doc3.pk}", {"c2", "c3"}),
        ("status=disputed", {"c2"}),
        ("status=disputed&status=unreviewed", {"c2", "c3"}),
        ("status=refuted", set()),
        ("publication=published", {"c1", "c2", "c3"}),
        ("language=ar", {"c2"}),
        ("stance=denies", {"c2"}),
        ("stance=affirms", {"c1", "c3"}),
        ("reported_after=2021-01-01", {"c2"}),
        ("reported_after=2021-06-05", {"c2"}),
        ("reported_after=2021-06-06", set()),
        ("reported_before=2020-12-31", {"c1"}),
        ("reported_before=2020-03-01", {"c1"}),
        ("reported_before=2020-02-29", set()),
        ("has_conflicts=true", {"c1", "c2"}),
        ("has_conflicts=false", {"c3"}),
        ("has_conflicts=1", {"c1", "c2"}),
        ("has_conflicts=0", {"c3"}),
        ("subject={taliban.pk}&has_conflicts=false", {"c3"}),
    ],
)
def test_a_claim_filter_returns_exactly_the_matching_published_claims(api_client, corpus, query, expected):
    response = api_client.get("/api/v1/claims/?" + query.format(**vars(corpus)))

    assert result_ids(response) == {getattr(corpus, name).pk for name in expected}


def test_a_reporting_window_needs_one_document_inside_it(
    api_client, make_claim, make_document, make_attestation
):
    claim = make_claim("Reported in 2020 and in 2022, never in 2021.")
    for year in (2020, 2022):
        make_attestation(claim=claim, document=make_document(published=datetime.date(year, 6, 1)))

    inside = api_client.get("/api/v1/claims/?reported_after=2020-01-01&reported_before=2020-12-31")
    between = api_client.get("/api/v1/claims/?reported_after=2021-01-01&reported_before=2021-12-31")

    assert result_ids(inside) == {claim.pk}
    assert result_ids(between) == set()


def test_a_reporting_window_that_ends_before_it_starts_is_a_400(api_client, make_claim):
    make_claim()

    response = api_client.get("/api/v1/claims/?reported_after=2022-01-01&reported_before=2021-01-01")

    assert response.status_code == 400
    assert "reported_before" in response.json()


def test_the_publication_filter_finds_drafts_for_an_editor(editor_api_client, corpus):
    response = editor_api_client.get("/api/v1/claims/?publication=draft")

    assert result_ids(response) == {corpus.draft.pk}


def test_a_claim_quoted_twice_in_a_filtered_document_is_listed_once(
    api_client, make_claim, make_document, make_attestation
):
    document, claim = make_document(), make_claim()
    make_attestation("طالبان قطعت علاقاتها مع القاعدة", claim=claim, document=document)
    make_attestation("القاعدة ما زالت في كونار", claim=claim, document=document)

    response = api_client.get(f"/api/v1/claims/?document={document.pk}")

    assert [row["id"] for row in response.json()["results"]] == [claim.pk]
    assert response.json()["count"] == 1


# --- ordering -----------------------------------------------------------------------------


def test_claims_are_listed_newest_first_by_default(api_client, make_claim):
    first, second, third = make_claim("b"), make_claim("c"), make_claim("a")

    response = api_client.get("/api/v1/claims/")

    assert [row["id"] for row in response.json()["results"]] == [third.pk, second.pk, first.pk]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("statement", ["a", "b", "c"]),
        ("-statement", ["c", "b", "a"]),
        ("id", ["b", "c", "a"]),
        ("-id", ["a", "c", "b"]),
        ("created", ["b", "c", "a"]),
        ("status,-id", ["c", "a", "b"]),
    ],
)
def test_claims_are_ordered_by_the_ordering_parameter(api_client, make_claim, ordering, expected):
    make_claim("b", status=Claim.Status.DISPUTED)
    make_claim("c", status=Claim.Status.CORROBORATED)
    make_claim("a", status=Claim.Status.DISPUTED)

    response = api_client.get(f"/api/v1/claims/?ordering={ordering}")

    assert response.status_code == 200
    assert [row["statement"] for row in response.json()["results"]] == expected


# --- malformed values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("status=bogus", "status"),
        ("publication=secret", "publication"),
        ("stance=maybe", "stance"),
        ("reported_after=yesterday", "reported_after"),
        ("reported_before=2021-13-01", "reported_before"),
        ("subject=abc", "subject"),
        ("speaker=999999", "speaker"),
        ("outlet=999999", "outlet"),
        ("document=abc", "document"),
        ("ordering=bogus", "ordering"),
        ("ordering=-created,bogus", "ordering"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
        ("page_size=ten", "page_size"),
        ("has_conflicts=maybe", "has_conflicts"),
    ],
)
def test_a_malformed_claim_query_is_a_400_naming_the_parameter(api_client, make_claim, query, parameter):
    make_claim()

    response = api_client.get("/api/v1/claims/?" + query)

    assert response.status_code == 400, response.content
    assert parameter in response.json()
