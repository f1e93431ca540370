"""The overview's filters, held in the URL: one form for the page, the tiles, CSV and the API."""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError

from feedback.models import Account, ProductArea, Source
from productops.models import Workspace
from productops.widgets import IsoDateInput

PRESETS = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "qtd": "Quarter to date",
    "12m": "Last 12 months",
    "custom": "Custom",
}
DEFAULT_PRESET = "30d"
MAX_DAYS = 3 * 366
FILTER_KEYS = ("range", "since", "until", "segment", "source", "area")


@dataclass(frozen=True)
class DashboardFilters:
    since: date
    until: date  # inclusive
    preset: str = DEFAULT_PRESET
    segment: str = ""
    source: int | None = None
    area: int | None = None  # 0: no product area

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def previous(self) -> tuple[date, date]:
        """The period of the same length just before, to compare against."""
        return self.since - timedelta(days=self.days), self.since - timedelta(days=1)

    @property
    def weekly(self) -> bool:
        """Long ranges are charted by week, so a chart never holds hundreds of bars."""
        return self.days > 92

    def query(self) -> dict[str, str]:
        values = {"range": self.preset}
        if self.preset == "custom":
            values |= {"since": self.since.isoformat(), "until": self.until.isoformat()}
        return values | self._narrowed_to()

    def _narrowed_to(self) -> dict[str, str]:
        """The segment, source and area chosen, as the overview's and the inbox's URLs name
        them (area "none": items with no product area); none of them when none is chosen."""
        values: dict[str, str] = {}
        if self.segment:
            values["segment"] = self.segment
        if self.source is not None:
            values["source"] = str(self.source)
        if self.area is not None:
            values["area"] = str(self.area) if self.area else "none"
        return values

    @property
    def querystring(self) -> str:
        return urlencode(self.query())

    @property
    def narrowing(self) -> list[str]:
        """The names of the segment, source and area filters chosen, in that order."""
        return list(self._narrowed_to())

    def inbox_query(self, *, narrowed: bool = True, **extra: str) -> str:
        """The same selection as the triage inbox's filters: every status but spam (the
        feedback rollups never count spam), unless `extra` names one. `narrowed=False`
        leaves out the segment, source and area, for a number whose rollup has no such
        breakdown (the link then lists what the number counts)."""
        values = {
            "status": "not_spam",
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
        }
        return urlencode(values | (self._narrowed_to() if narrowed else {}) | extra)

    def triaged_query(self) -> str:
        """The inbox's items triaged in the period, whatever their status now. The triage
        rollups have no source, area or segment, so neither has this list."""
        return urlencode(
            {
                "status": "all",
                "triaged_since": self.since.isoformat(),
                "triaged_until": self.until.isoformat(),
            }
        )


def preset_range(preset: str, today: date) -> tuple[date, date]:
    if preset == "7d":
        return today - timedelta(days=6), today
    if preset == "90d":
        return today - timedelta(days=89), today
    if preset == "qtd":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if preset == "12m":
        return today - timedelta(days=364), today
    return today - timedelta(days=29), today


class DashboardFilterForm(forms.Form):
    """The overview's filters. Giving `since` or `until` makes the range custom whatever
    `range` says (a preset's days are the preset's own); a segment, source or area the
    workspace does not have is an error on that field (one EXISTS query each, only when given).
    """

    range = forms.ChoiceField(choices=list(PRESETS.items()), required=False)
    since = forms.DateField(required=False, widget=IsoDateInput())
    until = forms.DateField(required=False, widget=IsoDateInput())
    segment = forms.CharField(required=False, max_length=60)
    source = forms.IntegerField(required=False, min_value=1)
    area = forms.CharField(required=False, max_length=20, help_text='An area id, or "none".')

    def __init__(self, data, *, workspace: Workspace, today: date) -> None:
        super().__init__(data)
        self.workspace = workspace
        self.today = today

    def clean_segment(self) -> str:
        value = (self.cleaned_data.get("segment") or "").strip()
        if value and not Account.objects.filter(workspace=self.workspace, segment=value).exists():
            raise ValidationError(f"No account has the segment “{value}”.")
        return value

    def clean_source(self) -> int | None:
        value = self.cleaned_data.get("source")
        if value is not None and not (
            Source.objects.filter(workspace=self.workspace, pk=value).exists()
        ):
            raise ValidationError(f"There is no source {value} in this workspace.")
        return value

    def clean_area(self) -> int | None:
        value = (self.cleaned_data.get("area") or "").strip()
        if not value:
            return None
        if value == "none":
            return 0
        if not value.isdigit():
            raise ValidationError('Give a product area id, or "none".')
        if not ProductArea.objects.filter(workspace=self.workspace, pk=int(value)).exists():
            raise ValidationError(f"There is no product area {value} in this workspace.")
        return int(value)

    @property
    def contradicts_itself(self) -> bool:
        """A preset named together with days (say range=30d&since=...): the days win, so
        the URL says one period and shows another; the page redirects to `query()`."""
        preset = self.data.get("range") or ""
        return preset not in ("", "custom") and bool(
            self.data.get("since") or self.data.get("until")
        )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        preset = data.get("range") or DEFAULT_PRESET
        if self.data.get("since") or self.data.get("until"):
            preset = "custom"  # as docs/API.md says: days given make the range custom
        if preset == "custom":
            since, until = data.get("since"), data.get("until")
            if since is None and "since" not in self.errors:
                self.add_error("since", "Give the first day of a custom range.")
            if until is None and "until" not in self.errors:
                self.add_error("until", "Give the last day of a custom range.")
            if since and until:
                if since > until:
                    self.add_error("until", "The last day must not be before the first.")
                elif (until - since).days + 1 > MAX_DAYS:
                    self.add_error("until", f"A range holds at most {MAX_DAYS} days.")
        data["range"] = preset
        return data

    def filters(self) -> DashboardFilters:
        """Valid filters (call after is_valid())."""
        data = self.cleaned_data
        preset = data["range"]
        if preset == "custom":
            since, until = data["since"], data["until"]
        else:
            since, until = preset_range(preset, self.today)
        return DashboardFilters(
            since=since,
            until=until,
            preset=preset,
            segment=(data.get("segment") or "").strip(),
            source=data.get("source"),
            area=data.get("area"),
        )


def default_filters(today: date) -> DashboardFilters:
    since, until = preset_range(DEFAULT_PRESET, today)
    return DashboardFilters(since=since, until=until)
