"""Request bodies: JSON read strictly, forms refused unless they are valid UTF-8."""

from __future__ import annotations

import io
from urllib.parse import parse_qsl

import orjson
from django.http import QueryDict
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# objects and lists inside each other: the deepest body the API takes has three levels (an entity,
# its aliases, an alias); far deeper is an attack on the recursion of whatever reads it
MAX_JSON_DEPTH = 32


def json_depth(value) -> int:
    """How deeply objects and lists nest in a parsed JSON value (a scalar is 0), without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    """JSON by orjson: NaN, Infinity and numbers past a double (`1e400`, which Python's json reads
    as infinity) are refused, and so is nesting deeper than `MAX_JSON_DEPTH`, all as a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise ParseError(f"JSON parse error - {error}.") from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(f"The JSON body nests objects and lists deeper than {MAX_JSON_DEPTH} levels.")
        return data


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ParseError(
            f"The body is not valid UTF-8 (byte {error.start}); send text as UTF-8, as the API stores it."
        ) from None


class FormParser(parsers.FormParser):
    """A form body whose values are not valid UTF-8 is a 400; Django would store U+FFFD in their place."""

    def parse(self, stream, media_type=None, parser_context=None):
        text = _utf8(stream.read() if stream is not None else b"")
        try:
            pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError as error:
            raise ParseError(f"A form value is not valid UTF-8 once decoded ({error.reason}).") from None
        data = QueryDict(mutable=True)
        for name, value in pairs:
            data.appendlist(name, value)
        data._mutable = False
        return data


class MultiPartParser(parsers.MultiPartParser):
    """The browsable API's forms: the API takes no files, so the whole body must be UTF-8 text."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        _utf8(raw)
        return super().parse(io.BytesIO(raw), media_type, parser_context)
