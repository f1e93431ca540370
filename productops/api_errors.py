"""The API's one error shape, the DRF exception handler that answers every error in it, and
error_response() for the answers no DRF view makes (an unmatched /api/ path, a request refused at
the edge, a 500): rendered by the same renderer as DRF's, so every API error is byte-alike."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.middleware.common import CommonMiddleware
from django.utils.http import escape_leading_slashes
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from productops.errors import StaleEdit, error_fields


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


def error_response(status_code: int, code: str, message: str, **extra) -> HttpResponse:
    """An error in the one shape for an answer no DRF view makes, rendered by the renderer DRF
    renders every API answer with (REST_FRAMEWORK's DEFAULT_RENDERER_CLASSES): the same bytes,
    spacing and escapes as a DRF error, not JsonResponse's own `", "` and `\\u2026`."""
    renderer = JSONRenderer()
    content = renderer.render(error_body(status_code, code, message, **extra))
    return HttpResponse(content, status=status_code, content_type=renderer.media_type)


def _django_validation_fields(error: DjangoValidationError) -> tuple[str, dict | None]:
    fields = error_fields(error)
    if list(fields) == [None]:
        return " ".join(fields[None]), None
    if None in fields:
        fields["non_field_errors"] = fields.pop(None)
    return "Some fields are not valid.", fields


def _conflict_body(exc: StaleEdit, view: Any) -> dict:
    """A 409: `current` is the resource as the view represents it (its GET's answer), never
    the page's readable state, so `priority` is 0-4 here as in every other answer."""
    represent = getattr(view, "conflict_representation", None)
    current = represent(exc) if represent is not None else exc.current
    extra = {"last_change": exc.last_change} if exc.last_change else {}
    return error_body(409, "stale_edit", str(exc), current=current, **extra)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        message, fields = _django_validation_fields(exc)
        return Response(error_body(400, "invalid", message, fields), status=400)
    if isinstance(exc, StaleEdit):
        return Response(_conflict_body(exc, context.get("view")), status=409)
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
        message = getattr(exc, "detail", str(exc))
        code = getattr(message, "code", None) or "error"
        body = error_body(response.status_code, str(code), str(message))
    response.data = body
    return response


class ApiNotFoundAsJson:
    """Every 404 under /api/ in the one error shape, DEBUG on or off, and no APPEND_SLASH
    redirect there.

    A path no route matches (`/api/v1/w/acme/metrics/nosuch/`, `/api/nothing`) never reaches an
    API view, so DRF's handler cannot answer it; Django answers with handler404 (JSON under
    /api/ too) but, under DEBUG, with its HTML debug page instead. This sits outside
    CommonMiddleware, so it sees the answer after any APPEND_SLASH redirect was decided. An
    answer that is already JSON (an API view's own 404) passes untouched.

    A path that only lacks its trailing slash (`.../ideas` for `.../ideas/`) would get
    CommonMiddleware's 301, which drops a POST's body (and, under DEBUG, a POST raised instead),
    and is not JSON: under /api/ it is answered here, before CommonMiddleware, with the JSON 404
    naming the URL with the slash (`error.with_slash`), whatever the method. Pages keep the
    redirect. The rule for "only lacks its slash" is CommonMiddleware's own.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.slash_rule = CommonMiddleware(get_response)

    def __call__(self, request):
        if request.path.startswith("/api/") and self.slash_rule.should_redirect_with_slash(request):
            with_slash = escape_leading_slashes(request.get_full_path(force_append_slash=True))
            return error_response(
                404,
                "not_found",
                f"Not found: API paths end with a slash. Send this request to {with_slash}",
                with_slash=with_slash,
            )
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return error_response(404, "not_found", "Not found.")
        return response
