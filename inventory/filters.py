"""The inventory's filters, shared by the page, the CSV export and the API."""

from dataclasses import dataclass
from datetime import timedelta

import django_filters
from django.db.models import F, Q, QuerySet

from inventory.models import BillingPeriod, Contract, RequestStatus, Tool, ToolRequest, ToolStatus
from productops import clock
from productops.filters import DayFilter, TextFilter, WholeFilter
from productops.validation import RENEWAL_WITHIN, RENEWALS_AHEAD, Choice


class ToolFilter(django_filters.FilterSet):
    """Filters an inventory() queryset (which carries the current contract's annotations)."""

    q = TextFilter(method="filter_q", label="Search")
    category = TextFilter(field_name="category", lookup_expr="iexact")
    team = TextFilter(field_name="team", lookup_expr="iexact")
    status = django_filters.ChoiceFilter(choices=ToolStatus.choices)
    owner = WholeFilter(field_name="owner_id", label="Owner (membership id)")
    tag = TextFilter(method="filter_tag", label="Tag")
    renewal_within = WholeFilter(
        method="filter_renewal_within", label="Renews within (days)", bounds=RENEWAL_WITHIN
    )

    class Meta:
        model = Tool
        fields = ["q", "category", "team", "status", "owner", "tag", "renewal_within"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(vendor__icontains=value))

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(tags__contains=[value.strip().lower()])

    def filter_renewal_within(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # The page and the API both pass the request; its actor carries the workspace.
        today = clock.workspace_today(self.request.actor.workspace)
        return queryset.filter(
            renewal_date__gte=today, renewal_date__lte=today + timedelta(days=value)
        )


SORTS = {
    "name": (F("name").asc(),),
    "-annual_cost": (F("annual_cost").desc(nulls_last=True), F("name").asc()),
    "annual_cost": (F("annual_cost").asc(nulls_last=True), F("name").asc()),
    "renewal_date": (F("renewal_date").asc(nulls_last=True), F("name").asc()),
    "utilisation": (F("utilisation").asc(nulls_last=True), F("name").asc()),
    "-utilisation": (F("utilisation").desc(nulls_last=True), F("name").asc()),
    "category": (F("category").asc(), F("name").asc()),
    "owner": (F("owner__user__name").asc(nulls_last=True), F("name").asc()),
}
SORT_LABELS = {
    "name": "Name",
    "-annual_cost": "Annual cost, highest first",
    "annual_cost": "Annual cost, lowest first",
    "renewal_date": "Renewal, soonest first",
    "utilisation": "Utilisation, lowest first",
    "-utilisation": "Utilisation, highest first",
    "category": "Category",
    "owner": "Owner",
}


SORT = Choice(tuple(SORTS))


def sorted_inventory(queryset: QuerySet, sort: str | None) -> QuerySet:
    """Ordered by `sort` (a key of SORTS; default name). Unknown: ValidationError on `sort`."""
    return queryset.order_by(*SORTS[SORT.clean(sort or "name", field="sort")], "pk")


class ContractFilter(django_filters.FilterSet):
    tool = WholeFilter(field_name="tool_id")
    is_current = django_filters.BooleanFilter()
    billing_period = django_filters.ChoiceFilter(choices=BillingPeriod.choices)
    currency = TextFilter(lookup_expr="iexact")
    renews_before = DayFilter(field_name="renewal_date", lookup_expr="lte")
    renews_after = DayFilter(field_name="renewal_date", lookup_expr="gte")

    class Meta:
        model = Contract
        fields = [
            "tool",
            "is_current",
            "billing_period",
            "currency",
            "renews_before",
            "renews_after",
        ]


class ToolRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)

    class Meta:
        model = ToolRequest
        fields = ["status"]


RENEWING = Choice(("yes", "no"))


@dataclass(frozen=True)
class RenewalFilters:
    """The renewals page's list and `GET renewals/`, read from one query string."""

    days: int = 90  # renewing within this many days of the workspace's today
    renewing: bool = False  # only the contracts that will renew (not decided cancel)

    @classmethod
    def from_params(cls, params) -> "RenewalFilters":
        """A bad value is a ValidationError naming it (400). inventory/api/contracts.
        RENEWAL_FILTER_PARAMETERS documents each name read here."""
        return cls(
            days=RENEWALS_AHEAD.query(params, "days", default=90),
            # renewing=yes: the contracts that will renew (the dashboards' "Renewals in 90 days").
            renewing=RENEWING.query(params, "renewing", default="no") == "yes",
        )
