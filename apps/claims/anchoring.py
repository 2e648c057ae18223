"""Quote anchoring: where an exact quote stands in a document body (W3C TextQuote/TextPosition).

A quote is anchored only where the body has it character for character. When it has not, the
error helps the editor fix the paste: `nearest_passages` looks for the quote again with both texts
folded (whitespace, punctuation, diacritics and tatweel dropped; letter forms and digits made one)
and, failing that, for the most similar passage; either way it reports the body's own text and its
offsets. The folding is for matching only: stored text and offsets are never folded.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache

from django.core.exceptions import ValidationError

CONTEXT = 32  # characters of prefix/suffix shown to tell occurrences apart
MAX_LISTED = 10  # occurrences listed in an error; past that the quote is too short to be useful
SIMILAR_ENOUGH = 0.6  # below this a closest passage is not shown: it would only mislead
CANDIDATES = 12  # windows difflib compares in full, picked by shared letter pairs
COMPARISON_BUDGET = 500_000  # fewer of them for a long quote: difflib's cost grows as its square
MIN_FUZZY_LENGTH = 5  # a shorter (folded) quote is similar to half the body

WHITESPACE = "whitespace"
PUNCTUATION = "punctuation"
MARKS = "diacritics or tatweel"
INVISIBLE = "invisible characters"
LETTERS = "letter forms"
DIGITS = "digits"
# the order a difference is named in
DIFFERENCES = (WHITESPACE, PUNCTUATION, LETTERS, MARKS, DIGITS, INVISIBLE)

TATWEEL = "ـ"
# hamza seats, taa marbuta, alef maqsura, Persian/Urdu keyboard letters: spellings of one letter
LETTER_FORMS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ة": "ه",
        "ۀ": "ه",
        "ھ": "ه",
        "ہ": "ه",
        "ى": "ي",
        "ی": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ک": "ك",
    }
)


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int


@dataclass(frozen=True)
class NearMiss:
    """A passage of the body (its exact text and offsets) close to a quote that is not in it.

    `differences` names what the quote changes when the two are the same text but for folding
    (`similarity` is then None); a passage found by similarity has `similarity` and no differences.
    """

    start: int
    end: int
    text: str
    differences: tuple[str, ...] = ()
    similarity: float | None = None

    def describe(self) -> str:
        where = f"«{self.text}» at characters {self.start}–{self.end}"
        if self.similarity is None:
            return f"{where} (differs in: {', '.join(self.differences)})"
        return f"{where} ({self.similarity:.0%} similar)"


def occurrences(body: str, quote: str) -> list[int]:
    """Every start offset of `quote` in `body`, overlapping ones included."""
    found, at = [], body.find(quote)
    while at != -1:
        found.append(at)
        at = body.find(quote, at + 1)
    return found


def context(body: str, start: int, end: int) -> str:
    """The quote at `start:end` with a little of the text either side, for an error message."""
    # a line break around the quote would break the error's line; the bracketed quote is as it is
    before = _one_line(body[max(0, start - CONTEXT) : start])
    after = _one_line(body[end : end + CONTEXT])
    return f"…{before}[{body[start:end]}]{after}…"


def _one_line(text: str) -> str:
    return "".join(" " if ch.isspace() else ch for ch in text)


# --- folding: the text compared when the quote is not in the body as it stands


@cache
def _pieces(ch: str) -> tuple[tuple[str, str, str], ...]:
    """What one character of a text is: (kind, the character, its folded form) for each part."""
    compatible = unicodedata.normalize("NFKC", ch)  # presentation forms (ﻻ), NBSP, ellipsis
    parts = [ch] if len(compatible) == 1 else list(compatible)
    found = []
    for original, part in zip(parts, compatible, strict=True):
        category = unicodedata.category(part)
        if part.isspace() or category.startswith("Z"):
            found.append((WHITESPACE, original, ""))
        elif part == TATWEEL or category.startswith("M"):
            found.append((MARKS, original, ""))
        elif category in ("Cf", "Cc", "Co", "Cn"):
            found.append((INVISIBLE, original, ""))
        elif category[0] in "PS":
            found.append((PUNCTUATION, original, ""))
        elif (digit := unicodedata.decimal(part, None)) is not None:
            found.append((DIGITS, original, str(digit)))
        else:
            found.append((LETTERS, original, part.translate(LETTER_FORMS).casefold()))
    return tuple(found)


def _fold(text: str, keep: frozenset[str] = frozenset()) -> tuple[str, list[int]]:
    """Fold `text` for matching, with the offset in `text` of every folded character.

    Kinds in `keep` are left as they are (to tell which kinds two texts differ in).
    """
    folded: list[str] = []
    origin: list[int] = []
    for at, ch in enumerate(text):
        for kind, original, plain in _pieces(ch):
            piece = original if kind in keep else plain
            folded.append(piece)
            origin.extend([at] * len(piece))
    return "".join(folded), origin


def _kind(ch: str) -> str:
    pieces = _pieces(ch)
    return pieces[0][0] if pieces else INVISIBLE


def _differences(quote: str, passage: str) -> tuple[str, ...]:
    """The kinds of character in which two texts that fold alike differ."""
    named = tuple(
        kind
        for kind in DIFFERENCES
        if _fold(quote, frozenset({kind}))[0] != _fold(passage, frozenset({kind}))[0]
    )
    return named or ("the order of characters that are not letters",)


def _edge(text: str, *, reverse: bool = False) -> str:
    """The characters before the first (or after the last) letter or digit of `text`."""
    chars = reversed(text) if reverse else iter(text)
    edge = []
    for ch in chars:
        if _kind(ch) in (LETTERS, DIGITS):
            break
        edge.append(ch)
    return "".join(reversed(edge) if reverse else edge)


def _widen(body: str, start: int, end: int, quote: str) -> tuple[int, int]:
    """Stretch a match of the folded quote to whole characters of the body.

    The marks on its last letter are part of it; punctuation the quote opens or closes with (a
    quotation mark, a full stop) takes in as many of the body's own, never crossing a word.
    """
    while end < len(body) and _kind(body[end]) == MARKS:
        end += 1
    lead, tail = _edge(quote), _edge(quote, reverse=True)
    lead_kinds = {_kind(ch) for ch in lead} - {LETTERS, DIGITS}
    tail_kinds = {_kind(ch) for ch in tail} - {LETTERS, DIGITS}
    if PUNCTUATION in lead_kinds:
        limit = start - len(lead)
        while start > max(0, limit) and _kind(body[start - 1]) in lead_kinds:
            start -= 1
    if PUNCTUATION in tail_kinds:
        limit = end + len(tail)
        while end < min(len(body), limit) and _kind(body[end]) in tail_kinds:
            end += 1
    return start, end


def _to_words(body: str, start: int, end: int) -> tuple[int, int]:
    """Stretch `start:end` to whole words of the body."""
    while start > 0 and _kind(body[start - 1]) in (LETTERS, DIGITS, MARKS):
        start -= 1
    while end < len(body) and _kind(body[end]) in (LETTERS, DIGITS, MARKS):
        end += 1
    return start, end


def _shared_bigrams(folded_body: str, folded_quote: str) -> list[int]:
    """For each window of the quote's length, how many of the quote's letter pairs it has."""
    size = len(folded_quote)
    wanted = Counter(folded_quote[i : i + 2] for i in range(size - 1))
    pairs = [folded_body[i : i + 2] for i in range(len(folded_body) - 1)]
    have: Counter[str] = Counter()
    shared, scores = 0, []
    for at, pair in enumerate(pairs):
        if have[pair] < wanted[pair]:
            shared += 1
        have[pair] += 1
        if at >= size - 1:  # the pair leaving the window [at - size + 2, at + 1]
            gone = pairs[at - size + 1]
            have[gone] -= 1
            if have[gone] < wanted[gone]:
                shared -= 1
        if at >= size - 2:
            scores.append(shared)
    return scores or [0]


def _most_similar(folded_body: str, folded_quote: str) -> tuple[int, int, int]:
    """The span of `folded_body` most like `folded_quote`, and how many letters of it match.

    difflib on every window of the quote's length is too slow on a long body (its cost grows with
    the square of the quote's length), so shared letter pairs, counted in one pass, pick the
    windows worth comparing in full: the best few, apart from each other, fewer for a long quote.
    """
    size = len(folded_quote)
    matcher = SequenceMatcher(None, autojunk=False)  # autojunk would drop a long quote's common letters
    matcher.set_seq2(folded_quote)  # difflib indexes the second sequence once, for every window
    scores = _shared_bigrams(folded_body, folded_quote)
    budget = max(1, min(CANDIDATES, COMPARISON_BUDGET // size**2))
    picked: list[int] = []
    for at in sorted(range(len(scores)), key=lambda at: -scores[at]):
        if all(abs(at - other) >= size // 2 for other in picked):
            picked.append(at)
            if len(picked) == budget:
                break
    best_ratio, best_start = -1.0, picked[0]
    for at in picked if len(picked) > 1 else ():  # a single candidate needs no comparing
        matcher.set_seq1(folded_body[at : at + size])
        # quick_ratio() bounds ratio() from above at a fraction of its cost
        if matcher.quick_ratio() > best_ratio and (ratio := matcher.ratio()) > best_ratio:
            best_ratio, best_start = ratio, at
    # the window has the quote's length, not its place to the letter: widen it, then keep the span
    # its matching blocks cover, less a stray pair of letters far from the rest
    low = max(0, best_start - size // 4)
    high = min(len(folded_body), best_start + size + size // 4)
    matcher.set_seq1(folded_body[low:high])
    every = matcher.get_matching_blocks()[:-1]  # the last is a sentinel of size 0
    blocks = [block for block in every if block.size >= 2]
    while len(blocks) > 1 and blocks[1].a - (blocks[0].a + blocks[0].size) > blocks[0].size:
        blocks.pop(0)
    while len(blocks) > 1 and blocks[-1].a - (blocks[-2].a + blocks[-2].size) > blocks[-1].size:
        blocks.pop()
    if not blocks:
        return best_start, min(len(folded_body), best_start + size), 0
    first, last = blocks[0].a, blocks[-1].a + blocks[-1].size
    matched = sum(block.size for block in every if first <= block.a < last)
    return low + first, low + last, matched


def nearest_passages(*, body: str, quote: str) -> list[NearMiss]:
    """The body's passages that a quote not in it most likely meant, by position; empty if none.

    First every passage that is the quote but for whitespace, punctuation, letter forms,
    diacritics, tatweel, digits or invisible characters; else the single most similar passage of
    whole words, if it is at least SIMILAR_ENOUGH alike.
    """
    folded_quote, _ = _fold(quote)
    if not folded_quote or not body:
        return []
    folded_body, origin = _fold(body)
    found = occurrences(folded_body, folded_quote)
    if found:
        misses = []
        for at in found:
            start, end = _widen(body, origin[at], origin[at + len(folded_quote) - 1] + 1, quote)
            text = body[start:end]
            misses.append(NearMiss(start, end, text, differences=_differences(quote, text)))
        return misses
    if len(folded_quote) < MIN_FUZZY_LENGTH or not folded_body:
        return []
    low, high, matched = _most_similar(folded_body, folded_quote)
    start, end = _to_words(body, origin[low], origin[high - 1] + 1)
    text = body[start:end]
    # difflib's ratio, from the blocks already matched: a second full comparison costs as much
    similarity = 2 * matched / (len(_fold(text)[0]) + len(folded_quote))
    if similarity < SIMILAR_ENOUGH:
        return []
    return [NearMiss(start, end, text, similarity=similarity)]


def near_miss_message(*, body: str, quote: str) -> str:
    """Say where the body has what a quote that is not in it meant, in words an editor can act on."""
    misses = nearest_passages(body=body, quote=quote)
    if not misses:
        return (
            "No passage of the body is close to it, even allowing for whitespace, punctuation, "
            "letter forms and diacritics."
        )
    if misses[0].similarity is not None:
        return (
            f"The closest passage of the body is {misses[0].describe()}; "
            "if it is the one meant, paste it as the quote."
        )
    if len(misses) == 1:
        return f"The body has {misses[0].describe()}; paste it as the quote."
    listed = [f"{n}) {miss.describe()}" for n, miss in enumerate(misses[:MAX_LISTED], start=1)]
    if len(misses) > MAX_LISTED:
        listed.append(f"and {len(misses) - MAX_LISTED} more")
    return (
        f"The body has {len(misses)} passages like it: {'; '.join(listed)}; paste the one meant as the quote."
    )


def quote_anchor(*, body: str, quote: str, start: int | None = None, end: int | None = None) -> Anchor:
    """Check or find the offsets of `quote` in `body`; raise ValidationError naming the field."""
    if not quote:
        raise ValidationError({"quote": "The quote is empty."})
    if not body:
        raise ValidationError({"document": "This document has no body to anchor a quote in."})
    if start is not None or end is not None:
        if start is None:
            start = end - len(quote)
        if end is None:
            end = start + len(quote)
        if not 0 <= start < end <= len(body):
            raise ValidationError({"start": f"Offsets {start}–{end} are outside the body (0–{len(body)})."})
        if body[start:end] != quote:
            hint = occurrences(body, quote)
            where = (
                f" It occurs at {', '.join(map(str, hint))}."
                if hint
                else f" It is not in the body exactly. {near_miss_message(body=body, quote=quote)}"
            )
            raise ValidationError(
                {"quote": f"The body at {start}–{end} reads «{body[start:end]}», not the quote.{where}"}
            )
        return Anchor(start, end)

    found = occurrences(body, quote)
    if not found:
        raise ValidationError(
            {
                "quote": "The quote is not in the document body, character for character. "
                + near_miss_message(body=body, quote=quote)
            }
        )
    if len(found) > 1:
        listed = [
            f"{n}) start={at} (characters {at}–{at + len(quote)}): {context(body, at, at + len(quote))}"
            for n, at in enumerate(found[:MAX_LISTED], start=1)
        ]
        if len(found) > MAX_LISTED:
            listed.append(f"and {len(found) - MAX_LISTED} more (a longer quote would say which)")
        raise ValidationError(
            {
                "start": f"The quote occurs {len(found)} times; set start to the one meant: "
                + "; ".join(listed)
            }
        )
    return Anchor(found[0], found[0] + len(quote))


def quote_reanchor(*, body: str, quote: str, near: int) -> Anchor | None:
    """Find `quote` in a new body, preferring the occurrence nearest its old start."""
    found = occurrences(body, quote)
    if not found:
        return None
    at = min(found, key=lambda offset: (abs(offset - near), offset))
    return Anchor(at, at + len(quote))
