"""A page's form handed to a service, answered the one way every page answers it.

`submit_form` runs the write for a bound, valid form: on success it flashes a message and
returns the redirect; when the service raises StaleEdit (someone changed the row first) or a
ValidationError, the form carries the error and the caller renders it again with
`form_status(form)`: 409 for a stale edit, 400 for other errors, 200 for none.

A write a page form asked for always answers with a redirect (post/redirect/get), so reloading
the page it lands on asks for nothing again. What that page must show once and never keep (a new
secret) goes through `show_once` before the redirect and `shown_once` on the next GET.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from productops.errors import StaleEdit
from productops.forms import add_service_errors

STALE_CODE = "stale_edit"  # the error code a StaleEdit carries on the form
ONCE_KEY = "shown_once"  # the session's values for the next page only


def submit_form[T](
    request: HttpRequest,
    form: forms.BaseForm,
    write: Callable[[], T],
    *,
    success: str | Callable[[T], str],
    then: Callable[[T], HttpResponse],
) -> HttpResponse | None:
    """Calls `write()`; its result goes to `success` (the flash message) and `then` (the answer).

    Returns None when the service refused: a StaleEdit's text is a form-wide error (status 409
    from `form_status`), a ValidationError is shown per field it names (`add_service_errors`).
    Nothing else is caught.
    """
    try:
        result = write()
    except StaleEdit as stale:
        form.add_error(None, ValidationError(str(stale), code=STALE_CODE))
        return None
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return then(result)


def form_status(form: forms.BaseForm) -> int:
    """The status to render a form with: 409 after a stale edit, 400 with errors, else 200."""
    if form.has_error(NON_FIELD_ERRORS, code=STALE_CODE):
        return 409
    return 400 if form.errors else 200


def show_once(request: HttpRequest, to: str, **values: str) -> HttpResponse:
    """Redirects to `to`, the page that shows `values` (a new secret) once: they wait in the
    session (stored server-side) for that page's next GET, which takes them (`shown_once`)."""
    if values:  # nothing to keep (a source without a secret): the session is left as it is
        request.session[ONCE_KEY] = {**request.session.get(ONCE_KEY, {}), **values}
    return redirect(to)


def shown_once(request: HttpRequest, name: str) -> str | None:
    """The value `show_once` kept under `name`, removed from the session as it is read: a reload
    of the page shows it no more."""
    kept = request.session.get(ONCE_KEY)
    if not kept or name not in kept:
        return None
    value = kept.pop(name)
    if kept:
        request.session[ONCE_KEY] = kept
    else:
        del request.session[ONCE_KEY]
    return value
