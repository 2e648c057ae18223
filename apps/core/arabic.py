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

# One letter for another, as the common practice does: alef forms, hamza carriers, alef maqsura,
# taa marbuta, Persian yeh, kaf and heh with yeh; then Arabic-Indic and Persian digits.
FROM_LETTERS = "أإآٱؤئىةیکۀ" + "٠١٢٣٤٥٦٧٨٩" + "۰۱۲۳۴۵۶۷۸۹"
TO_LETTERS = "ااااوييهيكه" + "0123456789" + "0123456789"

LETTER = "[ء-يٱ-ۓ]"
NOT_LETTER = "[^ء-يٱ-ۓ]"

# Clitics, stripped from the front of a word in this order (each at most once):
# 1. the conjunctions و ف before a word of four letters or more;
# 2. the article, alone or after the prepositions ب ك, and ل + article as «لل»;
# 3. the prepositions ب ل before a word of four letters or more (not ك: «كونار» is a name, and
#    PostgreSQL's Arabic stemmer already takes ك off where it should).
PREFIX_RULES = [
    (f"(^|{NOT_LETTER})[وف]({LETTER}{{4,}})", r"\1\2"),
    (f"(^|{NOT_LETTER})(?:بال|كال|لل|ال)({LETTER}{{2,}})", r"\1\2"),
    (f"(^|{NOT_LETTER})[بل]({LETTER}{{4,}})", r"\1\2"),
]

_TABLE = str.maketrans(FROM_LETTERS, TO_LETTERS)
_MARKS = re.compile(MARKS)
_PREFIXES = [(re.compile(pattern), replacement) for pattern, replacement in PREFIX_RULES]


def search_normalize(text: str) -> str:
    """The text as the search index sees it: one letter form, no marks, no leading clitics."""
    text = _MARKS.sub("", text).translate(_TABLE)
    for pattern, replacement in _PREFIXES:
        text = pattern.sub(replacement, text)
    return text
