"""What every API endpoint shares: the error shape, pagination and the rate limit."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from productops.errors import StaleEdit, error_fields
from productops.validation import BAD_CURSOR, BIGINT_MAX, FILTER_DAY, NUL, PAGE_LIMIT


def plain_errors(errors: Any) -> Any:
    """A serializer's errors as plain JSON, nesting kept: a list field's per-entry errors stay
    `{"0": ["Ensure this field has no more than 60 characters."]}` (iterating them as a list of
    messages printed only the keys, "0")."""
    if isinstance(errors, dict):
        return {str(key): plain_errors(value) for key, value in errors.items()}
    if isinstance(errors, list | tuple):
        return [plain_errors(value) for value in errors]
    return str(errors)


def error_body(status_code: int, code: str, message: str, fields=None, **extra) -> dict:
    """The one error shape of the API."""
    error = {"status": status_code, "code": code, "message": message}
    if fields:
        error["fields"] = fields
    error.update(extra)
    return {"error": error}


def _django_validation_fields(error: DjangoValidationError) -> tuple[str, dict | None]:
    fields = error_fields(error)
    if list(fields) == [None]:
        return " ".join(fields[None]), None
    if None in fields:
        fields["non_field_errors"] = fields.pop(None)
    return "Some fields are not valid.", fields


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        message, fields = _django_validation_fields(exc)
        return Response(error_body(400, "invalid", message, fields), status=400)
    if isinstance(exc, StaleEdit):
        return Response(error_body(409, "stale_edit", str(exc), current=exc.current), status=409)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body(413, "too_large", "The request body is too large."), status=413)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            body = error_body(400, "invalid", "Some fields are not valid.", detail)
        else:
            body = error_body(400, "invalid", " ".join(str(d) for d in detail))
    else:
        detail = getattr(exc, "detail", str(exc))
        code = getattr(detail, "code", None) or "error"
        body = error_body(response.status_code, str(code), str(detail))
    response.data = body
    return response


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
        if cursor is not None and cursor.position is not None and NUL in cursor.position:
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
