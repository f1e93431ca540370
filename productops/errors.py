"""Errors services raise; views and the API turn each into one clear answer."""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class StaleEdit(Exception):
    """Someone else changed the object first (409).

    `current` is the object's state as a page shows it (labels, names). The API answers
    instead with the resource as its own GET does (`WorkspaceAPIView.conflict_representation`),
    so a client reads a conflict with the code that reads the resource. `last_change`, when
    known, is who changed what last: `{"by", "at", "fields": [{"field", "before", "after"}]}`.
    """

    def __init__(
        self,
        message: str,
        *,
        current: dict[str, Any] | None = None,
        last_change: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.current = current or {}
        self.last_change = last_change


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
