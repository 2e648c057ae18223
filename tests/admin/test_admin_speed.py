"""The admin stays fast as the tables grow: a fixed number of queries per changelist whatever the
number of rows, no COUNT(*) of a long list, and the entity list's computed columns still right and
sortable. (Timings are benchmarks, not tests: bench/admin_pages.py, docs/performance.md.)"""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.claims.models import Claim, ClaimRelation
from apps.core import admin_paginator
from apps.core.admin_paginator import EstimatedCountPaginator, queryset_estimate
from apps.credibility.models import SourceRating
from apps.credibility.services import credibility_recompute
from apps.documents.models import Document
from apps.entities.models import Alias, Entity

CHANGELISTS = {
    "entities": "/admin/entities/entity/",
    "claims": "/admin/claims/claim/",
    "attestations": "/admin/claims/attestation/",
    "relations": "/admin/claims/claimrelation/",
    "documents": "/admin/documents/document/",
    "source ratings": "/admin/credibility/sourcerating/",
}


@pytest.fixture
def grow(make_entity, make_claim, make_attestation):
    """Add rows until there are `rows` of each kind the changelists show, each with everything its
    columns name: a claim with a quote in its own document, a speaker with an alias and a rating, an
    origin, an outlet, a subject, and a contradiction of the claim before it."""
    outlet = make_entity("العربية", kind=Entity.Kind.OUTLET)
    origin = make_entity("UN Monitoring Team")

    def grow(rows: int) -> None:
        for n in range(Claim.objects.count(), rows):
            speaker = make_entity(f"Speaker {n}", kind=Entity.Kind.PERSON, parent=outlet)
            Alias.objects.create(entity=speaker, name=f"المتحدث {n}", language="ar")
            SourceRating.objects.create(entity=speaker, grade="B", rationale="Held up before.")
            claim = make_claim(
                f"Claim number {n}.", status=Claim.Status.CORROBORATED if n % 2 else "unreviewed"
            )
            claim.subjects.add(speaker)
            make_attestation(claim=claim, speaker=speaker, origin_entity=origin)
            Document.objects.filter(attestations__claim=claim).update(outlet=outlet)
            previous = Claim.objects.exclude(pk=claim.pk).order_by("-pk").first()
            if previous is not None:
                ClaimRelation.objects.create(
                    kind=ClaimRelation.Kind.CONTRADICTS, from_claim=previous, to_claim=claim
                )
        credibility_recompute()

    return grow


def _queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_a_changelist_runs_as_many_queries_for_forty_rows_as_for_ten(admin_client, grow, changelist):
    # every list: 1 session  2 user  3 the planner's estimate (EXPLAIN)  4 the count, exact below the
    #   threshold and stopped past it  5 the page, its counts as subqueries, its related rows joined
    # then, per list: the entities' aliases and track records (2); the claims' subject and language
    #   filters (2); the attestations' language filter; the documents' date drill-down (2) and
    #   language filter
    url = CHANGELISTS[changelist]
    grow(10)
    ten = _queries(admin_client, url)

    grow(40)
    forty = _queries(admin_client, url)

    assert len(forty) == len(ten), "\n\n".join(forty)


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_a_changelist_counts_only_once(admin_client, grow, changelist):
    grow(3)

    queries = _queries(admin_client, CHANGELISTS[changelist] + "?q=Speaker")

    # the filtered list is counted; the whole table is not counted again beside it
    assert len([sql for sql in queries if sql.startswith("SELECT COUNT(")]) == 1


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_a_long_changelist_shows_the_planners_estimate_and_never_counts_all_of_it(
    admin_client, grow, monkeypatch, changelist
):
    # a list longer than the threshold (here 1 row, to keep the test small) the planner puts at 300,000
    grow(3)
    monkeypatch.setattr(admin_paginator, "queryset_estimate", lambda queryset: 300_000)
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_above", 1)

    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get(CHANGELISTS[changelist])

    assert response.status_code == 200
    assert response.context["cl"].result_count == 300_000
    counts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT COUNT(")]
    # one count, and it stops one row past the threshold
    assert len(counts) == 1 and "LIMIT 2" in counts[0]


@pytest.mark.parametrize("changelist", ["claims", "entities"])
def test_a_short_list_whose_statistics_say_it_is_long_is_counted_exactly(
    admin_client, grow, monkeypatch, changelist
):
    # statistics that still count rows deleted since (tests, purges) must not make 5 rows look like 30,000
    grow(5)
    monkeypatch.setattr(admin_paginator, "queryset_estimate", lambda queryset: 30_000)

    response = admin_client.get(CHANGELISTS[changelist])

    model = Claim if changelist == "claims" else Entity
    assert response.context["cl"].result_count == model.objects.count()


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_a_short_changelist_shows_its_exact_count(admin_client, grow, changelist):
    grow(12)
    model = {
        "entities": Entity,
        "claims": Claim,
        "attestations": Claim.attestations.rel.related_model,
        "relations": ClaimRelation,
        "documents": Document,
        "source ratings": SourceRating,
    }[changelist]

    response = admin_client.get(CHANGELISTS[changelist])

    assert response.context["cl"].result_count == model.objects.count()


def test_the_seed_lists_are_counted_exactly(seed, admin_client):
    response = admin_client.get("/admin/claims/claim/")

    assert response.context["cl"].result_count == Claim.objects.count() == 158


def test_a_list_the_planner_underestimates_is_counted_no_further_than_the_threshold(make_entity, monkeypatch):
    for n in range(8):
        make_entity(f"Entity {n}")
    monkeypatch.setattr(admin_paginator, "queryset_estimate", lambda queryset: 1)
    paginator = EstimatedCountPaginator(Entity.objects.order_by("pk"), per_page=2)
    paginator.estimate_above = 5

    with CaptureQueriesContext(connection) as captured:
        count = paginator.count

    # more than the threshold: long, and not counted to its end
    assert count == 6
    assert "LIMIT 6" in captured.captured_queries[-1]["sql"]


def test_the_estimate_is_the_planners_and_nothing_is_read(make_entity):
    make_entity("طالبان")

    with CaptureQueriesContext(connection) as captured:
        estimate = queryset_estimate(Entity.objects.filter(name="طالبان"))

    assert estimate >= 1
    assert [q["sql"].upper()[:22] for q in captured.captured_queries] == ["EXPLAIN (FORMAT JSON) "]


def test_a_list_that_can_match_nothing_is_estimated_empty_without_a_query(db):
    with CaptureQueriesContext(connection) as captured:
        assert queryset_estimate(Entity.objects.filter(pk__in=[])) == 0

    assert captured.captured_queries == []


# --- the entity list's grade and track record --------------------------------------------------


@pytest.fixture
def judged(make_entity, make_claim, make_attestation):
    """Right (rated A after an F; one claim corroborated), wrong (rated C; one refuted), untested
    (unrated; one claim without a verdict), each the speaker of what it affirmed."""
    right, wrong, untested = make_entity("Right"), make_entity("Wrong"), make_entity("Untested")
    SourceRating.objects.create(
        entity=right, grade="F", rationale="Unknown at first.", rated_at="2024-01-01T00:00Z"
    )
    SourceRating.objects.create(
        entity=right, grade="A", rationale="Its record since.", rated_at="2024-06-01T00:00Z"
    )
    SourceRating.objects.create(entity=wrong, grade="C", rationale="Mixed.")
    for speaker, status in [(right, "corroborated"), (wrong, "refuted"), (untested, "unreviewed")]:
        make_attestation(claim=make_claim(f"{speaker.name} said so.", status=status), speaker=speaker)
    credibility_recompute()
    return right, wrong, untested


def _entity_column(admin_client, name: str, **query) -> tuple[int, list]:
    """The `o` index of a list_display column of the entity list, and the list's rows."""
    response = admin_client.get("/admin/entities/entity/", query)
    changelist = response.context["cl"]
    return changelist.list_display.index(name), list(changelist.result_list)


def test_the_entity_list_shows_the_current_grade_and_the_track_record(judged, admin_client):
    right, wrong, untested = judged

    html = admin_client.get("/admin/entities/entity/").content.decode()

    rows = {entity.pk: entity for entity in _entity_column(admin_client, "track_record")[1]}
    assert (rows[right.pk].rated_grade, rows[wrong.pk].rated_grade, rows[untested.pk].rated_grade) == (
        "A",
        "C",
        None,
    )
    assert "0.67 (n=1)" in html and "0.33 (n=1)" in html and "no verdict yet (1 affirmed)" in html


def test_the_entity_list_sorts_on_the_track_record_best_first(judged, admin_client):
    right, wrong, untested = judged
    column, _ = _entity_column(admin_client, "track_record")

    _, rows = _entity_column(admin_client, "track_record", o=f"-{column}")

    assert [entity.pk for entity in rows] == [right.pk, untested.pk, wrong.pk]


def test_the_entity_list_sorts_on_the_grade_a_first_and_the_unrated_last(judged, admin_client):
    right, wrong, untested = judged
    column, _ = _entity_column(admin_client, "current_grade")

    _, rows = _entity_column(admin_client, "current_grade", o=str(column))

    assert [entity.pk for entity in rows] == [right.pk, wrong.pk, untested.pk]


def test_the_entity_list_counts_quotes_and_claims_per_entity(judged, admin_client, make_claim):
    right, _, _ = judged
    make_claim("About the right one.").subjects.add(right)
    make_claim("About it again.").subjects.add(right)

    _, rows = _entity_column(admin_client, "track_record")

    shown = {entity.pk: (entity.n_attestations, entity.n_claims) for entity in rows}
    assert shown[right.pk] == (1, 2)


def test_the_entity_page_spells_out_the_track_record(judged, admin_client):
    right, _, _ = judged

    html = admin_client.get(f"/admin/entities/entity/{right.pk}/change/").content.decode()

    assert (
        "Affirmed 1 claim(s) as speaker or root; editors have since corroborated 1 and refuted 0. "
        "Smoothed score 0.67 on 1 verdict(s)"
    ) in html
    assert "Current grade: A." in html


def test_a_claim_s_page_runs_as_many_queries_for_six_quotes_and_relations_as_for_two(
    admin_client, make_claim, make_attestation, make_entity
):
    """Each quote's document and speaker, and each relation's other claim, are read with the
    inlines' rows: Django's autocomplete looked each chosen row up again (51 queries for a seed
    claim of six quotes, 24 now), and the relations shown read-only read their other claim one by one."""
    claim, numbers = make_claim(), itertools.count()

    def add(quotes: int) -> None:
        for _ in range(quotes):
            n = next(numbers)
            make_attestation(claim=claim, speaker=make_entity(name=f"متحدث {n}", kind=Entity.Kind.PERSON))
            ClaimRelation.objects.create(
                from_claim=claim, to_claim=make_claim(f"Out {n}"), kind=ClaimRelation.Kind.SUPPORTS
            )
            ClaimRelation.objects.create(
                from_claim=make_claim(f"In {n}"), to_claim=claim, kind=ClaimRelation.Kind.SUPPORTS
            )

    url = f"/admin/claims/claim/{claim.pk}/change/"
    add(2)
    _queries(admin_client, url)  # the content types, cached once a process
    two = _queries(admin_client, url)
    add(4)
    six = _queries(admin_client, url)

    assert len(six) == len(two), "\n\n".join(six)
