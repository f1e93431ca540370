"""The API's cursor pagination: newest first, every parameter checked."""

from datetime import date, datetime
from typing import cast

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination

from productops.validation import BAD_CURSOR, BIGINT_MAX, FILTER_DAY, NUL, PAGE_LIMIT


class NewestFirstCursorPagination(CursorPagination):
    """DRF's cursor pages with every parameter checked: a bad `limit` or `cursor` is a 400
    naming it (DRF ignores a bad limit and lets a forged cursor's position reach the query)."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = PAGE_LIMIT.max_value

    def get_page_size(self, request) -> int:
        return PAGE_LIMIT.query(request.query_params, "limit", default=self.page_size)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError({"cursor": [BAD_CURSOR]}) from None
        # DRF reads the position as text from the query string (the stubs say int).
        position = cast(str | None, cursor.position if cursor is not None else None)
        if position is not None and NUL in position:
            raise exceptions.ValidationError({"cursor": [BAD_CURSOR]})
        return cursor

    def paginate_queryset(self, queryset, request, view=None):
        self._check_position(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def _check_position(self, queryset, request, view) -> None:
        """A position the ordering column cannot hold is a 400, not a database error."""
        cursor = self.decode_cursor(request)
        if cursor is None or cursor.position is None:
            return
        name = self.get_ordering(request, queryset, view)[0].lstrip("-")
        annotation = queryset.query.annotations.get(name)
        try:
            column = (
                annotation.output_field
                if annotation is not None
                else queryset.model._meta.get_field(name)
            )
            value = column.to_python(cursor.position)
            if isinstance(value, int) and abs(value) > BIGINT_MAX:
                raise ValueError(value)
            if isinstance(value, date | datetime):
                FILTER_DAY.validate(value)
        except (DjangoValidationError, ValueError, TypeError, OverflowError, LookupError):
            raise exceptions.ValidationError({"cursor": [BAD_CURSOR]}) from None
