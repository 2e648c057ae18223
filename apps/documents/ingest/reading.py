"""Read documents from files (text with its sidecar, web pages, JSON lines), without the database."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEXT_SUFFIXES = frozenset({".txt"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSONL_SUFFIXES = frozenset({".jsonl"})
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
SIDECAR_SUFFIX = ".json"
SUFFIXES_SHOWN = ".txt, .html, .htm or .jsonl"

METADATA_KEYS = ("title", "url", "outlet", "language", "kind", "published", "published_precision")


class Rejected(ValueError):
    """A document, or a whole file, that cannot be imported; the message says why."""


@dataclass(frozen=True)
class Source:
    """Where a document comes from: a file, and for JSON lines the line number (from 1)."""

    path: Path
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else str(self.path)


@dataclass(frozen=True)
class Candidate:
    """A document read from its file, before its metadata is resolved against the database."""

    source: Source
    body: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Rejection:
    source: Source
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass(frozen=True)
class ImportFiles:
    files: list[Path]
    ignored: list[Path]
    missing: list[Path]


# --- finding the files ------------------------------------------------------------------


def import_files_find(*, paths: Sequence[Path]) -> ImportFiles:
    """List the files to read in a fixed order: the paths as given, each folder's files sorted.

    In a folder, hidden entries and `.json` sidecars are passed over and other types are listed as
    ignored; a file named on its own is read whatever its type, so that an unsupported one is rejected.
    """
    files: list[Path] = []
    ignored: list[Path] = []
    missing: list[Path] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            files.append(path)

    for path in paths:
        if path.is_dir():
            for inside in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = inside.relative_to(path)
                if any(part.startswith(".") for part in relative.parts):
                    continue
                suffix = inside.suffix.lower()
                if suffix in SUFFIXES:
                    add(inside)
                elif suffix != SIDECAR_SUFFIX:
                    ignored.append(inside)
        elif path.is_file():
            # `folder/*` names the sidecars too: they are read with their document, not alone
            if not _is_sidecar(path):
                add(path)
        else:
            missing.append(path)
    return ImportFiles(files=files, ignored=ignored, missing=missing)


def _is_sidecar(path: Path) -> bool:
    return path.suffix.lower() == SIDECAR_SUFFIX and any(
        path.with_suffix(suffix).is_file() for suffix in TEXT_SUFFIXES | HTML_SUFFIXES
    )


def documents_count(*, files: Sequence[Path]) -> int:
    """Count the documents the files hold (one per file, one per non-blank JSON line), for a progress bar."""
    total = 0
    for path in files:
        if path.suffix.lower() in JSONL_SUFFIXES:
            try:
                total += sum(1 for line in path.read_bytes().split(b"\n") if line.strip())
            except OSError:
                total += 1
        else:
            total += 1
    return total


# --- reading one file -------------------------------------------------------------------


def file_text(path: Path) -> str:
    """Read a file's UTF-8 text exactly as it is: no newline translation, no stripping.

    Line ends are kept as they are, CRLF included: the body is stored as collected, its hash is
    then the file's own `sha256sum`, and quotes' offsets count the same characters an editor sees
    in the file. (The admin drops a browser's CRLF because the browser added it; here nobody did.)
    Only a UTF-8 byte-order mark is dropped: it records how the file was saved, not a character
    of the article, and left in it would start the title and keep two copies from deduplicating.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Rejected(f"cannot read the file: {error.strerror}") from None
    return _utf8_text(data).removeprefix("\ufeff")


def _utf8_text(data: bytes) -> str:
    if b"\x00" in data:
        raise Rejected("a binary file (it contains NUL bytes), not UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Rejected(
            f"not UTF-8 text: byte 0x{data[error.start]:02x} at offset {error.start} is not valid UTF-8 "
            "(save the file as UTF-8)"
        ) from None


def body_check(body: str) -> None:
    """Refuse a body there is nothing in, or one PostgreSQL cannot store."""
    if not body.strip():
        raise Rejected("the body is empty" if not body else "the body is only whitespace")
    if "\x00" in body:
        raise Rejected("the body contains a NUL character, which PostgreSQL cannot store")


def metadata_check(values: dict[str, Any], *, where: str = "") -> dict[str, Any]:
    """Check a document's metadata keys and their JSON types; drop the empty ones."""
    unknown = sorted(set(values) - set(METADATA_KEYS))
    if unknown:
        known = ", ".join(METADATA_KEYS)
        raise Rejected(f"{where}unknown key(s) {', '.join(map(repr, unknown))}; metadata keys are {known}")
    for key, value in values.items():
        if value is None:
            continue
        if key == "outlet":
            if not isinstance(value, int | str) or isinstance(value, bool):
                raise Rejected(f"{where}'outlet' must be an entity id or a name, not {_json_type(value)}")
        elif not isinstance(value, str):
            raise Rejected(f"{where}{key!r} must be a string, not {_json_type(value)}")
        if isinstance(value, str) and "\x00" in value:
            raise Rejected(f"{where}{key!r} contains a NUL character")
    present = {key: value for key, value in values.items() if value is not None and value != ""}
    if "published_precision" in present and "published" not in present:
        raise Rejected(f"{where}'published_precision' is given without 'published'")
    return present


def _json_type(value: Any) -> str:
    return {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )


def sidecar_read(path: Path) -> dict[str, Any]:
    """Read the metadata in NAME.json beside NAME.txt / NAME.html, if there is one."""
    sidecar = path.with_suffix(SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return {}
    where = f"sidecar {sidecar.name}: "
    try:
        text = _utf8_text(sidecar.read_bytes()).removeprefix("\ufeff")
        values = json.loads(text)
    except Rejected as rejected:
        raise Rejected(f"{where}{rejected}") from None
    except json.JSONDecodeError as error:
        raise Rejected(
            f"{where}invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(values, dict):
        raise Rejected(f"{where}expected a JSON object of metadata")
    return metadata_check(values, where=where)


@dataclass(frozen=True)
class Page:
    body: str
    metadata: dict[str, Any]


def html_extract(html: str) -> Page:
    """Take a web page's main text (no navigation, footer or comments) and its title, date and address."""
    import trafilatura  # here, not above: it takes most of a second to import, and only pages need it

    try:
        extracted = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            # the date from the page's metadata (article:published_time, JSON-LD, …) only, never a
            # guess from the dates in the text: these articles are full of the dates of what they report
            date_extraction_params={
                "original_date": True,
                "extensive_search": False,
                "max_date": datetime.date.today().isoformat(),
            },
        )
    except Exception as error:  # a page the parser chokes on is one rejection, not the end of the batch
        raise Rejected(f"the page could not be parsed: {error}") from None
    if extracted is None or not (extracted.text or "").strip():
        raise Rejected("no main text found in the page")
    found = {"title": extracted.title, "published": extracted.date, "url": extracted.url}
    return Page(body=extracted.text, metadata={key: value for key, value in found.items() if value})


def _jsonl_line(raw: bytes, *, first: bool) -> tuple[str, dict[str, Any]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Rejected(f"not UTF-8 text: byte 0x{raw[error.start]:02x} at column {error.start + 1}") from None
    if first:
        text = text.removeprefix("\ufeff")
    try:
        values = json.loads(text)
    except json.JSONDecodeError as error:
        raise Rejected(f"invalid JSON: {error.msg} (column {error.colno})") from None
    if not isinstance(values, dict):
        raise Rejected('expected a JSON object such as {"body": "…", "title": "…"}')
    if "body" not in values:
        raise Rejected('no "body": every line needs the document\'s text')
    body = values.pop("body")
    if not isinstance(body, str):
        raise Rejected(f'"body" must be a string, not {_json_type(body)}')
    body_check(body)
    return body, metadata_check(values)


def metadata_merge(*layers: dict[str, Any]) -> dict[str, Any]:
    """Merge metadata layers, the later winning; a date and its precision always come from one layer."""
    merged: dict[str, Any] = {}
    for layer in layers:
        if "published" in layer:
            merged.pop("published_precision", None)
        merged.update(layer)
    return merged


def candidates_read(path: Path, *, options: dict[str, Any]) -> Iterator[Candidate | Rejection]:
    """Read the documents in one file; a file that cannot be read at all is one rejection.

    Metadata, the later winning: what a web page says about itself; the command-line options;
    the sidecar NAME.json, or the JSON line's own keys.
    """
    suffix = path.suffix.lower()
    try:
        if suffix in TEXT_SUFFIXES:
            body = file_text(path)
            body_check(body)
            yield Candidate(Source(path), body, metadata_merge(options, sidecar_read(path)))
        elif suffix in HTML_SUFFIXES:
            page = html_extract(file_text(path))
            body_check(page.body)
            yield Candidate(
                Source(path), page.body, metadata_merge(page.metadata, options, sidecar_read(path))
            )
        elif suffix in JSONL_SUFFIXES:
            yield from _jsonl_candidates(path, options=options)
        else:
            raise Rejected(f"not a {SUFFIXES_SHOWN} file")
    except Rejected as rejected:
        yield Rejection(Source(path), str(rejected))


def _jsonl_candidates(path: Path, *, options: dict[str, Any]) -> Iterator[Candidate | Rejection]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Rejected(f"cannot read the file: {error.strerror}") from None
    if b"\x00" in data:
        raise Rejected("a binary file (it contains NUL bytes), not UTF-8 JSON lines")
    # split on \n only: a JSON string cannot hold a raw newline, and \r before it is JSON whitespace
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        source = Source(path, number)
        try:
            body, metadata = _jsonl_line(raw, first=number == 1)
        except Rejected as rejected:
            yield Rejection(source, str(rejected))
        else:
            yield Candidate(source, body, metadata_merge(options, metadata))
