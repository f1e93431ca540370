"""The API's cursor pagination: the shared keyset (productops.paging), every parameter checked."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from productops.paging import keyset_page
from productops.validation import PAGE_LIMIT


class KeysetPagination(BasePagination):
    """Pages after the last row's (sort values..., id), as every page of the app does: right at
    any size and however many rows share a sort value (DRF's CursorPagination steps over ties by
    an OFFSET capped at 1,000, so past that pages repeat or skip rows). A bad `limit` or
    `cursor` is a 400 naming it. Pages go forward only: `previous` is always null.

    A list sets `ordering` ("-name" descending; the last key the id, every key NOT NULL) or
    overrides `get_ordering`."""

    ordering: tuple[str, ...] = ("-created_at", "-id")
    page_size = 50
    cursor_query_param = "cursor"
    page_size_query_param = "limit"
    max_page_size = PAGE_LIMIT.max_value

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        return self.ordering

    def get_page_size(self, request) -> int:
        return PAGE_LIMIT.query(request.query_params, "limit", default=self.page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        limit = self.get_page_size(request)
        try:
            page = keyset_page(
                queryset,
                ordering=self.get_ordering(request, queryset, view),
                cursor=request.query_params.get(self.cursor_query_param) or None,
                limit=limit,
            )
        except DjangoValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from None
        self.next_cursor = page.next_cursor
        return page.rows

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        params = self.request.query_params.copy()  # every value of a repeated parameter kept
        params.pop(self.cursor_query_param, None)
        params[self.cursor_query_param] = self.next_cursor
        return self.request.build_absolute_uri(f"{self.request.path}?{params.urlencode()}")

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.get_next_link(), "previous": None, "results": data})

    def get_paginated_response_schema(self, schema) -> dict:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page; null on the last.",
                    "example": "http://127.0.0.1:8000/api/v1/w/acme/ideas/?cursor=MHwxMjM%3D",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "Always null: pages go forward only.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The position after the last row of the previous page, as its "
                "`next` link gives it; opaque.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows a page, {PAGE_LIMIT.min_value} to "
                f"{PAGE_LIMIT.max_value}; default {self.page_size}.",
                "schema": {"type": "integer"},
            },
        ]


class NewestFirstCursorPagination(KeysetPagination):
    """Newest first: (created_at, id) descending, the default of every API list."""

    ordering = ("-created_at", "-id")
