"""Page numbers for people, cursors for scripts that pull everything."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination

MAX_PAGE_SIZE = 200


class PagePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError({"page_size": f"A whole number from 1 to {MAX_PAGE_SIZE}."})
        return int(raw)


class CreatedCursorPagination(CursorPagination):
    """Stable while rows are added: ordered on the indexed (-created, -id)."""

    ordering = ("-created", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    get_page_size = PagePagination.get_page_size


class HybridPagination:
    """`?cursor=` (even empty) switches a list to cursor pages; otherwise page numbers."""

    cursor_query_param = "cursor"

    def __init__(self) -> None:
        self.page = PagePagination()
        self.cursor = CreatedCursorPagination()
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
        return self.page.get_paginated_response_schema(schema)

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

    def to_html(self):
        return self.active.to_html()

    def get_results(self, data):
        return data["results"]
