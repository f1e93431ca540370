"""A page's form handed to a service, answered the one way every page answers it.

`submit_form` runs the write for a bound, valid form: on success it flashes a message and
returns the redirect; when the service raises StaleEdit (someone changed the row first) or a
ValidationError, the form carries the error and the caller renders it again with
`form_status(form)`: 409 for a stale edit, 400 for other errors, 200 for none.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse

from productops.errors import StaleEdit
from productops.forms import add_service_errors

STALE_CODE = "stale_edit"  # the error code a StaleEdit carries on the form


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
