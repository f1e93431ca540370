import django_filters
from django import forms

from productops.models import AuditEvent
from productops.validation import FILTER_DAY, FILTER_TEXT, ID, Day, Whole


class WholeFilter(django_filters.NumberFilter):
    """A whole-number filter bounded by a declaration in productops.validation.

    django-filter's NumberFilter takes any decimal (`1e400`, `2147483648`), which then overflows
    in Python or in Postgres; this one refuses it with a 400 naming the parameter.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, bounds: Whole = ID, **kwargs) -> None:
        kwargs.setdefault("min_value", bounds.min_value)
        kwargs.setdefault("max_value", bounds.max_value)
        super().__init__(*args, **kwargs)


class TextFilter(django_filters.CharFilter):
    """A text filter with a limit (validation.FILTER_TEXT unless the column's is wider): longer
    is a 400 naming the parameter, never a value cut nor a search nobody could have meant.
    Every FilterSet's text filter is one (a test holds them to it)."""

    def __init__(self, *args, max_length: int = FILTER_TEXT.max_length, **kwargs) -> None:
        kwargs.setdefault("max_length", max_length)
        super().__init__(*args, **kwargs)


class DayFilter(django_filters.DateFilter):
    """A date filter within a declared span (year 1 or 9999 would overflow a day's arithmetic)."""

    def __init__(self, *args, bounds: Day = FILTER_DAY, **kwargs) -> None:
        kwargs.setdefault("validators", [bounds.validate])
        super().__init__(*args, **kwargs)


class AuditEventFilter(django_filters.FilterSet):
    """The audit log's filters, shared by the page and the API."""

    verb = TextFilter(lookup_expr="startswith", label="Verb starts with")
    object_type = TextFilter(label="Object type")
    actor = TextFilter(field_name="actor_label", lookup_expr="icontains", label="Actor")
    since = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", validators=[FILTER_DAY.validate]
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", validators=[FILTER_DAY.validate]
    )

    class Meta:
        model = AuditEvent
        fields = ["verb", "object_type", "actor", "since", "until"]
