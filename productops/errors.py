"""Errors services raise; views and the API turn each into one clear answer."""

from typing import Any


class StaleEdit(Exception):
    """Someone else changed the object first (409). Carries the current state to show."""

    def __init__(self, message: str, *, current: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.current = current or {}
