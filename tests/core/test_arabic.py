"""One normalisation for search, in Python and in PostgreSQL, on real seed words."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.core.arabic import clitic_variants, query_forms, search_normalize
from apps.core.search import WORD, highlight
from tests.conftest import ROOT
from tests.search.test_query_set import QUERIES

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
    ("typed", "asked_for", "not_asked_for"),
    [
        ("سلاح", [("سلاحا", True), ("وسلاحا", True)], []),
        ("سلاحاً", [("سلاحا", True), ("سلاح", False), ("بسلاح", False)], []),  # the mark after the alif
        ("سلاحًا", [("سلاح", False)], []),  # the mark before it
        ("كتابا", [("كتاب", False)], []),  # no mark at all
        ("امن", [("امنا", True)], []),  # a short word, which the Arabic stemmer leaves its alif
        ("أمريكا", [("امريك", False)], []),  # as it stands: the stemmer reads «امريك» as «امر»
        ("القاعدة", [], ["قاعدها"]),  # taa marbuta takes the mark without an alif
        ("سماء", [], ["سماءا"]),  # so does a hamza after an alif
        ("خطأ", [], ["خط"]),  # a hamza on the alif is no tanween
        ("جدا", [], ["جد"]),  # two letters before the alif: «هذا», «كما», «لذا» stay whole
        ("خط", [], ["خطا"]),
    ],
)
def test_a_query_word_is_also_asked_for_with_and_without_the_tanween_alif(typed, asked_for, not_asked_for):
    forms = query_forms(typed)

    assert set(asked_for) <= set(forms)
    assert {form for form, _ in forms} & set(not_asked_for) == set()


def test_python_and_postgresql_ask_for_the_same_forms_of_every_seed_word_and_query_word(db):
    words = {word for path in SEEDS for word in WORD.findall(path.read_text(encoding="utf-8"))}
    words |= {word for query in QUERIES for word in WORD.findall(query["query"])}

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w, f.form, f.stemmed FROM unnest(%s::text[]) AS w, ct_term_forms(w) AS f", [sorted(words)]
        )
        in_sql: dict[str, set] = {}
        for word, form, stemmed in cursor.fetchall():
            in_sql.setdefault(word, set()).add((form, stemmed))

    assert len(words) > 1500
    assert {word: forms for word, forms in in_sql.items() if forms != set(query_forms(word))} == {}


@pytest.mark.parametrize("language", ["ar", "fa"])  # read stemmed as Arabic, and as simple words
@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("سلاح", "ضبطت الشرطة سلاحاً في المنزل"),
        ("سلاح", "ضبطت الشرطة سلاحًا في المنزل"),
        ("سلاح", "ضبطت الشرطة سلاحا في المنزل"),
        ("كتاب", "قرأ كتابا عن الحرب"),
        ("سلاحاً", "لم يحمل أي سلاح"),
        ("كتابا", "صدر الكتاب في كابول"),
        ("ملاذ امن", "وجدوا فيها ملاذا آمنا"),
        ("ملاذا امنا", "وجدوا فيها ملاذ آمن"),
    ],
)
def test_a_noun_is_found_with_and_without_its_tanween_alif(make_document, language, query, body):
    from apps.core.search import search_queryset
    from apps.documents.models import Document

    document = make_document(body=body, language=language)

    assert search_queryset(Document.objects.all(), query).filter(pk=document.pk).exists()


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("أمريكا", "لكن هذا الأمر لم يحسم"),  # «أمريكا» without its alif is no «أمر»
        ("خط", "كان ذلك خطأ كبيرا"),  # «خطأ» is no «خط» with a tanween alif
        ("جد", "الوضع خطير جدا"),
    ],
)
def test_a_final_alif_that_is_no_tanween_does_not_make_another_word(make_document, query, body):
    from apps.core.search import search_queryset
    from apps.documents.models import Document

    document = make_document(body=body)

    assert not search_queryset(Document.objects.all(), query).filter(pk=document.pk).exists()


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
