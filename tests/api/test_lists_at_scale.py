"""The entities list and the filtered claim lists as written for a large corpus (issue 17): the same
answers as the definitions they replace, without a DISTINCT over whole claims or a subquery per row."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext

from apps.claims.models import Claim, ClaimRelation, ClaimSubject
from apps.claims.services import claims_set_status
from apps.credibility.models import SourceRating
from apps.credibility.selectors import track_records
from apps.credibility.services import credibility_recompute
from apps.entities.models import Entity

ROLES = ["anonymous", "consumer", "fact-checker", "editor"]


def all_ids(client, url: str) -> list[int]:
    """Every id of a list, page after page, in the list's order."""
    ids = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        ids += [row["id"] for row in response.json()["results"]]
        url = response.json()["next"]
    return ids


def old_has_conflicts(claims, visible, value: bool):
    """`?has_conflicts=` as written before issue 17: two correlated EXISTS, each with `IN (visible)`."""
    contradicts = ClaimRelation.objects.filter(kind=ClaimRelation.Kind.CONTRADICTS).filter(
        Q(from_claim=OuterRef("pk"), to_claim__in=visible)
        | Q(to_claim=OuterRef("pk"), from_claim__in=visible)
    )
    return claims.filter(Exists(contradicts)) if value else claims.exclude(Exists(contradicts))


@pytest.fixture
def seed_with_drafts(seed, make_claim):
    """The seed, with a draft contradicting a published claim that nothing else contradicts, and a
    draft about the seed's commonest subject contradicting a published claim that is contradicted."""
    subjects = ClaimSubject.objects.values_list("entity_id", flat=True)
    commonest = max(set(subjects), key=lambda pk: (list(subjects).count(pk), -pk))
    contradicted = ClaimRelation.objects.filter(kind=ClaimRelation.Kind.CONTRADICTS)
    in_conflict = {pk for pair in contradicted.values_list("from_claim", "to_claim") for pk in pair}
    alone = Claim.objects.published().exclude(pk__in=in_conflict).order_by("pk").first()
    for other in (alone, Claim.objects.filter(pk__in=in_conflict).order_by("pk").first()):
        draft = make_claim("Al-Qaeda left Kunar.", publication=Claim.Publication.DRAFT)
        draft.subjects.add(commonest)
        low, high = sorted([draft, other], key=lambda claim: claim.pk)
        ClaimRelation.objects.create(kind=ClaimRelation.Kind.CONTRADICTS, from_claim=low, to_claim=high)
    return commonest


@pytest.mark.parametrize("role", ROLES)
def test_subject_and_has_conflicts_find_what_the_old_definitions_found(
    client_as, seed_with_drafts, unthrottled, role
):
    client = client_as(role)
    visible = Claim.objects.published() if role in ("anonymous", "consumer") else Claim.objects.all()
    subjects = sorted(set(ClaimSubject.objects.values_list("entity_id", flat=True)))
    assert len(subjects) >= 2
    cases = {"": visible}
    for value in (True, False):
        cases[f"has_conflicts={str(value).lower()}"] = old_has_conflicts(visible, visible, value)
    for subject in subjects:
        about = visible.filter(subjects__in=[subject]).distinct()
        cases[f"subject={subject}"] = about
        for value in (True, False):
            cases[f"subject={subject}&has_conflicts={str(value).lower()}"] = old_has_conflicts(
                about, visible, value
            )
    pair = visible.filter(subjects__in=subjects[:2]).distinct()
    cases[f"subject={subjects[0]}&subject={subjects[1]}"] = pair
    cases[f"subject={subjects[0]}&subject={subjects[1]}&has_conflicts=true"] = old_has_conflicts(
        pair, visible, True
    )

    found = {query: all_ids(client, f"/api/v1/claims/?page_size=100&{query}") for query in cases}

    expected = {
        query: list(claims.order_by("-created", "-id").values_list("pk", flat=True))
        for query, claims in cases.items()
    }
    assert found == expected
    assert any(found[f"subject={s}&has_conflicts=true"] for s in subjects)  # the cases are not all empty


def test_a_list_by_subject_and_conflicts_runs_no_distinct_and_the_queries_of_the_plain_list(
    api_client, seed_with_drafts
):
    with CaptureQueriesContext(connection) as plain:
        api_client.get("/api/v1/claims/?page_size=50")
    with CaptureQueriesContext(connection) as filtered:
        response = api_client.get(
            f"/api/v1/claims/?page_size=50&subject={seed_with_drafts}&has_conflicts=true"
        )

    assert response.status_code == 200 and response.json()["count"] > 0
    assert len(filtered) == len(plain) + 1  # the subject's id looked up, to refuse an unknown one
    # a DISTINCT over every claim column (the explanation and the search vector too) was the cost
    assert not [query["sql"] for query in filtered.captured_queries if "DISTINCT" in query["sql"]]


def test_has_conflicts_reads_the_stored_contradicted_claims_not_the_relations(api_client, seed_with_drafts):
    with CaptureQueriesContext(connection) as queries:
        api_client.get("/api/v1/claims/?page_size=50&has_conflicts=true")

    count = next(q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"])
    # one uncorrelated subquery over the stored rows: not the relations with both ends' publication
    # (linear in the contradictions), nor an EXISTS correlated with each claim
    assert count.count('"claims_contradictedclaim"') == 1
    assert '"claims_claimrelation"' not in count
    assert '= ("claims_claim"."id")' not in count


def expected_reliability(entity_id: int, records, current) -> dict:
    """An entity's `reliability` computed from scratch: its latest rating and a count of its claims."""
    rating, record = current.get(entity_id), records[entity_id]
    return {
        "grade": rating.grade if rating else None,
        "rationale": rating.rationale if rating else None,
        "rated_at": rating.rated_at if rating else None,
        "track_record": {
            "affirmed": record.affirmed,
            "corroborated": record.corroborated,
            "refuted": record.refuted,
            "sample_size": record.sample,
            "score": record.score,
        },
    }


def test_the_entities_list_shows_each_entitys_figures_as_computed_from_scratch(api_client, seed):
    entities = list(Entity.objects.order_by("pk"))
    SourceRating.objects.bulk_create(
        SourceRating(entity=entity, grade="ABCDEF"[n % 6], rationale=f"Record {n}.")
        for n, entity in enumerate(entities[::2])
    )
    published = Claim.objects.published().exclude(credibility_affirmers=[]).order_by("pk")
    claims_set_status(claim_ids=[c.pk for c in published[::3]], status=Claim.Status.REFUTED)
    claims_set_status(claim_ids=[c.pk for c in published[1::3]], status=Claim.Status.CORROBORATED)
    credibility_recompute()

    response = api_client.get("/api/v1/entities/?page_size=100")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == len(entities)
    records = track_records(entity_ids=[e.pk for e in entities])
    current = {rating.entity_id: rating for rating in SourceRating.objects.current()}
    for row in rows:
        shown = row["reliability"]
        if shown["rated_at"] is not None:
            shown["rated_at"] = datetime.datetime.fromisoformat(shown["rated_at"])
        assert shown == expected_reliability(row["id"], records, current)
    assert any(row["reliability"]["track_record"]["sample_size"] for row in rows)


def test_a_list_builds_the_filters_it_names_and_the_browsable_form_shows_them_all(
    api_client, seed_with_drafts, monkeypatch
):
    from apps.api.v1.filters import ClaimFilter

    built = []
    init = ClaimFilter.__init__

    def recording(self, *args, **kwargs):
        init(self, *args, **kwargs)
        built.append(sorted(self.filters))

    monkeypatch.setattr(ClaimFilter, "__init__", recording)

    response = api_client.get(f"/api/v1/claims/?subject={seed_with_drafts}&has_conflicts=true&page_size=5")
    page = api_client.get("/api/v1/claims/?has_conflicts=true", HTTP_ACCEPT="text/html")

    assert response.status_code == 200 and response.json()["count"] > 0
    assert page.status_code == 200
    # the list's own filtering copied two of the twenty filters; the browsable API's form had every one
    assert built[0] == ["has_conflicts", "subject"]
    assert built[-1] == sorted(ClaimFilter.base_filters) and len(built[-1]) > 10
