"""Quote anchoring: where an exact quote stands in a document body (W3C TextQuote/TextPosition)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

CONTEXT = 32  # characters of prefix/suffix shown to tell occurrences apart


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int


def occurrences(body: str, quote: str) -> list[int]:
    """Every start offset of `quote` in `body`, overlapping ones included."""
    found, at = [], body.find(quote)
    while at != -1:
        found.append(at)
        at = body.find(quote, at + 1)
    return found


def context(body: str, start: int, end: int) -> str:
    """The quote at `start:end` with a little of the text either side, for an error message."""
    before = body[max(0, start - CONTEXT) : start]
    after = body[end : end + CONTEXT]
    return f"…{before}[{body[start:end]}]{after}…"


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
            where = f" It occurs at {', '.join(map(str, hint))}." if hint else ""
            raise ValidationError(
                {"quote": f"The body at {start}–{end} reads «{body[start:end]}», not the quote.{where}"}
            )
        return Anchor(start, end)

    found = occurrences(body, quote)
    if not found:
        raise ValidationError({"quote": "The quote is not in the document body, character for character."})
    if len(found) > 1:
        choices = "; ".join(f"start={at}: {context(body, at, at + len(quote))}" for at in found)
        raise ValidationError(
            {"start": f"The quote occurs {len(found)} times; give the start of the one meant ({choices})."}
        )
    return Anchor(found[0], found[0] + len(quote))


def quote_reanchor(*, body: str, quote: str, near: int) -> Anchor | None:
    """Find `quote` in a new body, preferring the occurrence nearest its old start."""
    found = occurrences(body, quote)
    if not found:
        return None
    at = min(found, key=lambda offset: (abs(offset - near), offset))
    return Anchor(at, at + len(quote))
