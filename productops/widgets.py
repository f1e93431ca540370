"""Form widgets every app shares; kept apart from productops.forms so that filters and
selectors may use them without importing a forms module."""

from django import forms


class IsoDateInput(forms.DateInput):
    """`<input type="date">`: browsers take only ISO yyyy-MM-dd as its value. The localised
    format (en-gb renders 01/10/2026) shows an empty field that then submits empty, erasing the
    date on an unchanged save, so every date input in the project uses this widget."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class IsoDateTimeInput(forms.DateTimeInput):
    """`<input type="datetime-local">`, whose value must be yyyy-MM-ddTHH:MM (see IsoDateInput)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")
