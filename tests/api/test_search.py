"""?search= on claims, documents and entities: any common spelling finds the text as published."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import F, QuerySet
from django.test.utils import CaptureQueriesContext

from apps.claims.models import Claim
from apps.core.search import Rank
from apps.documents.models import Document
from apps.entities.models import Entity

SEED_TITLES = {
    "000": "العلاقة بين طالبان والقاعدة",
    "001": 'كيف تمتنت العلاقات بين "طالبان" و"القاعدة" في أفغانستان؟',
    "002": "طالبان تواصل دعم القاعدة",
    "003": "داعش والقاعدة يتفرعان ويكتسبان قوة في عهد طالبان",
    "004": "تنظيم داعش خرسان يقصف مطار كابل بعد أيام من سيطرة طالبان على العاصمة الأفغانية",
}


def titles(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


def seed_docs(*keys: str) -> set[str]:
    return {SEED_TITLES[key] for key in keys}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("القاعده", {"000", "001", "002", "003", "004"}),  # taa marbuta typed as haa
        ("قاعدة", {"000", "001", "002", "003", "004"}),  # without the article
        ("افغانستان", {"000", "001", "002", "003", "004"}),  # alef without hamza
        ("حقانی", {"000", "001", "002"}),  # Persian yeh
        ("المعسكرات", {"003"}),  # the text has «معسكرات», without the article
        ("كونار", {"003"}),
        ('"سراج الدين حقاني"', {"000"}),  # a phrase (001 spells it «سيراج»)
    ],
)
def test_a_document_search_finds_every_spelling(seed, api_client, query, expected):
    response = api_client.get("/api/v1/documents/", {"search": query, "page_size": 50})

    assert titles(response) >= seed_docs(*expected)
    assert titles(response) & set(SEED_TITLES.values()) == seed_docs(*expected)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("سلاح", "ضبطت الشرطة سلاحاً في المنزل"),  # the tanween alif, with its mark
        ("سلاح", "ضبطت الشرطة سلاحا في المنزل"),  # and without
        ("كتاب", "قرأ كتابا عن الحرب"),
        ("كتابا", "صدر الكتاب في كابول"),  # a query typed with it finds the bare word
        ("ملاذ امن", "وجدوا فيها ملاذا آمنا"),
    ],
)
def test_a_search_finds_a_noun_with_and_without_its_tanween_alif(
    api_client, make_document, make_claim, make_attestation, query, text
):
    # a Persian document is read as simple words: no stemmer takes the alif off for the search
    document = make_document(body=f"{text}.", title="گزارش", language="fa")
    claim = make_claim("A claim quoted from it.")
    make_attestation(text, claim=claim, document=document)

    documents = api_client.get("/api/v1/documents/", {"search": query}).json()["results"]
    claims = api_client.get("/api/v1/claims/", {"search": query}).json()["results"]

    assert [row["id"] for row in documents] == [document.pk]
    assert [row["id"] for row in claims] == [claim.pk]
    assert "<mark>" in claims[0]["highlight"]  # the quote that matched, as published


def test_a_phrase_in_quotes_matches_only_as_a_phrase(seed, api_client):
    words = api_client.get("/api/v1/claims/", {"search": "طالبان القاعدة وثيقة"})
    phrase = api_client.get("/api/v1/claims/", {"search": '"العلاقة بين طالبان والقاعدة وثيقة"'})

    assert phrase.json()["count"] == 1
    assert words.json()["count"] > phrase.json()["count"]


def test_a_claim_is_found_by_its_english_statement_and_by_its_arabic_quotes(seed, api_client):
    close = Claim.objects.get(statement="The relationship between the Taliban and al-Qaeda remains close.")

    by_statement = api_client.get("/api/v1/claims/", {"search": "relationship remains close"}).json()
    by_quote = api_client.get("/api/v1/claims/", {"search": "العلاقات متينه"}).json()

    assert close.pk in {row["id"] for row in by_statement["results"]}
    assert close.pk in {row["id"] for row in by_quote["results"]}


def test_search_results_come_best_first_with_the_words_highlighted_as_published(seed, api_client):
    body = api_client.get("/api/v1/claims/", {"search": "حقانی"}).json()

    ranks = [row["search_rank"] for row in body["results"]]
    assert ranks == sorted(ranks, reverse=True) and ranks[0] > 0
    assert all("<mark>حقاني</mark>" in row["highlight"] for row in body["results"])


def test_an_entity_is_found_by_any_of_its_names(seed, api_client):
    by_arabic = api_client.get("/api/v1/entities/", {"search": "بومبيو"}).json()
    by_english = api_client.get("/api/v1/entities/", {"search": "pompeo"}).json()

    assert [row["name"] for row in by_arabic["results"]] == ["Mike Pompeo"]
    assert by_arabic["results"][0]["highlight"] == "<mark>بومبيو</mark>"
    assert [row["name"] for row in by_english["results"]] == ["Mike Pompeo"]


def test_a_search_combines_with_filters_and_an_explicit_ordering(seed, api_client):
    pompeo = Entity.objects.get(name="Mike Pompeo")

    response = api_client.get(
        "/api/v1/claims/", {"search": "طالبان", "speaker": pompeo.pk, "ordering": "-created"}
    )

    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == set(
        Claim.objects.published().filter(attestations__speaker=pompeo).values_list("pk", flat=True)
    )


def test_without_a_search_there_is_no_rank_nor_highlight(seed, api_client):
    row = api_client.get("/api/v1/claims/", {"page_size": 1}).json()["results"][0]

    assert (row["search_rank"], row["highlight"]) == (None, None)


def test_a_reader_never_finds_a_draft(seed, api_client):
    draft = Claim.objects.filter(publication=Claim.Publication.DRAFT).first()
    word = draft.statement.split()[1]

    response = api_client.get("/api/v1/claims/", {"search": word, "page_size": 200})

    assert draft.pk not in {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("query", ["bad\x00word", "x" * 201])
def test_a_search_that_cannot_be_run_is_a_400(db, api_client, query):
    response = api_client.get("/api/v1/documents/", {"search": query})

    assert response.status_code == 400
    assert "search" in response.json()


@pytest.mark.parametrize("query", ["-", '"', "or", "the", "!!!", ")("])
def test_a_search_of_nothing_but_noise_finds_nothing_and_does_not_fail(seed, api_client, query):
    response = api_client.get("/api/v1/claims/", {"search": query})

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_lone_clitic_letter_is_searched_as_a_word_and_does_not_fail(seed, api_client):
    # «و» stands alone in a quote now and then: it is a word like any other, not noise
    response = api_client.get("/api/v1/claims/", {"search": "و"})

    assert response.status_code == 200
    # the claims with a quote holding «و» as a word of its own, not every claim with a «و» in a word
    alone = re.compile(r"(?<!\w)و(?!\w)")
    published = Claim.objects.filter(publication=Claim.Publication.PUBLISHED).prefetch_related("attestations")
    expected = {c.pk for c in published if any(alone.search(a.quote) for a in c.attestations.all())}
    assert {claim["id"] for claim in response.json()["results"]} == expected
    assert 0 < len(expected) < published.count() / 10


@pytest.mark.parametrize("page_size", [1, 50])
def test_a_claim_search_runs_a_fixed_number_of_queries_whatever_the_page_size(
    seed, api_client, django_assert_num_queries, page_size
):
    # 1 the window's ids (their number is the count), from a probe of the newest claims (the seed
    # has fewer than it looks at: each is checked)  2 claims, ranked  3 subjects,
    # attestations+documents+outlets+speakers+origins, out and in relations
    with django_assert_num_queries(3):
        api_client.get("/api/v1/claims/", {"search": "القاعدة", "page_size": page_size})


def test_the_admin_search_box_finds_every_spelling(seed, editor_client):
    response = editor_client.get("/admin/documents/document/", {"q": "القاعده"})

    assert response.status_code == 200
    assert response.context["cl"].result_count == Document.objects.exclude(body="").count()


def test_an_edit_is_searchable_at_once(db, api_client, make_document, make_attestation, make_claim):
    claim = make_claim("A new claim.")

    make_attestation("القاعدة ما زالت في كونار", claim=claim)
    found = api_client.get("/api/v1/claims/", {"search": "كونار"}).json()

    assert [row["id"] for row in found["results"]] == [claim.pk]


def test_a_claim_follows_the_language_of_the_document_its_quote_is_in(
    api_client, make_claim, make_document, make_attestation
):
    body = "The report says the fighters were training in camps near Kunar."
    document = make_document(body=body, title="Report", language="ar")  # mislabelled at first
    claim = make_claim("Al-Qaeda keeps camps in Kunar.")
    make_attestation("the fighters were training in camps", claim=claim, document=document)

    def found() -> list[int]:
        return [row["id"] for row in api_client.get("/api/v1/claims/", {"search": "train"}).json()["results"]]

    before = found()
    document.language = "en"
    document.save()

    # English stems «training» to «train»; the Arabic configuration does not
    assert before == [] and found() == [claim.pk]


def test_numbered_search_pages_come_from_the_newest_matches_and_say_so(seed, api_client, settings):
    every = Claim.objects.published().filter(pk__in=[r["id"] for r in _all_pages(api_client, "طالبان")])
    newest = sorted(every.values_list("pk", flat=True), reverse=True)
    settings.SEARCH_WINDOW = 10

    capped = api_client.get("/api/v1/claims/", {"search": "طالبان", "page_size": 200}).json()
    rare = api_client.get("/api/v1/claims/", {"search": "كونار"}).json()

    assert len(newest) > 10
    assert capped["count"] == 10 and capped["count_capped"] is True
    assert {row["id"] for row in capped["results"]} == set(newest[:10])
    ranks = [row["search_rank"] for row in capped["results"]]
    assert ranks == sorted(ranks, reverse=True)  # ranked within the window
    assert rare["count"] < 10 and rare["count_capped"] is False


def test_a_numbered_search_page_picks_its_window_by_one_array(seed, api_client):
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/v1/claims/", {"search": "طالبان"})

    ranked = [q["sql"] for q in queries if "ts_rank" in q["sql"] and "= ANY(" in q["sql"]]
    assert response.status_code == 200 and response.json()["count"] > 1
    assert len(ranked) == 1 and " IN (" not in ranked[0].split("FROM", 1)[1]


def test_cursor_pages_walk_every_match_whatever_the_window(seed, api_client, settings):
    settings.SEARCH_WINDOW = 10
    walked = _all_pages(api_client, "طالبان")
    settings.SEARCH_WINDOW = 0
    unwindowed = api_client.get("/api/v1/claims/", {"search": "طالبان", "page_size": 200}).json()

    assert len(walked) == unwindowed["count"] > 10
    assert "count_capped" not in unwindowed


def test_a_list_without_search_has_no_window(seed, api_client, settings):
    settings.SEARCH_WINDOW = 10

    body = api_client.get("/api/v1/claims/", {"page_size": 200}).json()

    assert body["count"] == Claim.objects.published().count() and "count_capped" not in body


def _all_pages(api_client, query: str) -> list[dict]:
    rows, url, params = [], "/api/v1/claims/", {"search": query, "cursor": "", "page_size": 7}
    while url:
        body = api_client.get(url, params).json()
        rows += body["results"]
        url, params = body["next"], None
    return rows


def test_a_search_leaves_the_planner_settings_as_it_found_them(seed, api_client):
    from django.db import connection

    response = api_client.get("/api/v1/documents/", {"search": "طالبان"})

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan')")
        assert cursor.fetchone() == ("on", "on")
    assert response.status_code == 200 and response.json()["count"] == 5


@pytest.mark.parametrize("query", ["طالبان", "القاعدة", "حقانی", "كونار", "Pompeo", "zyxwvut"])
def test_a_probe_of_the_newest_claims_finds_what_the_index_finds(seed, query):
    from apps.core.search import newest_match_ids, search_queryset

    searched = search_queryset(Claim.objects.published(), query)

    # 4 wanted: the probe looks at the newest claims, then (for a rarer word) asks the index
    assert newest_match_ids(searched, 4, probe=True) == newest_match_ids(searched, 4)
    assert newest_match_ids(searched, 4) == list(searched.order_by("-pk").values_list("pk", flat=True)[:4])


PHRASES = ['"الأمم المتحدة"', '"سراج الدين حقاني"', 'طالبان "الأمم المتحدة"', '"الأمم المتحدة" or كونار',
           '"United States"', '"الأمم المتحدة" -داعش', '"الأمم المتحدة" -"سراج الدين"']  # fmt: skip


@pytest.mark.parametrize("model", [Claim, Document])
def test_a_phrase_window_is_the_newest_rows_holding_the_phrase(seed, model):
    from apps.core.search import newest_match_ids, search_queryset

    for query in PHRASES:
        searched = search_queryset(model.objects.all(), query)
        for limit in (1, 3, 1000):
            expected = list(searched.order_by("-pk").values_list("pk", flat=True)[:limit])
            assert newest_match_ids(searched, limit) == expected, (query, limit)
            assert newest_match_ids(searched, limit, probe=True) == expected, (query, limit)


def test_a_phrase_window_reads_back_about_as_many_rows_as_it_keeps(make_document):
    """The index finds the rows holding a phrase's words; each row's vector is read back to check
    that they stand together. Only the newest candidates are read back, until the window is full:
    reading every candidate back is what took a phrase 500–600 ms on 100,000 documents."""
    from apps.core.search import newest_match_ids, search_queryset

    for n in range(40):
        words = "الأمم المتحدة" if n % 2 else "الأمم قالت إن المتحدة"
        make_document(body=f"تقرير رقم {n}: {words} في كابل.")
    searched = search_queryset(Document.objects.all(), '"الأمم المتحدة"')
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE documents_document")

    with CaptureQueriesContext(connection) as queries:
        ids = newest_match_ids(searched, 3)

    assert ids == list(searched.order_by("-pk").values_list("pk", flat=True)[:3])
    (window,) = (query["sql"] for query in queries.captured_queries)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off; SET enable_indexscan = off")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {window}")
        plan = cursor.fetchone()[0][0]["Plan"]
        cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
    checks = [node for node in _plan_nodes(plan) if node.get("Parent Relationship") == "SubPlan"]
    assert checks and max(node["Actual Loops"] for node in checks) <= 6


@pytest.mark.parametrize("endpoint", ["claims", "documents", "entities"])
def test_a_search_page_ranks_its_window_without_matching_it_again(seed, api_client, endpoint):
    """The window's rows matched to be in it: the page only ranks them (a document's vector was read
    back from TOAST once for the match and once more for the rank)."""
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(f"/api/v1/{endpoint}/", {"search": "طالبان or Taliban", "page_size": 3})

    assert response.status_code == 200 and len(response.json()["results"]) == 3
    (page,) = (query["sql"] for query in queries.captured_queries if "ts_rank_cd" in query["sql"])
    assert "@@" not in page and "= ANY(" in page


def _analyzed_documents(make_document, place) -> QuerySet:
    """Forty documents, analyzed, each «من كابل» and «عن» the place `place(n)` names (n = 0, oldest)."""
    for n in range(40):
        make_document(body=f"تقرير رقم {n} من كابل عن {place(n)}.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE documents_document")
    return Document.objects.all()


@pytest.fixture
def forty_documents(make_document, monkeypatch):
    """Forty documents, analyzed: «كابل» in each, «قندهار» in every tenth, «هرات» in the oldest only;
    a probe's sample of the newest five."""
    monkeypatch.setattr("apps.core.search.PROBE_SAMPLE", 5)
    return _analyzed_documents(
        make_document, lambda n: "هرات" if n == 0 else "قندهار" if n % 10 == 5 else "الولاية"
    )


def _probes(queries) -> int:
    """The queries that checked the newest rows (from the `OFFSET`-th newest): the sample's, then a
    probe's."""
    return sum("DESC OFFSET" in query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize("cost", [0, 0.5, 7, 1000])
def test_a_probe_finds_what_the_index_finds_whatever_it_costs(forty_documents, cost):
    from apps.core.search import newest_match_ids, search_queryset

    for query in ["كابل", "قندهار", "هرات", "كابل -قندهار", "zyxwvut", '"من كابل"']:
        searched = search_queryset(forty_documents, query)
        for limit in (1, 3, 4, 8, 40):
            expected = list(searched.order_by("-pk").values_list("pk", flat=True)[:limit])
            assert newest_match_ids(searched, limit, probe=cost) == expected, (query, limit)


def test_a_probe_answers_a_common_word_and_the_index_a_rare_one(forty_documents):
    """The sample (the newest five) says how common a word is: «كابل» is in each of them, and its
    newest eight are found by checking eight rows (24 at 3 each, against the index's 40 matches; not
    at 7 each); «قندهار» is in none of them, and a probe would check the whole table for its four:
    the index finds them."""
    from apps.core.search import newest_match_ids, search_queryset

    common, rare = search_queryset(forty_documents, "كابل"), search_queryset(forty_documents, "قندهار")
    with CaptureQueriesContext(connection) as queries:
        assert len(newest_match_ids(common, 8, probe=3)) == 8
    assert _probes(queries) == 2 and len(queries) == 2  # the sample, then the probe
    with CaptureQueriesContext(connection) as queries:
        assert len(newest_match_ids(common, 8, probe=7)) == 8
    assert _probes(queries) == 1 and len(queries) == 2
    with CaptureQueriesContext(connection) as queries:
        assert len(newest_match_ids(rare, 8, probe=7)) == 4
    assert _probes(queries) == 1 and len(queries) == 2  # the sample, then the index
    with CaptureQueriesContext(connection) as queries:  # no probe asked for
        assert len(newest_match_ids(common, 8)) == 8
    assert _probes(queries) == 0 and len(queries) == 1


def test_a_probe_weighs_what_a_row_costs_to_check(make_document, monkeypatch):
    """A word in a tenth of the rows, and one of them in the sample: looking 20 rows back for each of
    two matches is worth it where a row is cheap to check, not where it is read back from TOAST."""
    from apps.core.search import newest_match_ids, search_queryset

    monkeypatch.setattr("apps.core.search.PROBE_SAMPLE", 5)
    documents = _analyzed_documents(make_document, lambda n: "قندهار" if n % 10 == 8 else "الولاية")
    searched = search_queryset(documents, "قندهار")
    expected = list(searched.order_by("-pk").values_list("pk", flat=True)[:2])
    with CaptureQueriesContext(connection) as queries:
        assert newest_match_ids(searched, 2, probe=0.05) == expected
    assert _probes(queries) == 2
    with CaptureQueriesContext(connection) as queries:
        assert newest_match_ids(searched, 2, probe=7) == expected
    assert _probes(queries) == 1


def _plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def _ranks(response) -> dict[int, float]:
    assert response.status_code == 200, response.content
    return {row["id"]: row["search_rank"] for row in response.json()["results"]}


@pytest.mark.parametrize("endpoint", ["claims", "documents", "entities"])
def test_a_search_s_held_readings_are_worked_out_once_and_rank_alike(seed, api_client, endpoint):
    """The readings the rows hold of a search's words (what a page is ranked with) are worked out by
    the window's first query and kept by the process: the next request for the same search ranks its
    page with them as a literal, and every rank is the same."""
    search = {"search": "طالبان or القاعدة", "page_size": 50}
    with CaptureQueriesContext(connection) as first:
        worked_out = _ranks(api_client.get(f"/api/v1/{endpoint}/", search))
    with CaptureQueriesContext(connection) as second:
        kept = _ranks(api_client.get(f"/api/v1/{endpoint}/", search))

    assert kept == worked_out and len(kept) > 1
    assert sum("ct_term_query_held" in query["sql"] for query in first.captured_queries) == 1
    assert not any("ct_term_query_held" in query["sql"] for query in second.captured_queries)
    assert len(first) == len(second)


def test_held_readings_are_kept_for_a_while_then_worked_out_again(make_document, api_client, monkeypatch):
    """A reading that a new document is the first to hold ranks it once the process has forgotten the
    readings it kept (HELD_READINGS_SECONDS), as a first search would."""
    import apps.core.search as search

    make_document(body="قالت طالبان إن الحركة باقية.")
    assert len(_ranks(api_client.get("/api/v1/documents/", {"search": "طالبان"}))) == 1
    # an English text keeps «وطالبان» as written, a reading of «طالبان» that no row held
    new = make_document(body="The word وطالبان, as written in Kabul.", language="en")
    stale = _ranks(api_client.get("/api/v1/documents/", {"search": "طالبان"}))
    now = search._clock()
    monkeypatch.setattr(search, "_clock", lambda: now + search.HELD_READINGS_SECONDS + 1)
    fresh = _ranks(api_client.get("/api/v1/documents/", {"search": "طالبان"}))

    whole = dict(
        Document.objects.annotate(rank=Rank(F("search_vector"), search.search_tsquery("طالبان"))).values_list(
            "pk", "rank"
        )
    )
    assert stale.keys() == fresh.keys() == {new.pk, *stale.keys()} and len(fresh) == 2
    assert fresh == {pk: whole[pk] for pk in fresh} and stale[new.pk] == 0 < fresh[new.pk]
