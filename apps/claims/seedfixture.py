"""Turn the hand-curated seed corpus (fixtures/curation.yaml) into a Django fixture.

Editors curate keys and exact quotes; offsets, hashes and primary keys are computed here, so
that a quote cannot be anchored by hand at the wrong place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from apps.claims.anchoring import occurrences
from apps.core.models import parse_partial_date
from apps.documents.models import body_sha256

FIXED_TIMESTAMP = "2026-11-23T00:00:00Z"


class CurationError(ValueError):
    """The curation file is wrong; the message names the entry."""


def build_fixture(curation_path: Path, seeds_dir: Path) -> list[dict[str, Any]]:
    """Read the curation and the seed bodies; return the fixture's objects in load order."""
    data = yaml.safe_load(curation_path.read_text(encoding="utf-8"))
    builder = _Builder(seeds_dir)
    builder.entities(data.get("entities") or [])
    builder.ratings(data.get("ratings") or [])
    builder.documents(data.get("documents") or [])
    builder.claims(data.get("claims") or [])
    builder.relations(data.get("relations") or [])
    return builder.objects


def write_fixture(objects: list[dict[str, Any]], path: Path) -> None:
    path.write_text(json.dumps(objects, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _date(value: Any, where: str) -> tuple[str | None, str]:
    if value in (None, ""):
        return None, ""
    try:
        day, precision = parse_partial_date(str(value))
    except ValueError as error:
        raise CurationError(f"{where}: {error}") from None
    return day.isoformat(), str(precision)


class _Builder:
    def __init__(self, seeds_dir: Path) -> None:
        self.seeds_dir = seeds_dir
        self.objects: list[dict[str, Any]] = []
        self.keys: dict[str, dict[str, int]] = {"entity": {}, "document": {}, "claim": {}}
        self.bodies: dict[int, str] = {}
        self.pks = {"alias": 0, "attestation": 0, "relation": 0}

    def _add(self, model: str, pk: int, fields: dict[str, Any], stamped: bool = True) -> None:
        if stamped:
            fields = {**fields, "created": FIXED_TIMESTAMP, "updated": FIXED_TIMESTAMP}
        self.objects.append({"model": model, "pk": pk, "fields": fields})

    def _register(self, kind: str, key: Any, where: str) -> int:
        if not key or key in self.keys[kind]:
            raise CurationError(f"{where}: missing or repeated key {key!r}")
        pk = len(self.keys[kind]) + 1
        self.keys[kind][key] = pk
        return pk

    def _ref(self, kind: str, key: Any, where: str) -> int | None:
        if key in (None, ""):
            return None
        if key not in self.keys[kind]:
            raise CurationError(f"{where}: unknown {kind} {key!r}")
        return self.keys[kind][key]

    def entities(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            self._register("entity", entry.get("key"), f"entity {entry.get('key')!r}")
        for entry in entries:
            key = entry["key"]
            where = f"entity {key!r}"
            pk = self.keys["entity"][key]
            self._add(
                "entities.entity",
                pk,
                {
                    "kind": entry.get("kind", "other"),
                    "name": entry["name"],
                    "description": entry.get("description") or "",
                    "parent": self._ref("entity", entry.get("parent"), where),
                    "independence_boundary": entry.get("independence_boundary"),
                    "draws_on": [self._ref("entity", other, where) for other in entry.get("draws_on") or []],
                    "created_by": None,
                },
            )
            seen = {entry["name"]}
            for alias in entry.get("aliases") or []:
                if alias["name"] in seen:
                    continue
                seen.add(alias["name"])
                self.pks["alias"] += 1
                self._add(
                    "entities.alias",
                    self.pks["alias"],
                    {"entity": pk, "name": alias["name"], "language": alias.get("language") or ""},
                )

    def ratings(self, entries: list[dict[str, Any]]) -> None:
        """The demo corpus's editorial judgement of its sources: a grade and why, one per entity."""
        rated = set()
        for number, entry in enumerate(entries, start=1):
            where = f"rating {number} ({entry.get('entity')!r})"
            entity = self._ref("entity", entry.get("entity"), where)
            if entity is None or entity in rated:
                raise CurationError(f"{where}: a rating names one entity, once")
            rated.add(entity)
            grade = str(entry.get("grade") or "")
            if grade not in tuple("ABCDEF"):
                raise CurationError(f"{where}: the grade is a letter A–F, not {grade!r}")
            rationale = " ".join(str(entry.get("rationale") or "").split())
            if not rationale:
                raise CurationError(f"{where}: a rating says why (rationale)")
            self._add(
                "credibility.sourcerating",
                number,
                {
                    "entity": entity,
                    "grade": grade,
                    "rationale": rationale,
                    "rated_by": None,
                    "rated_at": FIXED_TIMESTAMP,
                },
                stamped=False,
            )

    def documents(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            self._register("document", entry.get("key"), f"document {entry.get('key')!r}")
        for entry in entries:
            key = entry["key"]
            where = f"document {key!r}"
            pk = self.keys["document"][key]
            body = ""
            if entry.get("file"):
                path = self.seeds_dir / entry["file"]
                if not path.is_file():
                    raise CurationError(f"{where}: no seed file {path}")
                # decode the bytes as they are: no newline translation, no stripping
                body = path.read_bytes().decode("utf-8")
            self.bodies[pk] = body
            published, precision = _date(entry.get("published"), where)
            self._add(
                "documents.document",
                pk,
                {
                    "title": entry["title"],
                    "url": entry.get("url") or "",
                    "outlet": self._ref("entity", entry.get("outlet"), where),
                    "authors": [self._ref("entity", a, where) for a in entry.get("authors") or []],
                    "published": published,
                    "published_precision": precision,
                    "retrieved": entry.get("retrieved"),
                    "language": entry.get("language") or "",
                    "kind": entry.get("kind", "news_article"),
                    "body": body,
                    "body_sha256": body_sha256(body),
                    "cites": [self._ref("document", c, where) for c in entry.get("cites") or []],
                    "created_by": None,
                },
            )

    def claims(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            self._register("claim", entry.get("key"), f"claim {entry.get('key')!r}")
        attestations = []
        for entry in entries:
            key = entry["key"]
            where = f"claim {key!r}"
            when, precision = _date(entry.get("when"), where)
            valid_from, from_precision = _date(entry.get("valid_from"), where)
            valid_until, until_precision = _date(entry.get("valid_until"), where)
            self._add(
                "claims.claim",
                self.keys["claim"][key],
                {
                    "statement": entry["statement"],
                    "language": entry.get("language") or "en",
                    "subjects": [self._ref("entity", s, where) for s in entry.get("subjects") or []],
                    "point_in_time": when,
                    "point_in_time_precision": precision,
                    "valid_from": valid_from,
                    "valid_from_precision": from_precision,
                    "valid_until": valid_until,
                    "valid_until_precision": until_precision,
                    "status": entry.get("status") or "unreviewed",
                    "status_note": entry.get("status_note") or "",
                    "publication": entry.get("publication") or "published",
                    "created_by": None,
                },
            )
            for number, item in enumerate(entry.get("attestations") or [], start=1):
                attestations.append(
                    self._attestation(item, self.keys["claim"][key], f"{where} attestation {number}")
                )
        self.objects.extend(attestations)

    def _attestation(self, item: dict[str, Any], claim_pk: int, where: str) -> dict[str, Any]:
        document = self._ref("document", item.get("document"), where)
        quote = item.get("quote") or ""
        found = occurrences(self.bodies.get(document, ""), quote) if quote else []
        if not found:
            raise CurationError(f"{where}: the quote is not in {item.get('document')!r}: {quote!r}")
        occurrence = item.get("occurrence")
        if len(found) > 1 and occurrence is None:
            raise CurationError(f"{where}: the quote occurs {len(found)} times; say which (occurrence)")
        index = (occurrence or 1) - 1
        if not 0 <= index < len(found):
            raise CurationError(f"{where}: occurrence {occurrence} of {len(found)}")
        self.pks["attestation"] += 1
        return {
            "model": "claims.attestation",
            "pk": self.pks["attestation"],
            "fields": {
                "claim": claim_pk,
                "document": document,
                "quote": quote,
                "start": found[index],
                "end": found[index] + len(quote),
                "speaker": self._ref("entity", item.get("speaker"), where),
                "origin_entity": self._ref("entity", item.get("origin_entity"), where),
                "origin_document": self._ref("document", item.get("origin_document"), where),
                "stance": item.get("stance") or "affirms",
                "modality": self._modality(item, where),
                **dict(
                    zip(
                        ("stated_on", "stated_on_precision"), _date(item.get("stated_on"), where), strict=True
                    )
                ),
                "interested_override": item.get("interested_override"),
                "interested_reason": item.get("interested_reason") or "",
                "note": item.get("note") or "",
                "created_by": None,
                "created": FIXED_TIMESTAMP,
                "updated": FIXED_TIMESTAMP,
            },
        }

    @staticmethod
    def _modality(item: dict[str, Any], where: str) -> str:
        modality = item.get("modality") or "asserted"
        if modality not in ("asserted", "hedged", "opinion"):
            raise CurationError(f"{where}: modality is asserted, hedged or opinion, not {modality!r}")
        return modality

    def relations(self, entries: list[dict[str, Any]]) -> None:
        seen = set()
        for number, entry in enumerate(entries, start=1):
            where = f"relation {number}"
            source = self._ref("claim", entry.get("from"), where)
            target = self._ref("claim", entry.get("to"), where)
            kind = entry.get("kind")
            if source == target:
                raise CurationError(f"{where}: a claim related to itself")
            if kind == "contradicts" and source > target:
                source, target = target, source
            if (source, target, kind) in seen:
                raise CurationError(f"{where}: repeated relation")
            seen.add((source, target, kind))
            self.pks["relation"] += 1
            self._add(
                "claims.claimrelation",
                self.pks["relation"],
                {
                    "kind": kind,
                    "from_claim": source,
                    "to_claim": target,
                    "note": entry.get("note") or "",
                    "created_by": None,
                },
            )
