"""One ClaimReview object read into checked values, without the database.

Terms are read as schema.org's compact names (as Google reads them); `schema:` and schema.org IRIs
are allowed in `@type`.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from apps.claims.claimreview_import.verdicts import verdict_status
from apps.core.models import DatePrecision, parse_partial_date
from apps.documents.ingest.reading import Rejected
from apps.documents.models import Document
from apps.entities.models import Entity

if TYPE_CHECKING:
    from apps.claims.claimreview_import.reading import Where

NAME_MAX = Entity._meta.get_field("name").max_length
TITLE_MAX = Document._meta.get_field("title").max_length
URL_MAX = Document._meta.get_field("url").max_length
LANGUAGE_MAX = Document._meta.get_field("language").max_length
UNDETERMINED = "und"  # BCP 47's "language not known"
DEFAULT_LANGUAGE = "en"

_SCHEMA_PREFIXES = ("schema:", "http://schema.org/", "https://schema.org/")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_DATE = re.compile(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)(T.+)?$")
_check_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Agent:
    name: str
    kind: str  # Entity.Kind


@dataclass(frozen=True)
class PartialDate:
    date: datetime.date
    precision: str

    def __str__(self) -> str:
        if self.precision == DatePrecision.YEAR:
            return f"{self.date.year:04d}"
        if self.precision == DatePrecision.MONTH:
            return f"{self.date.year:04d}-{self.date.month:02d}"
        return self.date.isoformat()


@dataclass(frozen=True)
class Appearance:
    """A work the claim appears in, known by reference: what a document without a body records."""

    url: str
    title: str
    published: PartialDate | None
    publisher: Agent | None
    language: str
    kind: str  # Document.Kind
    has_text: bool


@dataclass(frozen=True)
class Review:
    where: Where
    claim_reviewed: str
    claim_language: str
    url: str
    title: str
    published: PartialDate | None
    language: str
    reviewer: Agent | None
    review_authors: tuple[Agent, ...]
    verdict: str
    status: str
    status_note: str
    claimant: Agent | None
    claim_date: PartialDate | None
    appearances: tuple[Appearance, ...] = field(default=())


def types_of(node: Any) -> set[str]:
    """An object's schema.org types, by their short names ("schema:ClaimReview": ClaimReview)."""
    if not isinstance(node, dict):
        return set()
    raw = node.get("@type", node.get("type", []))
    names = raw if isinstance(raw, list) else [raw]
    found = set()
    for name in names:
        if isinstance(name, str):
            for prefix in _SCHEMA_PREFIXES:
                name = name.removeprefix(prefix)
            found.add(name)
    return found


def json_type(value: Any) -> str:
    """What a JSON value is, in words, for a message."""
    return {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(
        type(value), "text" if isinstance(value, str) else "null"
    )


# --- reading one review ---------------------------------------------------------------------------


def review_parse(node: dict, where: Where) -> Review:
    """Check one ClaimReview's values and read them; any bad one is a Rejected naming it."""
    claim_reviewed = _text(node, "claimReviewed")
    if claim_reviewed is None or not claim_reviewed.strip():
        raise Rejected("no claimReviewed: a review needs the claim it reviews, in words")
    url = _url(node, "url")
    headline = _text(node, "headline") or _text(node, "name") or ""
    published = _date(node, "datePublished")
    language = _language(node, "inLanguage")
    claim_language = language or script_language(claim_reviewed) or DEFAULT_LANGUAGE

    publisher = _agents(node, "publisher", organisation=Entity.Kind.OUTLET, default=Entity.Kind.OUTLET)
    authors = _agents(node, "author", organisation=Entity.Kind.OUTLET, default=Entity.Kind.OUTLET)
    people = tuple(agent for agent in authors if agent.kind == Entity.Kind.PERSON)
    bodies = [agent for agent in authors if agent.kind != Entity.Kind.PERSON]
    reviewer = (publisher or bodies or [None])[0]
    if reviewer is None and people:
        reviewer, people = people[0], people[1:]

    verdict, value, best, worst, explanation = _rating(node)
    item = _object(node, "itemReviewed")
    claimant = (
        _agents(
            item, "author", "itemReviewed.", organisation=Entity.Kind.ORGANIZATION, default=Entity.Kind.OTHER
        )
        or [None]
    )[0]
    claim_date = _date(item, "datePublished", "itemReviewed.")
    appearances = _appearances(item)

    status = verdict_status(verdict, value=value, best=best, worst=worst)
    note = _status_note(
        verdict=verdict,
        value=value,
        best=best,
        worst=worst,
        explanation=explanation,
        reviewer=reviewer,
        published=published,
        url=url,
        claimant=claimant,
        claim_date=claim_date,
        read_as=status,
    )
    title = headline.strip() or f"Fact check: {_shortened(claim_reviewed.strip(), TITLE_MAX - 12)}"
    return Review(
        where=where,
        claim_reviewed=claim_reviewed,
        claim_language=claim_language,
        url=url,
        title=_shortened(title, TITLE_MAX),
        published=published,
        language=language or claim_language,
        reviewer=reviewer,
        review_authors=people,
        verdict=verdict,
        status=status,
        status_note=note,
        claimant=claimant,
        claim_date=claim_date,
        appearances=appearances,
    )


def _status_note(
    *, verdict, value, best, worst, explanation, reviewer, published, url, claimant, claim_date, read_as
):
    said = f"Verdict «{verdict}»" if verdict else "No verdict in words"
    if value is not None:
        scale = (
            f" on a scale of {_number(worst)} (worst) to {_number(best)} (best)"
            if best is not None and worst is not None
            else ""
        )
        said += f", rated {_number(value)}{scale}"
    if reviewer is not None:
        said += f", by {reviewer.name}"
    if published is not None:
        said += f", {published}"
    if url:
        said += f" ({url})"
    lines = [said + "."]
    if read_as == "unreviewed":
        lines[0] += " Read as unreviewed: left for an editor to judge."
    if explanation:
        lines.append(explanation)
    if claimant is not None:
        lines.append(f"Claimed by {claimant.name}" + (f" ({claim_date})." if claim_date else "."))
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "?" if value is None else (str(int(value)) if float(value).is_integer() else str(value))


def _rating(node: dict) -> tuple[str, float | None, float | None, float | None, str]:
    raw = node.get("reviewRating")
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if raw is None:
        return "", None, None, None, ""
    if isinstance(raw, str):
        return _checked_text(raw, "reviewRating"), None, None, None, ""
    if not isinstance(raw, dict):
        raise Rejected(f"reviewRating must be a Rating object, not {json_type(raw)}")
    verdict = _text(raw, "alternateName", "reviewRating.") or _text(raw, "name", "reviewRating.") or ""
    numbers = [_number_value(raw, key) for key in ("ratingValue", "bestRating", "worstRating")]
    explanation = _text(raw, "ratingExplanation", "reviewRating.") or ""
    return verdict.strip(), *numbers, explanation.strip()


def _number_value(rating: dict, key: str) -> float | None:
    raw = rating.get(key)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise Rejected(f"reviewRating.{key} must be a number, not {json_type(raw)}")
    try:
        number = float(raw)
    except ValueError:
        raise Rejected(f"reviewRating.{key} must be a number, not {raw!r:.40}") from None
    if not math.isfinite(number):
        raise Rejected(f"reviewRating.{key} must be a finite number")
    return number


def _appearances(item: dict) -> tuple[Appearance, ...]:
    raws: list[tuple[str, Any]] = []
    if types_of(item) - {"Claim"} and any(key in item for key in ("url", "sameAs", "headline", "name")):
        raws.append(("itemReviewed", item))  # older markup: the reviewed item is the work itself
    for key in ("firstAppearance", "appearance"):
        value = item.get(key)
        values = value if isinstance(value, list) else [] if value is None else [value]
        raws += [
            (f"itemReviewed.{key}" + (f"[{i}]" if isinstance(value, list) else ""), v)
            for i, v in enumerate(values)
        ]
    found: dict[str, Appearance] = {}
    for label, raw in raws:
        appearance = _appearance(raw, label)
        if appearance is not None:
            found.setdefault(appearance.url or f"title:{appearance.title}", appearance)
    return tuple(found.values())


def _appearance(raw: Any, label: str) -> Appearance | None:
    if isinstance(raw, str):
        url = _checked_url(raw, label)
        return Appearance(
            url, _shortened(url, TITLE_MAX), None, None, UNDETERMINED, Document.Kind.OTHER, False
        )
    if not isinstance(raw, dict):
        raise Rejected(f"{label} must be a web address or a CreativeWork, not {json_type(raw)}")
    prefix = f"{label}."
    url = _url(raw, "url", prefix) or (
        _url(raw, "sameAs", prefix) if isinstance(raw.get("sameAs"), str) else ""
    )
    headline = (_text(raw, "headline", prefix) or _text(raw, "name", prefix) or "").strip()
    if not url and not headline:
        return None  # nothing to know it by: no document to record
    types = types_of(raw)
    kind = (
        Document.Kind.NEWS_ARTICLE
        if types & {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle"}
        else Document.Kind.REPORT
        if "Report" in types
        else Document.Kind.OTHER
    )
    language = _language(raw, "inLanguage", prefix) or script_language(headline) or UNDETERMINED
    publisher = (
        _agents(raw, "publisher", prefix, organisation=Entity.Kind.OUTLET, default=Entity.Kind.OUTLET)
        or [None]
    )[0]
    return Appearance(
        url=url,
        title=_shortened(headline or url, TITLE_MAX),
        published=_date(raw, "datePublished", prefix),
        publisher=publisher,
        language=language,
        kind=kind,
        has_text=bool(_text(raw, "text", prefix)),
    )


# --- values ---------------------------------------------------------------------------------------


def _object(node: dict, key: str) -> dict:
    value = node.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Rejected(f"{key} must be an object, not {json_type(value)}")
    return value


def _text(node: dict, key: str, prefix: str = "") -> str | None:
    value = node.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict) and "@value" in value:
        value = value["@value"]
    if value is None:
        return None
    if not isinstance(value, str):
        raise Rejected(f"{prefix}{key} must be text, not {json_type(value)}")
    return _checked_text(value, prefix + key)


def _checked_text(value: str, name: str) -> str:
    if "\x00" in value:
        raise Rejected(f"{name} contains a NUL character, which PostgreSQL cannot store")
    return value


def _url(node: dict, key: str, prefix: str = "") -> str:
    value = _text(node, key, prefix)
    return _checked_url(value.strip(), prefix + key) if value and value.strip() else ""


def _checked_url(value: str, name: str) -> str:
    if len(value) > URL_MAX:
        raise Rejected(f"{name} is longer than {URL_MAX} characters")
    try:
        _check_url(value)
    except ValidationError:
        raise Rejected(f"{name} {value[:80]!r} is not a web address (http:// or https://)") from None
    return value


def _date(node: dict, key: str, prefix: str = "") -> PartialDate | None:
    """YYYY, YYYY-MM or YYYY-MM-DD (a time after a full date is allowed); its form says its precision."""
    value = _text(node, key, prefix)
    if value is None or not value.strip():
        return None
    match = _DATE.match(value.strip())
    try:
        if match is None:
            raise ValueError(value)
        date, precision = parse_partial_date(match.group(1))
        if match.group(2):
            if precision != DatePrecision.DAY:
                raise ValueError(value)
            datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Rejected(
            f"bad {prefix}{key} {value[:40]!r}: expected YYYY, YYYY-MM or YYYY-MM-DD "
            "(a time may follow a full date)"
        ) from None
    return PartialDate(date, precision)


def _language(node: dict, key: str, prefix: str = "") -> str:
    value = node.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):  # a schema.org Language: its code is its alternateName
        value = value.get("alternateName")
        if not isinstance(value, str) or not _LANGUAGE_TAG.match(value):
            return ""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) > LANGUAGE_MAX or not _LANGUAGE_TAG.match(value):
        raise Rejected(f"{prefix}{key} {str(value)[:40]!r} is not a language tag such as en, ar or fr-CA")
    return value


_KINDS = {
    "Person": Entity.Kind.PERSON,
    "GovernmentOrganization": Entity.Kind.GOVERNMENT,
    "NewsMediaOrganization": Entity.Kind.OUTLET,
    "Place": Entity.Kind.PLACE,
    "Country": Entity.Kind.PLACE,
    "City": Entity.Kind.PLACE,
}


def _agents(node: dict, key: str, prefix: str = "", *, organisation: str, default: str) -> list[Agent]:
    """The people or organisations named under `key` (a name, an object, or a list of either)."""
    value = node.get(key)
    values = value if isinstance(value, list) else [] if value is None else [value]
    agents = []
    for index, raw in enumerate(values):
        label = f"{prefix}{key}" + (f"[{index}]" if isinstance(value, list) else "")
        if isinstance(raw, str):
            name, kind = raw, default
        elif isinstance(raw, dict):
            name = _text(raw, "name", f"{label}.") or ""
            types = types_of(raw)
            kind = next((_KINDS[t] for t in sorted(types) if t in _KINDS), None)
            if kind is None:
                kind = (
                    organisation
                    if any("Organization" in t or t in {"Corporation", "NGO"} for t in types)
                    else default
                )
        else:
            raise Rejected(f"{label} must be a name or a Person or Organization, not {json_type(raw)}")
        name = " ".join(_checked_text(name, label).split())
        if not name:
            continue
        if len(name) > NAME_MAX:
            raise Rejected(f"{label} name is longer than {NAME_MAX} characters")
        agents.append(Agent(name, kind))
    return agents


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# Scripts that say which language a text is in, near enough (Persian and Urdu are written in Arabic
# letters too: an editor corrects those); Latin letters say nothing.
_SCRIPTS = [
    ("ar", re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]")),
    ("he", re.compile(r"[\u0590-\u05FF]")),
    ("ru", re.compile(r"[\u0400-\u04FF]")),
    ("el", re.compile(r"[\u0370-\u03FF]")),
    ("hi", re.compile(r"[\u0900-\u097F]")),
    ("ja", re.compile(r"[\u3040-\u30FF]")),
    ("ko", re.compile(r"[\uAC00-\uD7AF]")),
    ("zh", re.compile(r"[\u4E00-\u9FFF]")),
]


def script_language(text: str) -> str | None:
    """The language a text's letters point to (Arabic letters: ar), None for Latin letters or none."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    sample = "".join(letters)
    counts = [(len(pattern.findall(sample)), tag) for tag, pattern in _SCRIPTS]
    count, tag = max(counts)
    return tag if count * 2 > len(letters) else None
