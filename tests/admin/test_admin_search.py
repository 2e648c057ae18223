"""The admin's search box finds every spelling, in a row's own text and in the names of the rows it
names (a claim's subjects and speakers), and says what matched."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.claims.models import Claim
from apps.entities.models import Alias, Entity

SPELLINGS = ["القاعدة", "القاعده", "بالقاعدة", "قاعدة", "والقاعدة"]
MATCHED = re.compile(r'<td class="field-search_match">(.*?)</td>', re.S)


def claims_found(client, query: str) -> set[int]:
    response = client.get("/admin/claims/claim/", {"q": query})
    assert response.status_code == 200
    return set(response.context["cl"].queryset.values_list("pk", flat=True))


@pytest.fixture
def haqqani_claim(make_entity, make_claim, make_document, make_attestation) -> Claim:
    """A claim about the Haqqani network (its Arabic name an alias), its English statement and its
    Arabic quote naming neither it nor al-Qaeda."""
    network = make_entity("Haqqani network")
    Alias.objects.create(entity=network, name="شبكة حقاني", language="ar")
    claim = make_claim("The network keeps camps in Kunar.")
    claim.subjects.add(network)
    document = make_document(body="وقال التقرير إن الشبكة أنشأت معسكرات في كونار.")
    make_attestation("أنشأت معسكرات في كونار", claim=claim, document=document)
    return claim


def test_every_spelling_of_a_word_finds_the_same_claims_on_the_seed(seed, editor_client):
    found = {query: claims_found(editor_client, query) for query in SPELLINGS}
    about_qaeda = set(Entity.objects.get(name="al-Qaeda").claims_about.values_list("pk", flat=True))

    assert {query: len(claims) for query, claims in found.items()} == dict.fromkeys(SPELLINGS, 78)
    assert all(claims == found["القاعدة"] for claims in found.values())
    assert about_qaeda <= found["القاعده"]  # among them, those whose only «القاعدة» is the subject's alias


@pytest.mark.parametrize(
    "query",
    [
        "شبكة حقاني",  # the alias as written
        "شبكه حقانی",  # taa marbuta as haa, Persian yeh
        "لشبكة حقاني",  # a clitic letter attached
        "حقاني كونار",  # a word of the subject's alias and a word of the quote
        "حقانی معسكر",  # the same, each in another spelling
    ],
)
def test_a_claim_is_found_by_its_subjects_alias_in_any_spelling(editor_client, haqqani_claim, query):
    assert claims_found(editor_client, query) == {haqqani_claim.pk}


@pytest.mark.parametrize("query", ["انصارا", "أنصاراً"])
def test_a_subjects_name_is_found_typed_with_the_tanween_alif(editor_client, make_entity, make_claim, query):
    ansar = make_entity("Ansar al-Sharia")
    Alias.objects.create(entity=ansar, name="أنصار الشريعة", language="ar")
    claim = make_claim("The group recruits in the south.")
    claim.subjects.add(ansar)

    assert claims_found(editor_client, query) == {claim.pk}


def test_an_excluded_word_excludes_a_claim_by_its_subjects_names_too(editor_client, haqqani_claim):
    assert claims_found(editor_client, "كونار") == {haqqani_claim.pk}
    assert claims_found(editor_client, "كونار -حقانی") == set()


def test_a_searched_claim_list_says_what_matched_as_published_and_right_to_left(seed, editor_client):
    response = editor_client.get("/admin/claims/claim/", {"q": "القاعده"})

    cells = MATCHED.findall(response.content.decode())
    assert len(cells) == len(response.context["cl"].result_list) == 78
    assert all("<mark>" in cell and 'dir="auto"' in cell for cell in cells)
    # a quote, as published: «القاعدة» with its taa marbuta
    assert any(
        cell.startswith('<span class="ct-muted">quote</span>') and "<mark>القاعدة</mark>" in cell
        for cell in cells
    )
    # a claim found by its subject shows the alias that matched
    by_subject = (
        '<span class="ct-muted">subjects › alias</span> <span dir="auto" class="ct-text"><mark>القاعدة</mark>'
    )
    assert any(cell.startswith(by_subject) for cell in cells)


def test_a_claim_found_by_a_speakers_name_says_so(seed, editor_client):
    cells = MATCHED.findall(editor_client.get("/admin/claims/claim/", {"q": "Pompeo"}).content.decode())

    assert cells and all(cell.startswith('<span class="ct-muted">speaker</span>') for cell in cells)
    assert "Mike <mark>Pompeo</mark>" in cells[0]


def test_a_claim_list_without_a_search_has_no_matched_column(seed, editor_client):
    response = editor_client.get("/admin/claims/claim/")

    assert "search_match" not in response.context["cl"].list_display
    assert "field-search_match" not in response.content.decode()


def test_a_searched_claim_list_runs_as_many_queries_for_forty_matches_as_for_ten(
    editor_client, make_entity, make_claim, make_attestation
):
    # 1 session  2 user  3 the subjects filter's entities  4 the planner's estimate (EXPLAIN)
    # 5 the count  6 the page  then what `search_match` reads: 7 the quotes  8 their speakers
    # 9 the speakers' aliases  10 the subjects  11 the subjects' aliases; 12 the language filter
    def grow(rows: int) -> None:
        for n in range(Claim.objects.count(), rows):
            speaker = make_entity(f"Speaker {n}", kind=Entity.Kind.PERSON)
            Alias.objects.create(entity=speaker, name=f"المتحدث {n}", language="ar")
            claim = make_claim(f"Claim number {n}.")
            claim.subjects.add(speaker)
            make_attestation(claim=claim, speaker=speaker)  # its quote names «القاعدة»

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            response = editor_client.get("/admin/claims/claim/", {"q": "القاعده"})
        assert response.context["cl"].queryset.count() == Claim.objects.count()
        return [query["sql"] for query in captured.captured_queries]

    grow(10)
    ten = queries()
    grow(40)
    forty = queries()

    assert len(forty) == len(ten), "\n\n".join(forty)
