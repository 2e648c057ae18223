"""Arabic-aware normalisation for search only: stored text is never changed.

The same rules run in PostgreSQL (`ct_search_normalize`, apps/core/migrations/0002_search.py) on
the indexed text and on every query, and so do the forms a query word is asked for (`query_forms`,
`ct_term_forms` in apps/core/migrations/0004_tanween.py); these Python twins highlight matches in
the original text and are held to the SQL ones, word for word over the seed corpus and the query
set, by tests/core/test_arabic.py.
"""

from __future__ import annotations

import re

# Combining marks are invisible, so they are named by code point: the tashkeel (fathatan … sukun,
# and the marks up to U+065F), the superscript alef U+0670, and the tatweel U+0640.
MARKS = "[" + chr(0x064B) + "-" + chr(0x065F) + chr(0x0670) + chr(0x0640) + "]"

# One letter for another, as the common practice does: alef forms; the hamza on waw or yeh as the
# bare hamza, so «مسؤول» and «مسئول», «شؤون» and «شئون» meet; alef maqsura; taa marbuta; the
# Persian yeh, kaf, heh with yeh, peh, gaf, tcheh and jeh as the Arabic letters Arabic writers
# use for them; then Arabic-Indic and Persian digits.
FROM_LETTERS = "أإآٱؤئىةیکۀپگچژ" + "٠١٢٣٤٥٦٧٨٩" + "۰۱۲۳۴۵۶۷۸۹"
TO_LETTERS = "ااااءءيهيكهبكجز" + "0123456789" + "0123456789"

LETTER = "[ء-يٱ-ۓ]"
NOT_LETTER = "[^ء-يٱ-ۓ]"

# The article, alone or after a clitic (و ف ب ك, and ل + article written «لل»), is taken off the
# front of a word in the index and in queries alike: it is almost never the start of a word.
# A lone clitic letter (و ف ب ك ل) is not: «فلسطين», «باكستان» and «ولاية» begin with one. Queries
# ask for the word with and without one instead (`clitic_variants`, and `ct_term_query` in SQL).
PREFIX_RULES = [
    (f"(^|{NOT_LETTER})(?:وال|فال|بال|كال|لل|ال)({LETTER}{{2,}})", r"\1\2"),
]
CLITICS = "وفبكل"
# a query word that begins with one of these and has four letters after it is also read without it
STRIPPABLE_CLITICS = "وفبل"
_ARABIC_WORD = re.compile(f"^{LETTER}{{2,}}$")

# The indefinite accusative writes an alif after a noun or an adjective, its mark (fathatan) on the
# letter before or on the alif: «سلاحاً», «سلاحًا», or without the mark, «سلاحا». Only a query word is
# asked for with and without it: «روسيا» and «أمريكا» end in an alif of their own, so the index keeps
# every final alif. A word of three letters or more is also asked for with the alif, unless it ends
# in one of these (taa marbuta, read as haa, and a hamza after an alif take the mark without an
# alif: «مفتوحةً», «سماءً»); a word of three letters or more and a final alif as typed, not a hamza
# on it («خطأ», «ملجأ»), is also asked for without it, as it stands only: the Arabic stemmer reads
# the bare word otherwise than its alif («أمريك» as «أمر»), and already takes the alif off the
# words it should («سلاحا» as «سلاح»).
_TAKES_TANWEEN = re.compile(f"^{LETTER}{{3,}}$")
_NO_TANWEEN_ALIF = re.compile("(?:ا|ه|اء)$")
_WITH_TANWEEN = re.compile(f"^{LETTER}{{3,}}ا$")
_TYPED_ALIF = re.compile(f"ا{MARKS}*$")

_TABLE = str.maketrans(FROM_LETTERS, TO_LETTERS)
_MARKS = re.compile(MARKS)
_PREFIXES = [(re.compile(pattern), replacement) for pattern, replacement in PREFIX_RULES]


def clitic_variants(word: str) -> list[str]:
    """A normalised query word as it may be written: alone, with a clitic letter attached, and
    without the clitic it may begin with (the SQL twin is `ct_term_query`)."""
    if not _ARABIC_WORD.match(word):
        return [word]
    forms = [word, *(clitic + word for clitic in CLITICS)]
    if word[0] in STRIPPABLE_CLITICS and len(word) >= 5:
        forms.append(word[1:])
    return forms


def query_forms(word: str) -> list[tuple[str, bool]]:
    """A query word as typed, in every form it is asked for, each with whether it is also read
    stemmed: normalised, with or without the tanween alif, and each of those in its
    `clitic_variants` (the SQL twin is `ct_term_forms`)."""
    normal = search_normalize(word)
    spellings = [(normal, True)]
    if _TAKES_TANWEEN.match(normal) and not _NO_TANWEEN_ALIF.search(normal):
        spellings.append((normal + "ا", True))
    elif _WITH_TANWEEN.match(normal) and _TYPED_ALIF.search(word):
        spellings.append((normal[:-1], False))
    forms: dict[str, bool] = {}
    for spelling, stemmed in spellings:
        for form in clitic_variants(spelling):
            forms.setdefault(form, stemmed)
    return list(forms.items())


def search_normalize(text: str) -> str:
    """The text as the search index sees it: one letter form, no marks, no leading clitics."""
    text = _MARKS.sub("", text).translate(_TABLE)
    for pattern, replacement in _PREFIXES:
        text = pattern.sub(replacement, text)
    return text
