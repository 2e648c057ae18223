"""One normalisation for search, in Python and in PostgreSQL, on real seed words."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.core.arabic import clitic_variants, search_normalize
from apps.core.search import highlight
from tests.conftest import ROOT

SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))


@pytest.mark.parametrize(
    ("written", "indexed"),
    [
        ("أفغانستان", "افغانستان"),  # alef with hamza above
        ("إيران", "ايران"),  # alef with hamza below
        ("آسيا", "اسيا"),  # alef with madda
        ("القاعدة", "قاعده"),  # the article and the taa marbuta
        ("قاعدة", "قاعده"),
        ("والقاعدة", "قاعده"),  # and + the
        ("بالقاعدة", "قاعده"),  # with + the
        ("للأمن", "امن"),  # for + the
        ("لمجلس", "لمجلس"),  # a lone clitic stays: queries ask for it instead (below)
        ("فلسطين", "فلسطين"),  # a word that begins with one keeps it
        ("المعسكرات", "معسكرات"),
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("حقانی", "حقاني"),  # Persian yeh
        ("کابل", "كابل"),  # Persian kaf
        ("مسؤول", "مسءول"),  # hamza on waw
        ("مسئول", "مسءول"),  # the same word, hamza on yeh
        ("رئيس", "رءيس"),
        ("پاکستان", "باكستان"),  # Persian peh and kaf
        ("ننگرهار", "ننكرهار"),  # Persian gaf
        ("مُحَمَّد", "محمد"),  # tashkeel
        ("طالبــان", "طالبان"),  # tatweel
        ("٣١ يوليو", "31 يوليو"),  # Arabic-Indic digits
        ("۲۰۲۱", "2021"),  # Persian digits
        ("فريق", "فريق"),  # a word that only begins like a clitic keeps its letters
        ("لجنة", "لجنه"),
        ("Taliban", "Taliban"),
    ],
)
def test_every_common_spelling_is_indexed_as_one(written, indexed):
    assert search_normalize(written) == indexed


def test_a_query_word_is_also_asked_for_with_and_without_a_clitic_letter():
    assert clitic_variants("مجلس") == ["مجلس", "ومجلس", "فمجلس", "بمجلس", "كمجلس", "لمجلس"]
    assert "مجلس" in clitic_variants("لمجلس")
    assert clitic_variants("Taliban") == ["Taliban"]


@pytest.mark.parametrize(
    ("query", "body", "found"),
    [
        ("مجلس الأمن", "قدم التقرير لمجلس الأمن", True),
        ("باكستان", "المساعدات لباكستان", True),
        ("فلسطين", "تضامنا مع فلسطين", True),
        ("الولاية", "في ولاية كونار", True),
        ("كونار", "أشعلوا النار", False),
        ("كونار -القاعدة", "أنشأت القاعدة مرافق تدريب في كونار", False),
        ('"مجلس الأمن"', "مجلس الوزراء والأمن", False),
    ],
)
def test_a_search_finds_the_word_with_its_clitics_and_honours_exclusions_and_phrases(
    make_document, query, body, found
):
    from apps.core.search import search_queryset
    from apps.documents.models import Document

    document = make_document(body=body)

    assert search_queryset(Document.objects.all(), query).filter(pk=document.pk).exists() is found


def test_the_stored_text_is_not_what_is_normalised(seed):
    from apps.documents.models import Document

    document = Document.objects.get(title="طالبان تواصل دعم القاعدة")

    assert "القاعدة" in document.body
    assert search_normalize(document.body) != document.body


@pytest.mark.parametrize("path", SEEDS, ids=[p.name[:3] for p in SEEDS])
def test_python_and_postgresql_normalise_every_seed_text_alike(db, path):
    text = path.read_text(encoding="utf-8")

    with connection.cursor() as cursor:
        cursor.execute("SELECT ct_search_normalize(%s)", [text])
        in_sql = cursor.fetchone()[0]

    assert in_sql.split() == search_normalize(text).split()
    assert in_sql == search_normalize(text)


def test_a_highlight_shows_the_words_as_published_around_the_match():
    text = "وقال التقرير إن تنظيم القاعدة ما زال في أفغانستان، حسب المصادر."

    snippet = highlight(text, "القاعده افغانستان")

    assert "<mark>القاعدة</mark>" in snippet
    assert "<mark>أفغانستان</mark>،" in snippet


def test_a_highlight_escapes_the_text_and_skips_negated_words():
    text = 'Pompeo said "<b>" the Taliban broke with al-Qaeda'

    snippet = highlight(text, "Taliban -Pompeo")

    assert "&quot;&lt;b&gt;&quot;" in snippet
    assert "<mark>Taliban</mark>" in snippet and "<mark>Pompeo</mark>" not in snippet


def test_no_highlight_when_no_word_matches():
    assert highlight("طالبان", "Pompeo") is None


@pytest.mark.parametrize(
    ("query", "statement", "found"),
    [
        ("the withdrawal", "The withdrawal of US troops emboldened al-Qaeda.", True),
        ('"the Taliban"', "The Taliban hosted al-Qaeda.", True),
        ("US-Taliban agreement", "The US-Taliban agreement was signed in Doha.", True),
        ("al-Qaeda", "Al-Qaeda trains in Kunar.", True),
        ("Kandahar -bombing", "A suicide bombing hit Kandahar.", False),
    ],
)
def test_english_stop_words_and_hyphens_do_not_spoil_a_query(make_claim, query, statement, found):
    from apps.claims.models import Claim
    from apps.core.search import search_queryset

    claim = make_claim(statement)

    assert search_queryset(Claim.objects.all(), query).filter(pk=claim.pk).exists() is found
