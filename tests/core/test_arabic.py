"""One normalisation for search, in Python and in PostgreSQL, on real seed words."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.core.arabic import search_normalize
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
        ("لمجلس", "مجلس"),  # for, attached
        ("المعسكرات", "معسكرات"),
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("حقانی", "حقاني"),  # Persian yeh
        ("کابل", "كابل"),  # Persian kaf
        ("مسؤول", "مسوول"),  # hamza on waw
        ("رئيس", "رييس"),  # hamza on yeh
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
