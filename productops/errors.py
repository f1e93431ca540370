"""Errors services raise; views and the API turn each into one clear answer."""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class StaleEdit(Exception):
    """Someone else changed the object first (409). Carries the current state to show."""

    def __init__(self, message: str, *, current: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.current = current or {}


def error_fields(error: ValidationError) -> dict[str | None, list[str]]:
    """A service's ValidationError by field name; None holds what names no field."""
    if hasattr(error, "error_dict"):
        return {
            (None if name == NON_FIELD_ERRORS else name): [
                str(message) for e in errors for message in e.messages
            ]
            for name, errors in error.error_dict.items()
        }
    return {None: [str(message) for message in error.messages]}
