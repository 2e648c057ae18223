"""Page numbers for people, cursors for scripts that pull everything."""

from __future__ import annotations

import json
import operator
from base64 import b64decode
from functools import cached_property, partial, reduce

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination, PageNumberPagination

from apps.core.search import by_ids, newest_match_ids, window_rows

MAX_PAGE_SIZE = 200


class _WindowPaginator(Paginator):
    """A search's pages: the window's ids are known, so is their number."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


class PagePagination(PageNumberPagination):
    """Page numbers, with a count. A search's pages are drawn from its newest `SEARCH_WINDOW`
    matches (by id): counting and ranking every match of a common word in a large corpus is what
    made such a search slow (docs/performance.md), and a reader pages through the best of the
    recent ones. `count_capped` says when there were more; cursor pages (ordered by creation,
    cheap at any size) still walk every match."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    django_paginator_class = Paginator
    window: int | None = None

    def paginate_queryset(self, queryset, request, view=None):
        self.window = None
        self.django_paginator_class = Paginator
        if "search_rank" not in queryset.query.annotations or not settings.SEARCH_WINDOW:
            return super().paginate_queryset(queryset, request, view)
        # a search: the ids of its newest matches (one query), then the page ranked among them
        self.window = settings.SEARCH_WINDOW
        ids = newest_match_ids(queryset, self.window, probe=getattr(view, "search_probe", 0))
        self.django_paginator_class = partial(_WindowPaginator, count=len(ids))
        with by_ids(queryset):
            return super().paginate_queryset(window_rows(queryset, ids), request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        if self.window is not None:
            response.data["count_capped"] = self.page.paginator.count >= self.window
        return response

    def get_paginated_response_schema(self, schema):
        page = super().get_paginated_response_schema(schema)
        page["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "With `search` only: true when the search matched more rows than the "
            "newest `SEARCH_WINDOW` (2,000) that its numbered pages are drawn from. Narrow the "
            "search, or walk every match with `cursor`.",
        }
        return page

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError({"page_size": f"A whole number from 1 to {MAX_PAGE_SIZE}."})
        return int(raw)


class KeysetCursorPagination(CursorPagination):
    """Cursor pages keyed on a unique `(-created, -id)`: stable while rows are added, ties included.

    DRF's CursorPagination keys on its first ordering field alone and breaks ties with an offset,
    which shifts when a row is added inside a tie (all the seed claims share one `created`).
    Here the position is the whole key of the last row, so no offset is ever needed. A view may
    key on other fields with `cursor_ordering`, as long as the last one is unique.
    """

    ordering = ("-created", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    get_page_size = PagePagination.get_page_size

    def decode_cursor(self, request) -> Cursor | None:
        """The cursor sent, or a 404 for one we could not have made: DRF decodes `!!!!` (no base64
        letter in it) to an empty cursor, which would answer with the first page."""
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return None  # `?cursor=` starts at the beginning
        try:
            b64decode(encoded.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError) as error:  # binascii.Error is a ValueError
            raise NotFound(self.invalid_cursor_message) from error
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        # the cursor's own key, whatever the view's default ordering (a nullable date cannot be one)
        return tuple(getattr(view, "cursor_ordering", self.ordering))

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = self.decode_cursor(request)
        reverse = bool(self.cursor and self.cursor.reverse)
        position = self._decode_position(queryset.model, self.cursor.position if self.cursor else None)

        ordering = self.ordering
        if reverse:
            ordering = tuple(name[1:] if name.startswith("-") else f"-{name}" for name in ordering)
        queryset = queryset.order_by(*ordering)
        if position is not None:
            queryset = queryset.filter(self._after(queryset.model, ordering, position))

        rows = list(queryset[: self.page_size + 1])
        self.page = rows[: self.page_size]
        more = len(rows) > self.page_size
        if reverse:
            self.page.reverse()
        # a position means a row on the other side of it: the one the cursor was made from
        self.has_next = position is not None if reverse else more
        self.has_previous = more if reverse else position is not None
        self.display_page_controls = self.has_next or self.has_previous
        return self.page

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.page:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=self._position(self.page[-1])))

    def get_previous_link(self) -> str | None:
        if not self.has_previous or not self.page:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=True, position=self._position(self.page[0])))

    def _fields(self) -> list[str]:
        return [name.lstrip("-") for name in self.ordering]

    def _position(self, instance) -> str:
        meta = type(instance)._meta
        return json.dumps([meta.get_field(name).value_to_string(instance) for name in self._fields()])

    def _decode_position(self, model, raw: str | None) -> list | None:
        """The key a cursor points at, or a 404 for anything a cursor of ours could not hold."""
        if raw is None:
            return None
        fields = [model._meta.get_field(name) for name in self._fields()]
        try:
            values = json.loads(raw)
            if not isinstance(values, list) or len(values) != len(fields):
                raise ValueError(raw)
            values = [field.to_python(value) for field, value in zip(fields, values, strict=True)]
        except (ValueError, TypeError, DjangoValidationError) as error:
            raise NotFound(self.invalid_cursor_message) from error
        if any(value is None for value in values):
            raise NotFound(self.invalid_cursor_message)
        return values

    @staticmethod
    def _after(model, ordering: tuple[str, ...], values: list) -> Q | RawSQL:
        """Rows strictly after `values` in `ordering`. With every key the same way round, a row
        comparison `(a, b) < (x, y)`: PostgreSQL bounds its index scan with it, where the spelled-out
        `a < x OR (a = x AND b < y)` walks every row before the page (130,000 for a page 80% deep
        into 180,000 claims). Mixed directions have no row comparison: the spelled-out form."""
        directions = {name.startswith("-") for name in ordering}
        if len(directions) == 1:
            table = connection.ops.quote_name(model._meta.db_table)
            columns = [
                f"{table}.{connection.ops.quote_name(model._meta.get_field(name.lstrip('-')).column)}"
                for name in ordering
            ]
            operator_ = "<" if directions == {True} else ">"
            marks = ", ".join(["%s"] * len(values))
            return RawSQL(
                f"({', '.join(columns)}) {operator_} ({marks})", values, output_field=BooleanField()
            )
        branches = []
        for i, name in enumerate(ordering):
            lookup = "lt" if name.startswith("-") else "gt"
            equal_before = {o.lstrip("-"): v for o, v in zip(ordering[:i], values[:i], strict=True)}
            branches.append(Q(**equal_before, **{f"{name.lstrip('-')}__{lookup}": values[i]}))
        return reduce(operator.or_, branches)


class HybridPagination:
    """`?cursor=` (even empty) switches a list to cursor pages; otherwise page numbers."""

    cursor_query_param = "cursor"

    def __init__(self) -> None:
        self.page = PagePagination()
        self.cursor = KeysetCursorPagination()
        self.active = self.page

    def paginate_queryset(self, queryset, request, view=None):
        if self.cursor_query_param in request.query_params:
            if request.query_params.get("ordering") or request.query_params.get("page"):
                raise ValidationError(
                    {"cursor": "Cursor pages are ordered by creation; drop ordering and page."}
                )
            self.active = self.cursor
        return self.active.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return self.active.get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        page = self.page.get_paginated_response_schema(schema)
        # a cursor page has next, previous and results, and no count
        page["required"] = [name for name in page["required"] if name != "count"]
        page["properties"]["count"]["description"] = "Page numbers only: not given with `cursor`."
        return page

    def get_schema_operation_parameters(self, view):
        params = self.page.get_schema_operation_parameters(view)
        return [
            *params,
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "Cursor pages, stable while rows are added: pass an empty value to start.",
                "schema": {"type": "string"},
            },
        ]

    @property
    def display_page_controls(self) -> bool:
        """The browsable API shows page links when the active style has another page."""
        return getattr(self.active, "display_page_controls", False)

    def to_html(self):
        return self.active.to_html()

    def get_results(self, data):
        return data["results"]
