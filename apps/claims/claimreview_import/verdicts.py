"""A fact-checker's verdict in words (or numbers) read as a claim's editorial status."""

from __future__ import annotations

import math
import re
import unicodedata

from apps.claims.models import Claim

Status = Claim.Status

# Checked in this order, each phrase against the whole verdict and then against its first part
# ("Disputed — doubtful (C4)": "disputed"): a mixture before the words it is mixed of ("half true"
# holds "true"), a negation before what it negates ("not true"). Lower case, without accents.
PHRASES: list[tuple[str, tuple[str, ...]]] = [
    (Status.UNREVIEWED, ("not yet reviewed", "unreviewed", "research in progress", "in progress")),
    (
        Status.DISPUTED,
        (
            "mixture",
            "mixed",
            "half true",
            "half-true",
            "half false",
            "partly true",
            "partly false",
            "partially true",
            "partially false",
            "disputed",
            "needs context",
            "missing context",
            "lacks context",
            "out of context",
            "صحيح جزئيا",
            "نصف صحيح",
            "مختلط",
            "جزئيا",
            "plutot vrai",
            "en partie faux",
            "a medias",
        ),
    ),
    (
        Status.UNVERIFIABLE,
        (
            "unproven",
            "unverifiable",
            "unverified",
            "cannot be verified",
            "can't be verified",
            "no evidence",
            "unsupported",
            "غير مؤكد",
            "لا يمكن التحقق",
            "غير قابل للتحقق",
            "invérifiable",
            "inverifiable",
            "sin pruebas",
        ),
    ),
    (
        Status.REFUTED,
        (
            "refuted",
            "pants on fire",
            "not true",
            "untrue",
            "mostly false",
            "false",
            "incorrect",
            "inaccurate",
            "misleading",
            "wrong",
            "fake",
            "fabricated",
            "hoax",
            "baseless",
            "debunked",
            "distorted",
            "four pinocchios",
            "خطأ",
            "خاطئ",
            "زائف",
            "كاذب",
            "مضلل",
            "مفبرك",
            "ملفق",
            "faux",
            "falso",
            "falsch",
            "trompeur",
            "enganoso",
        ),
    ),
    (
        Status.CORROBORATED,
        (
            "mostly true",
            "true",
            "correct",
            "accurate",
            "verified",
            "confirmed",
            "corroborated",
            "صحيح",
            "حقيقي",
            "vrai",
            "verdadero",
            "wahr",
        ),
    ),
]

# "Refuted — improbable (C5)", "False: no such law", "Mostly false | PolitiFact"
_PARTS = re.compile(r"\s+[—–-]\s+|[:|(]")


def _plain(text: str) -> str:
    """Lower case, without accents or Arabic short vowels, spaces single: how verdicts are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(kept.replace("’", "'").split()).strip(" .!")


_PLAIN_PHRASES = [(status, frozenset(map(_plain, phrases))) for status, phrases in PHRASES]


def _words(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def verdict_status(
    words: str = "", *, value: float | None = None, best: float | None = None, worst: float | None = None
) -> str:
    """The status a verdict reads as: its words first (the whole, then its first part, then any phrase
    in it), else where `value` stands between `worst` and `best` (top quarter corroborated, bottom
    quarter refuted, between disputed), else unreviewed."""
    plain = _plain(words)
    if plain:
        first = _plain(_PARTS.split(plain, maxsplit=1)[0])
        for candidate in (plain, first):
            for status, phrases in _PLAIN_PHRASES:
                if candidate in phrases:
                    return status
        for candidate in (first, plain):
            for status, phrases in _PLAIN_PHRASES:
                if any(_words(candidate, phrase) for phrase in phrases):
                    return status
    return _numeric_status(value, best, worst)


def _numeric_status(value: float | None, best: float | None, worst: float | None) -> str:
    if value is None or best is None or worst is None or best == worst:
        return Status.UNREVIEWED
    if not all(math.isfinite(number) for number in (value, best, worst)):
        return Status.UNREVIEWED
    position = (value - worst) / (best - worst)  # 0 the worst, 1 the best, whichever way the scale runs
    if not 0 <= position <= 1:
        return Status.UNREVIEWED
    if position >= 0.75:
        return Status.CORROBORATED
    if position <= 0.25:
        return Status.REFUTED
    return Status.DISPUTED
