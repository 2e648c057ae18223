"""Read ClaimReview JSON-LD files into reviews (checked by `review`), without the database.

A file holds one object, an array, a schema.org `DataFeed` (`dataFeedElement`, each element a
review or a `DataFeedItem` wrapping one in `item`), an `@graph`, or a page of the API's own feed
(`results`); a web page holds them in `<script type="application/ld+json">` blocks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apps.claims.claimreview_import.review import Review, json_type, review_parse, types_of
from apps.documents.ingest.reading import Rejected, file_text

JSON_SUFFIXES = frozenset({".json", ".jsonld"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
SUFFIXES_SHOWN = ".json, .jsonld, .html or .htm"


@dataclass(frozen=True)
class Where:
    """One item of a file: its number among the file's items (from 1), where it sits, its @id."""

    path: Path
    number: int | None = None
    at: str = ""
    id: str = ""

    def __str__(self) -> str:
        if self.number is None:
            return f"{self.path} ({self.at})" if self.at else str(self.path)
        said = ", ".join(part for part in (self.at, f"@id {self.id}" if self.id else "") if part)
        return f"{self.path} item {self.number}" + (f" ({said})" if said else "")


@dataclass(frozen=True)
class Rejection:
    where: Where
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True)
class Ignored:
    """Another kind of thing beside the reviews (a page's Organization, its BreadcrumbList)."""

    where: Where
    type: str


# --- finding the items in a file ------------------------------------------------------------------


def review_files_find(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """The files to read, in the order given, a folder's own sorted; and the paths that are not there."""
    files, missing = [], []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in JSON_SUFFIXES | HTML_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            files.append(path)
        else:
            missing.append(path)
    return files, missing


def reviews_read(path: Path) -> Iterator[Review | Rejection | Ignored]:
    """Every ClaimReview in one file, checked. A file that cannot be read at all is one rejection; a
    page's block of bad JSON is one too, and the page's other blocks are still read."""
    try:
        text = file_text(path)
        if path.suffix.lower() in HTML_SUFFIXES or (
            path.suffix.lower() not in JSON_SUFFIXES and text.lstrip().startswith("<")
        ):
            blocks = [(f"script {n}", block) for n, block in _script_blocks(text)]
            if not blocks:
                raise Rejected('no <script type="application/ld+json"> block in the page')
        else:
            blocks = [("", text)]
    except Rejected as rejected:
        yield Rejection(Where(path), str(rejected))
        return
    nodes, refused = [], 0
    for label, block in blocks:
        try:
            data = _json(block)
        except Rejected as rejected:
            refused += 1
            yield Rejection(Where(path, at=label), str(rejected))
            continue
        nodes += [(f"{label} {at}".strip(), node) for at, node in _nodes(data, "")]
    found = 0
    for number, (at, node) in enumerate(nodes, start=1):
        where = Where(path, number, at or "the whole file", _id(node))
        kind = _review_kind(node)
        if kind is None:
            yield Ignored(where, ", ".join(sorted(types_of(node))) or "untyped")
            continue
        found += 1
        try:
            if kind != "review":
                raise Rejected(kind)
            yield review_parse(node, where)
        except Rejected as rejected:
            yield Rejection(where, str(rejected))
    if not found and not refused:
        yield Rejection(Where(path), "no ClaimReview in it")


def _script_blocks(html: str) -> Iterator[tuple[int, str]]:
    import lxml.html  # here: only pages need it

    try:
        root = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError) as error:
        raise Rejected(f"the page could not be parsed: {error}") from None
    number = 0
    for script in root.iter("script"):
        kind = (script.get("type") or "").split(";")[0].strip().lower()
        if kind == "application/ld+json":
            number += 1
            yield number, script.text or ""


def _json(text: str) -> Any:
    body = text.strip()
    # a block wrapped for old browsers: <!-- … --> or //<![CDATA[ … //]]>
    body = re.sub(r"^(<!--|(//\s*)?<!\[CDATA\[)|(-->|(//\s*)?\]\]>)$", "", body).strip()
    if not body:
        raise Rejected("empty, no JSON in it")

    def refuse(constant: str):
        raise Rejected(f"invalid JSON: {constant} is not a JSON value")

    try:
        return json.loads(body, parse_constant=refuse)
    except json.JSONDecodeError as error:
        raise Rejected(f"invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    except RecursionError:
        raise Rejected("the JSON is nested too deeply to read") from None


def _nodes(value: Any, at: str) -> Iterator[tuple[str, Any]]:
    """The objects a value holds, containers opened: arrays, @graph, DataFeed, DataFeedItem, pages."""
    if isinstance(value, list):
        for index, element in enumerate(value):
            yield from _nodes(element, f"{at}[{index}]")
        return
    if isinstance(value, dict):
        types = types_of(value)
        if "ClaimReview" not in types:
            for key in ("@graph", "dataFeedElement", "item", "results"):
                if key in value and (key != "results" or isinstance(value[key], list)):
                    yield from _nodes(value[key], f"{at}.{key}" if at else key)
                    return
    yield at, value


def _id(node: Any) -> str:
    ident = node.get("@id") if isinstance(node, dict) else None
    return ident[:200] if isinstance(ident, str) else ""


def _review_kind(node: Any) -> str | None:
    """ "review" for a ClaimReview, None for something else to leave alone, else why it is refused."""
    if not isinstance(node, dict):
        return f"expected a ClaimReview object, found {json_type(node)}"
    types = types_of(node)
    if "ClaimReview" in types:
        return "review"
    if not types:
        if "claimReviewed" in node:
            return "review"  # untyped, but a review by its content
        return "an object with neither @type nor claimReviewed: not a ClaimReview"
    return None
