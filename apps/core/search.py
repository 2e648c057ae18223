"""Full-text search over the stored vectors, and highlights in the text exactly as published."""

from __future__ import annotations

import html
import math
import re
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache, reduce
from itertools import islice

from django.contrib.postgres.search import SearchQueryField, SearchVectorField
from django.db import DatabaseError, connection, connections, router, transaction
from django.db.models import (
    Aggregate,
    BooleanField,
    F,
    FloatField,
    Func,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Exact

from apps.core.arabic import query_forms, search_normalize
from apps.core.database import send_held_back_settings

TSQUERY = SearchQueryField()
WORD_PATTERN = r"[\w\u064B-\u065F\u0670\u0640]+"  # letters, digits and the marks inside words
WORD = re.compile(WORD_PATTERN)
# a minus excludes only at the start of a word: «al-Qaeda» is two words, not «al» without «Qaeda»
QUERY_ITEM = re.compile(rf'"([^"]*)"|((?<!\S)-)?({WORD_PATTERN})')


def _term(word: str, held_in: str | None = None) -> Func:
    """`ct_term_query(word)`: the word in every form and reading (apps/core/migrations/0004_tanween);
    with `held_in` (a table), only the readings its rows hold (0008_term_query_held)."""
    if held_in is not None:
        template = "ct_term_query_held(%(expressions)s::regclass)"
        return Func(Value(word), Value(held_in), template=template, output_field=TSQUERY)
    return Func(Value(word), function="ct_term_query", output_field=TSQUERY)


def _joined(left: Func, right: Func, operator: str) -> Func:
    return Func(left, right, template="(%(expressions)s)", arg_joiner=f" {operator} ", output_field=TSQUERY)


def parse_query(text: str) -> list[tuple[str, list[str]]]:
    """A query as items `(how, words)`: how is "and", "or" or "not"; several words are a phrase.

    Words are ANDed; `or` between two items ORs them; `-word` excludes; "words in quotes" are a
    phrase. Like PostgreSQL's websearch_to_tsquery, but built from terms that carry every
    spelling, so that a phrase or an exclusion holds for all of them.
    """
    items, pending_or = [], False
    for phrase, minus, word in QUERY_ITEM.findall(text):
        if phrase:
            words = WORD.findall(phrase)
            if words:
                items.append(("or" if pending_or and items else "and", words))
                pending_or = False
        elif word.lower() == "or" and not minus:
            pending_or = True
        else:
            how = "not" if minus else ("or" if pending_or and items else "and")
            items.append((how, [word]))
            pending_or = False
    return items


# the longest search text taken: the API refuses longer (a 400), the admin's box searches this much.
# Every word is a level of the query expression, and a few hundred outrun Python's recursion limit.
SEARCH_MAX_LENGTH = 200


def search_tsquery(text: str, *, held_in: str | None = None, loose: bool = False) -> Func | None:
    """The tsquery of a search box's text, or None when it holds no word.

    With `held_in` (a table), each word keeps only the readings the table's rows hold: the query
    to rank the rows that matched the whole one. It matches and ranks them alike, and costs
    `ts_rank_cd` a fraction (a lexeme no row holds is compared with every position of each row).
    It is worked out once for the query, not for each row.

    With `loose`, each phrase looked for is its words anywhere in the row (an exclusion stays as it
    is): a weaker query, which every row matching the whole one matches, and which the search index
    answers alone, where a phrase is checked against each row's vector (`PhraseMatches`)."""
    query = None
    for how, words in parse_query(text):
        item = _term(words[0], held_in)
        for word in words[1:]:
            if loose and how != "not":
                item = _joined(item, _term(word, held_in), "&&")
                continue
            item = Func(item, _term(word, held_in), function="tsquery_phrase", output_field=TSQUERY)
        if how == "not":
            item = Func(item, template="!!(%(expressions)s)", output_field=TSQUERY)
        query = item if query is None else _joined(query, item, "||" if how == "or" else "&&")
    if query is not None and held_in is not None:
        # a subquery is evaluated once (an InitPlan); a STABLE function call would be per row
        query = Func(query, template="(SELECT %(expressions)s)", output_field=TSQUERY)
    return query


class Matches(Func):
    """`vector @@ query`, usable in `filter()`."""

    template = "%(expressions)s"
    arg_joiner = " @@ "
    output_field = BooleanField()


class Rank(Func):
    """Cover density ranking, normalised by document length (flags 2|4: long bodies do not win by size)."""

    function = "ts_rank_cd"
    template = "%(function)s(%(expressions)s, 6)"
    output_field = FloatField()


class PhraseMatches(Matches):
    """`vector @@ query` for a query with a phrase, which the search index cannot answer alone: it
    finds the rows holding the phrase's words, and each of them is read back to check that they
    stand together. `loose` is the same query with its phrases as plain words (`search_tsquery`),
    for `newest_match_ids` to find candidates with."""

    def __init__(self, vector, query, *, loose) -> None:
        super().__init__(vector, query)
        self.loose = loose


def _has_phrase(text: str) -> bool:
    """Whether a search's text looks for a phrase, and excludes none (an excluded phrase is kept in
    the loose query, which then needs the rows read back again: no gain)."""
    phrases = [how for how, words in parse_query(text) if len(words) > 1]
    return bool(phrases) and "not" not in phrases


class HeldReadings(Func):
    """`search_tsquery(text, held_in=table)`: the query a search's rows are ranked with, worked out by
    the database in the query that ranks them, unless a probe's first query has worked it out first
    (`_newest_among`), and then kept by the process for HELD_READINGS_SECONDS."""

    template = "%(expressions)s"
    output_field = TSQUERY

    def __init__(self, text: str, table: str) -> None:
        super().__init__(search_tsquery(text, held_in=table))
        self.key = (table, text)


# How long a process keeps the readings a table's rows hold of a search's words: they only rank rows
# (which rows match is decided with every reading), and working them out took 6–16 ms of each search
# of 100,000 documents (an index lookup for each of a word's uncommon readings, docs/performance.md
# §18). A reading that a new row is the first to hold ranks that row within this time; 0 keeps none.
HELD_READINGS_SECONDS = 60
HELD_READINGS_KEPT = 1024  # searches a process keeps them for, at most
_held_readings: dict[tuple[str, str], tuple[float, str]] = {}  # (table, text): (until, tsquery)
_clock = time.monotonic  # what `until` is measured by (a test moves it on, not every caller of time)


def _held_kept(key: tuple[str, str]) -> Func | None:
    """The held readings of a search, as a literal tsquery, while the process keeps them."""
    kept = _held_readings.get(key)
    if kept is None or kept[0] < _clock():
        return None
    return Func(Value(kept[1]), template="%(expressions)s::tsquery", output_field=TSQUERY)


def _held_keep(key: tuple[str, str], query: str) -> None:
    if HELD_READINGS_SECONDS <= 0:
        return
    if len(_held_readings) >= HELD_READINGS_KEPT:
        _held_readings.clear()
    _held_readings[key] = (_clock() + HELD_READINGS_SECONDS, query)


def held_readings_forget() -> None:
    """Forget every search's held readings (the tests' data changes from one test to the next)."""
    _held_readings.clear()


def _held_of(queryset: QuerySet) -> HeldReadings | None:
    """The held readings a searched queryset's rank is still to work out, if any."""
    rank = queryset.query.annotations.get("search_rank")
    if isinstance(rank, Rank) and isinstance(rank.source_expressions[1], HeldReadings):
        return rank.source_expressions[1]
    return None


def search_queryset(queryset: QuerySet, text: str) -> QuerySet:
    """Rows whose `search_vector` matches `text`, annotated with `search_rank`; none for no word."""
    query = search_tsquery(text)
    if query is None:
        return queryset.none()
    table = queryset.model._meta.db_table
    held = _held_kept((table, text)) or HeldReadings(text, table)
    if _has_phrase(text):
        matches = PhraseMatches(F("search_vector"), query, loose=search_tsquery(text, loose=True))
    else:
        matches = Matches(F("search_vector"), query)
    return queryset.filter(matches).annotate(search_rank=Rank(F("search_vector"), held))


class _VectorAgg(Aggregate):
    """`ct_tsvector_agg`: the vectors of several rows as one (apps/core/migrations/0002_search)."""

    function = "ct_tsvector_agg"
    output_field = SearchVectorField()


def _vector(expression) -> Func:
    # a row without related rows (or a vector) adds no word, and does not make the whole NULL
    return Func(
        expression, template="coalesce(%(expressions)s, ''::tsvector)", output_field=SearchVectorField()
    )


def related_model(model: type[Model], path: str) -> type[Model]:
    """The model at the end of a relation path (`attestations__speaker` of a claim: the entity)."""
    for name in path.split(LOOKUP_SEP):
        model = model._meta.get_field(name).related_model
    return model


def search_with_related(queryset: QuerySet, text: str, *, related: Sequence[str] = ()) -> QuerySet:
    """Rows that match `text` in their own words and those of the rows at the end of each `related`
    path (each a model with a `search_vector`: a claim's subjects, its quotes' speakers), together:
    each word may be in the row or in any of them, and the query's phrases, exclusions and `or`
    hold over all of them. Not ranked."""
    query = search_tsquery(text)
    if query is None:
        return queryset.none()
    own = Matches(F("search_vector"), query)
    if not related:
        return queryset.filter(own)
    rows = queryset.model._base_manager
    items = parse_query(text)
    # The related rows' words are joined to a row's own one row at a time, so only for the rows whose
    # related rows hold a word of the query: for any other, the join changes nothing.
    holding_a_word = Q(pk__in=[])
    wanted = [_term(word) for how, words in items if how != "not" for word in words]
    if wanted:
        any_word = reduce(lambda left, right: _joined(left, right, "||"), wanted)
        for path in related:
            target = related_model(queryset.model, path)
            holding = target._base_manager.filter(Matches(F("search_vector"), any_word)).values("pk")
            holding_a_word |= Q(pk__in=rows.filter(**{f"{path}__in": holding}).values("pk"))
    vectors = [_vector(F("search_vector"))]
    for path in related:
        theirs = rows.filter(pk=OuterRef("pk")).values("pk").annotate(v=_VectorAgg(f"{path}__search_vector"))
        vectors.append(_vector(Subquery(theirs.values("v"))))
    joined = Func(*vectors, template="(%(expressions)s)", arg_joiner=" || ", output_field=SearchVectorField())
    with_related = Matches(joined, query)
    # the rows that match alone are found through the index, in a query of their own
    matching_alone = Q(pk__in=queryset.filter(own).values("pk"))
    if any(how == "not" for how, _ in items):
        # a word excluded may be in a related row: a row that matches alone is read with them too
        return queryset.filter(matching_alone | holding_a_word).filter(with_related)
    # without an exclusion, a row that matches alone matches with its related rows
    return queryset.filter(matching_alone | (holding_a_word & Q(with_related)))


@contextmanager
def _planner(using: str, **settings: str | int) -> Iterator[None]:
    """PostgreSQL planner settings for the queries run inside, then back to what they were (an API
    request's own, apps.api.middleware). Set in one round trip on the driver's connection, as the
    middleware sets its own: they are not queries of the view's (nor counted as such by the tests)."""
    connection = connections[using]
    connection.ensure_connection()
    send_held_back_settings(connection)  # what is restored after, and what must not overwrite these
    names = list(settings)
    before = ", ".join(f"current_setting('{name}')" for name in names)
    changes = "; ".join(f"SET {name} = {value}" for name, value in settings.items())
    was = connection.connection.execute(f"SELECT {before}; {changes}").fetchone()
    try:
        yield
    finally:
        restore = ", ".join("set_config(%s, %s, false)" for _ in names)
        values = [value for pair in zip(names, was, strict=True) for value in pair]
        try:
            connection.connection.execute(f"SELECT {restore}", values)
        except Exception:  # an aborted transaction or a lost connection: not reused with them
            connection.close()


# a search's probe first checks this many of the newest rows, to learn how common its words are
PROBE_SAMPLE = 250
# and then looks this many times further back than that share says the window needs, at most
PROBE_MARGIN = 2

# parallel workers for the window's scan of the search index: an API request has none of its own
# (API_PARALLEL_WORKERS), but a phrase in a large corpus is checked against tens of thousands of
# documents' vectors read back from TOAST, and two workers share that (PostgreSQL's default)
SEARCH_PARALLEL_WORKERS = 2


def newest_match_ids(queryset: QuerySet, limit: int, *, probe: float = 0) -> list[int]:
    """The ids of the newest `limit` rows of a searched queryset, newest first.

    Two ways to find them. The search index (a bitmap scan) gives every match, each visited in the
    table to learn its id, before the newest are kept: the cost grows with the matches, about 90,000
    for a common word in 100,000 documents. A probe walks the primary key from the newest row back,
    checking each row's vector, and stops at the `limit`-th match: the cost grows with how far back
    that is, `limit / share` rows for a word in that share of the rows. A common word is found by a
    probe, a rare one through the index (docs/performance.md §18).

    `probe` is what checking a row's vector costs against visiting one match found through the index
    (0: never probe), a table's own figure (the views' `search_probe`): under 1 where the vector is
    in the row (claims, entities), several times that where it must be read back from TOAST
    (documents). The probe checks the newest PROBE_SAMPLE rows first; the share of them that match
    tells which way costs less, and how far back to look (PROBE_MARGIN times the rows that share
    says, at most). If the window is not full there, the index finds it.

    The planner's own choices go wrong at scale: it estimates a word's frequency from a tsquery of
    many spellings, and it does not know that matching a document's vector means reading it back
    from TOAST. For a rare word it scans the whole table instead of the index, and for a middling
    one it walks the primary key from the newest row to the oldest (docs/performance.md)."""
    using = router.db_for_read(queryset.model)
    if probe:
        ids, complete = _probe(queryset, limit, probe, using=using)
        if complete:
            return ids
    with _planner(
        using,
        enable_seqscan="off",
        enable_indexscan="off",
        max_parallel_workers_per_gather=SEARCH_PARALLEL_WORKERS,
    ):
        phrase = _phrase_filter(queryset)
        if phrase is None:
            return list(queryset.order_by("-pk").values_list("pk", flat=True)[:limit])
        return _newest_phrase_match_ids(queryset, phrase, limit, using=using)


def _probe(queryset: QuerySet, limit: int, cost: float, *, using: str) -> tuple[list[int], bool]:
    """The newest `limit` matches found by checking the newest rows one by one, and whether they are
    all of them (False: the index must be asked). `cost`: `newest_match_ids`' `probe`."""
    with _planner(using, enable_seqscan="off", enable_bitmapscan="off"):
        ids, everything, rows = _newest_among(
            queryset, PROBE_SAMPLE, limit, using=using, held=_held_of(queryset)
        )
        if len(ids) == limit or everything:
            return ids, True
        share = len(ids) / PROBE_SAMPLE
        # rows a probe checks, against matches the index visits (a table never analyzed: the index)
        if not ids or limit / share * cost >= share * max(rows, 0):
            return ids, False
        ids, everything, _ = _newest_among(
            queryset, math.ceil(PROBE_MARGIN * limit / share), limit, using=using
        )
        return ids, len(ids) == limit or everything


def _newest_among(
    queryset: QuerySet, rows: int, limit: int, *, using: str, held: HeldReadings | None = None
) -> tuple[list[int], bool, float]:
    """The newest `limit` matches among the table's newest `rows` rows, whether those were all its
    rows, and how many it has as ANALYZE last counted them (-1: never counted), in one query; with
    `held`, that query works out the held readings too, and the process keeps them."""
    quote, meta = connections[using].ops.quote_name, queryset.model._meta
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    oldest = f"(SELECT {pk} FROM {table} ORDER BY {pk} DESC OFFSET {int(rows) - 1} LIMIT 1)"
    # an id is at least 1: from no oldest row (a shorter table), every row is checked
    newest = (
        queryset.order_by("-pk")
        .values_list("pk", flat=True)
        .filter(pk__gte=RawSQL(f"coalesce({oldest}, 0)", []))
    )
    compiler = newest[:limit].query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    held_sql, held_params = compiler.compile(held) if held is not None else ("NULL", [])
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT ARRAY({sql}), {oldest} IS NULL,"
            f" (SELECT reltuples FROM pg_class WHERE oid = %s::regclass), ({held_sql})::text",
            [*params, meta.db_table, *held_params],
        )
        ids, everything, counted, held_query = cursor.fetchone()
    if held is not None:
        _held_keep(held.key, held_query)
    return ids, everything, counted


def _match_filter(queryset: QuerySet, kind: type[Matches] = Matches) -> Exact | None:
    """The queryset's search (of this kind) among its filters, if it has one (`filter()` holds an
    expression as `expression = true`)."""
    found = [
        child
        for child in queryset.query.where.children
        if isinstance(child, Exact) and isinstance(child.lhs, kind) and child.rhs is True
    ]
    return found[0] if len(found) == 1 else None


def _phrase_filter(queryset: QuerySet) -> Exact | None:
    return _match_filter(queryset, PhraseMatches)


def window_rows(queryset: QuerySet, ids: Sequence[int]) -> QuerySet:
    """The rows of a searched queryset's window (`newest_match_ids`), to be ranked for a page: picked
    by id, without checking the search's match again, which they passed to be in the window. A
    document's vector was read back from TOAST for that check and again for its rank: 15 of a
    documents page's 32 ms (docs/performance.md §18). The queryset's other filters stay."""
    queryset = queryset.filter(pk__any=ids)
    match = _match_filter(queryset)
    if match is not None:
        queryset.query.where.children.remove(match)
    held = _held_of(queryset)
    kept = _held_kept(held.key) if held is not None else None
    if kept is not None:  # worked out by the window's query, or by an earlier request's
        rank = queryset.query.annotations["search_rank"].copy()
        rank.set_source_expressions([rank.source_expressions[0], kept.resolve_expression(queryset.query)])
        queryset.query.annotations["search_rank"] = rank
    return queryset


def _newest_phrase_match_ids(queryset: QuerySet, phrase: Exact, limit: int, *, using: str) -> list[int]:
    """The newest `limit` rows holding a phrase: the rows holding its words, newest first, from the
    search index alone (no row's vector read back), each then checked for the phrase itself until
    `limit` of them hold it.

    Checking the phrase as the index is scanned reads back the vector of every row holding the words,
    from TOAST for a document: «"الأمم المتحدة"» read 93,000 documents' vectors at the reference size
    to keep the newest 2,000 (596 ms; 154 ms this way, docs/performance.md §17). Here about as many
    are read back as are kept. The check is a subquery for each candidate, in the candidates' order,
    so that the LIMIT stops it."""
    vector, loose = phrase.lhs.source_expressions[0], phrase.lhs.loose
    query = queryset.query.clone()
    query.where.children = [
        Exact(Matches(vector, loose), True) if child is phrase else child for child in query.where.children
    ]
    candidates = queryset.model._base_manager.none()
    candidates.query = query
    candidates = candidates.order_by("-pk").values_list("pk", flat=True)
    compiler = candidates.query.get_compiler(using=using)
    candidates_sql, candidates_params = compiler.as_sql()
    checked_sql, checked_params = compiler.compile(phrase)
    quote = connections[using].ops.quote_name
    table, pk = quote(queryset.model._meta.db_table), quote(queryset.model._meta.pk.column)
    sql = (
        f"SELECT candidate.id FROM ({candidates_sql}) AS candidate (id)"
        f" WHERE (SELECT {checked_sql} FROM {table} WHERE {pk} = candidate.id)"
        " ORDER BY candidate.id DESC LIMIT %s"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [*candidates_params, *checked_params, limit])
        return [pk for (pk,) in cursor.fetchall()]


@contextmanager
def by_ids(queryset: QuerySet) -> Iterator[None]:
    """Run the queries of rows picked by id (`pk__any=ids`) through the primary key: a searched
    queryset's filter, repeated, must not make the planner scan the table to check it."""
    with _planner(router.db_for_read(queryset.model), enable_seqscan="off"):
        yield


# --- highlights -----------------------------------------------------------------------------

MIN_PREFIX = 3
SNIPPET_WORDS = 14


def _terms(query: str) -> list[str]:
    """The words a query looks for, normalised, in every form; excluded words left out."""
    terms = []
    for how, words in parse_query(query):
        if how != "not":
            for word in words:
                terms += [form.lower() for form, _ in query_forms(word)]
    return terms


@lru_cache(maxsize=65536)
def _normalized(word: str) -> str:
    # a body repeats its words: each distinct one is normalised once
    return search_normalize(word).lower()


def _matches(word: str, terms: tuple[str, ...]) -> bool:
    # the index stems, this does not: a shared beginning of three letters or more stands for it
    word = _normalized(word)
    for term in terms:
        shorter = min(len(word), len(term))
        if word == term or (shorter >= MIN_PREFIX and word[:shorter] == term[:shorter]):
            return True
    return False


@lru_cache(maxsize=256)
def _matcher(terms: tuple[str, ...]):
    """`_matches` against these terms, remembered per published word: a page of bodies shares
    one query and most of its words."""
    verdicts: dict[str, bool] = {}

    def matches(word: str) -> bool:
        verdict = verdicts.get(word)
        if verdict is None:
            verdict = verdicts[word] = _matches(word, terms)
            if len(verdicts) > 65536:
                verdicts.clear()
        return verdict

    return matches


def highlight(text: str, query: str, *, words: int = SNIPPET_WORDS) -> str | None:
    """A snippet of `text` around its first match, as HTML, each matching word in `<mark>`.

    The words are shown exactly as published (PostgreSQL's ts_headline would show them only
    in the normalised form the index holds); None when no word of `text` matches.
    """
    terms = _terms(query)
    if not text or not terms:
        return None
    matches = _matcher(tuple(terms))
    # the text's words are read up to the first match and to the end of the snippet, no further: a
    # document's whole body, read word by word, was most of a documents page's time in Python
    tokens = WORD.finditer(text)
    shown = deque(maxlen=words // 3 + 1)  # the first match, and the words before it the snippet shows
    for token in tokens:
        shown.append(token)
        if matches(token.group()):
            break
    else:
        return None
    found = len(shown) - 1
    shown = [*shown, *islice(tokens, words - len(shown))]
    start, end = shown[0].start(), shown[-1].end()
    pieces, cursor = [], start
    for i, token in enumerate(shown):
        pieces.append(html.escape(text[cursor : token.start()]))
        word = html.escape(token.group())
        pieces.append(f"<mark>{word}</mark>" if i >= found and matches(token.group()) else word)
        cursor = token.end()
    snippet = "".join(pieces)
    return ("…" if start > 0 else "") + snippet + ("…" if end < len(text) else "")


# PostgreSQL's limit on one tsvector: its distinct words and their positions take at most this many
# bytes ("string is too long for tsvector"): about 75,000 distinct ten-letter words. A text shorter
# than INDEXABLE_ANYWAY characters cannot reach it (a one-letter word and its space cost at most 8
# bytes: 4 of letter, 4 of position), so only longer ones are measured, by building their vector.
TSVECTOR_LIMIT = (1 << 20) - 1
INDEXABLE_ANYWAY = 100_000
PROGRAM_LIMIT_EXCEEDED = "54000"


def fits_search_index(text: str, language: str = "") -> bool:
    """Whether the search index can hold this text (its distinct words within PostgreSQL's 1 MB)."""
    if len(text) < INDEXABLE_ANYWAY:
        return True
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT length(ct_search_vector(%s, %s, 'A'))", [language, text])
    except DatabaseError as error:
        if getattr(error.__cause__, "sqlstate", None) == PROGRAM_LIMIT_EXCEEDED:
            return False
        raise
    return True


def search_index_error(field_label: str) -> str:
    return (
        f"This {field_label} has too many different words for the search index: PostgreSQL keeps at "
        f"most {TSVECTOR_LIMIT + 1:,} bytes of distinct words and their positions a row. Split the "
        "text into several documents."
    )
