"""Arabic-aware normalisation for search only: stored text is never changed.

The same rules run in PostgreSQL (`ct_search_normalize`, apps/core/migrations/0002_search.py) on
the indexed text and on every query; this Python twin highlights matches in the original text and
is held to the SQL one, word for word over the seed corpus, by tests/core/test_arabic.py.
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


def search_normalize(text: str) -> str:
    """The text as the search index sees it: one letter form, no marks, no leading clitics."""
    text = _MARKS.sub("", text).translate(_TABLE)
    for pattern, replacement in _PREFIXES:
        text = pattern.sub(replacement, text)
    return text
