"""The request edge: text Postgres cannot store is refused before any view or lookup sees it.

Postgres refuses a NUL character in text, varchar and JSON strings, and before this a `?q=%00`,
a form field, a JSON string or a CSV upload holding one reached a query and answered 500. One
check here covers every channel (pages, API, webhooks, the public form, uploads) with a 400
that names where the NUL was.
"""

import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string

from productops.api_errors import error_response
from productops.errors import error_fields
from productops.validation import NUL, NUL_MESSAGE

# A JSON string escape for NUL: "\u0000" not preceded by another backslash (an escaped
# backslash followed by the text u0000 is ordinary text).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_PERCENT_NUL = re.compile(rb"%00")


def _nul_in(request: HttpRequest) -> str | None:
    """Where the request holds a NUL, or None."""
    if NUL in request.path or b"\x00" in unquote_to_bytes(request.META.get("PATH_INFO", "")):
        return "the address"
    if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return "the query string"
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            return f"the {key[5:].replace('_', '-').title()} header"
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.content_type == "multipart/form-data":
        return _nul_in_multipart(request)
    body = request.body
    if b"\x00" in body:
        return "the body"
    if request.content_type == "application/x-www-form-urlencoded":
        return "a form field" if _PERCENT_NUL.search(body) else None
    return "a JSON string" if _JSON_NUL.search(body) else None


def _nul_in_multipart(request: HttpRequest) -> str | None:
    # Uploaded files are not text fields: a UTF-16 CSV or an .xlsx workbook is full of NUL
    # bytes. The importers read them and report a NUL inside a cell on its row
    # (productops.imports.reading), so only the form's own fields are checked here.
    for name, values in request.POST.lists():
        if NUL in name or any(NUL in v for v in values):
            return f"the form field {name.replace(NUL, '')!r}"
    return None


def _refusal(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):  # the API's one error shape and renderer
        return error_response(status, code, message)
    page = render_to_string("400.html", {"status": status, "message": message})
    return HttpResponse(page, status=status)


class RefuseUnstorableText:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            where = _nul_in(request)
        except RequestDataTooBig:
            return _refusal(request, 413, "too_large", "The request body is too large.")
        except MultiPartParserError:
            return _refusal(request, 400, "invalid", "The form upload could not be read.")
        if where:
            return _refusal(request, 400, "nul_character", f"{NUL_MESSAGE} Found in {where}.")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A ValidationError no view caught (a list parameter read through
        productops.validation: `?days=x`, `?sort=nope`) is the client's mistake: a 400 naming
        the parameter, never a 500. The API's own handler answers first for API views."""
        if not isinstance(exception, ValidationError):
            return None
        message = " ".join(
            f"{name}: {' '.join(messages)}" if name else " ".join(messages)
            for name, messages in error_fields(exception).items()
        )
        return _refusal(request, 400, "invalid", message)
