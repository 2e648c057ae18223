"""The grades an edit moved, kept for the answer to that edit: a grade never moves silently."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_moves: ContextVar[list[dict] | None] = ContextVar("grade_moves", default=None)


@contextmanager
def grade_moves() -> Iterator[list[dict]]:
    """Collect the grade moves recorded inside the block: `[{claim, from, to, reason}]`, one per
    claim (its first grade and its last), those that came back where they were left out."""
    collected: list[dict] = []
    token = _moves.set(collected)
    try:
        yield collected
    finally:
        _moves.reset(token)
        merged: dict[int, dict] = {}
        for move in collected:
            if move["claim"] in merged:
                merged[move["claim"]].update(to=move["to"], reason=move["reason"])
            else:
                merged[move["claim"]] = dict(move)
        collected[:] = [move for move in merged.values() if move["from"] != move["to"]]


def record_grade_moves(moves: list[dict]) -> None:
    """Note grade moves for the edit being answered, if one is collecting them."""
    collected = _moves.get()
    if collected is not None:
        collected.extend(moves)


def describe_grade_moves(moves: list[dict]) -> str:
    """One sentence for an editor: "Regraded: #12 from 3 to 4 (C3: contradicted by #7, …)."."""
    parts = []
    for move in moves:
        why = f" ({move['reason']})" if move["reason"] else ""
        parts.append(f"#{move['claim']} from {move['from']} to {move['to']}{why}")
    return "Regraded: " + "; ".join(parts)
