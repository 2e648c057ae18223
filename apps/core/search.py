"""Full-text search over the stored vectors, and highlights in the text exactly as published."""

from __future__ import annotations

import html
import re

from django.contrib.postgres.search import SearchQueryField
from django.db.models import BooleanField, F, FloatField, Func, QuerySet, Value

from apps.core.arabic import search_normalize


class SearchQuery(Func):
    """`ct_search_query(q)`: the query read as Arabic, English and simple words (see 0002_search)."""

    function = "ct_search_query"
    output_field = SearchQueryField()

    def __init__(self, text: str) -> None:
        super().__init__(Value(text))


class Matches(Func):
    """`vector @@ query`, usable in `filter()`."""

    template = "%(expressions)s"
    arg_joiner = " @@ "
    output_field = BooleanField()


class Rank(Func):
    """Cover density ranking, normalised by document length (flag 2|4: long bodies do not win by size)."""

    function = "ts_rank_cd"
    template = "%(function)s(%(expressions)s, 6)"
    output_field = FloatField()


def search_queryset(queryset: QuerySet, text: str) -> QuerySet:
    """Rows whose `search_vector` matches `text`, annotated with `search_rank`."""
    query = SearchQuery(text)
    return queryset.filter(Matches(F("search_vector"), query)).annotate(
        search_rank=Rank(F("search_vector"), query)
    )


# --- highlights -----------------------------------------------------------------------------

WORD = re.compile(r"[\w\u064B-\u065F\u0670\u0640]+")  # letters, digits and the marks inside words
QUERY_NOISE = re.compile(r'["«»“”]|(?<!\S)-\S+|\bor\b', re.IGNORECASE)
MIN_PREFIX = 3
SNIPPET_WORDS = 14


def _terms(query: str) -> list[str]:
    """The words a query looks for, normalised; negated (`-word`) and `or` left out."""
    return [search_normalize(word).lower() for word in WORD.findall(QUERY_NOISE.sub(" ", query))]


def _matches(word: str, terms: list[str]) -> bool:
    # the index stems, this does not: a shared beginning of three letters or more stands for it
    word = search_normalize(word).lower()
    for term in terms:
        shorter = min(len(word), len(term))
        if word == term or (shorter >= MIN_PREFIX and word[:shorter] == term[:shorter]):
            return True
    return False


def highlight(text: str, query: str, *, words: int = SNIPPET_WORDS) -> str | None:
    """A snippet of `text` around its first match, as HTML, each matching word in `<mark>`.

    The words are shown exactly as published (PostgreSQL's ts_headline would show them only
    in the normalised form the index holds); None when no word of `text` matches.
    """
    terms = _terms(query)
    if not text or not terms:
        return None
    tokens = list(WORD.finditer(text))
    hits = {i for i, token in enumerate(tokens) if _matches(token.group(), terms)}
    if not hits:
        return None
    first = max(0, min(hits) - words // 3)
    last = min(len(tokens) - 1, first + words - 1)
    start, end = tokens[first].start(), tokens[last].end()
    pieces, cursor = [], start
    for i in range(first, last + 1):
        token = tokens[i]
        pieces.append(html.escape(text[cursor : token.start()]))
        word = html.escape(token.group())
        pieces.append(f"<mark>{word}</mark>" if i in hits else word)
        cursor = token.end()
    snippet = "".join(pieces)
    return ("…" if start > 0 else "") + snippet + ("…" if end < len(text) else "")
