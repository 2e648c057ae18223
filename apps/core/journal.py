"""The grades an edit moved, kept for the answer to that edit: a grade never moves silently."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class GradeMoves(list):
    """The moves an edit made, `[{claim, from, to, reason}]`, and how many claims it left `queued` for
    a background regrade (their moves are not known yet)."""

    queued: int = 0


_moves: ContextVar[GradeMoves | None] = ContextVar("grade_moves", default=None)


@contextmanager
def grade_moves() -> Iterator[GradeMoves]:
    """Collect the grade moves recorded inside the block: `[{claim, from, to, reason}]`, one per
    claim (its first grade and its last), those that came back where they were left out."""
    collected = GradeMoves()
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


def record_queued_regrades(count: int) -> None:
    """Note claims left for a background regrade by the edit being answered, if one is collecting."""
    collected = _moves.get()
    if collected is not None:
        collected.queued += count


def describe_queued_regrades(count: int) -> str:
    return f"{count:,} claim{'s are' if count != 1 else ' is'} being regraded in the background."


def describe_grade_moves(moves: list[dict]) -> str:
    """One sentence for an editor: "Regraded: #12 from 3 to 4 (C3: contradicted by #7, …)."; for a
    fan-out left to the task queue, how many claims are being regraded in the background."""
    parts = []
    for move in moves:
        why = f" ({move['reason']})" if move["reason"] else ""
        parts.append(f"#{move['claim']} from {move['from']} to {move['to']}{why}")
    queued = getattr(moves, "queued", 0)
    said = "Regraded: " + "; ".join(parts) if parts else ""
    if queued:
        said = f"{said}. {describe_queued_regrades(queued)}" if said else describe_queued_regrades(queued)
    return said
