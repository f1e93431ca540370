"""Every read of the tool inventory (tools, contracts, requests, notifications, settings).
Each takes the workspace explicitly.

Money: a contract's cost is per billing period; `annual_cost` is annualised (monthly x 12,
annual x 1, multi-year x 12 / term months) and converted to the workspace currency at the
workspace's budget rates (InventorySettings.exchange_rates). A contract in a currency with no
rate has `annual_cost` NULL: sums leave it out and `unconverted` lists it per currency, so no
total silently mixes currencies. Spend counts current contracts of tools that are not retired,
except contracts decided `cancel` (they end at renewal).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404

from inventory.models import (
    DEFAULT_REMINDER_DAYS,
    DEFAULT_UTILISATION_THRESHOLD,
    BillingPeriod,
    Contract,
    InventorySettings,
    Notification,
    RenewalChoice,
    RenewalDecision,
    SeatUsageSnapshot,
    Tool,
    ToolRequest,
    ToolStatus,
)
from productops.models import AuditEvent, Membership, User, Workspace

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY)

# Rates to US dollars, used only to pre-fill a new workspace's budget rates; the ops lead owns
# them after that (Tools > Settings). Rounded reference rates of late 2026.
REFERENCE_USD_RATES = {
    "USD": Decimal("1"),
    "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"),
    "CAD": Decimal("0.73"),
    "AUD": Decimal("0.66"),
    "CHF": Decimal("1.13"),
    "SEK": Decimal("0.095"),
    "JPY": Decimal("0.0067"),
    "INR": Decimal("0.012"),
}


def settings_for(*, workspace: Workspace) -> InventorySettings:
    """The workspace's settings, or unsaved defaults when it has never changed them."""
    found = InventorySettings.objects.filter(workspace=workspace).first()
    if found is not None:
        return found
    return InventorySettings(
        workspace=workspace,
        utilisation_threshold=DEFAULT_UTILISATION_THRESHOLD,
        reminder_days=list(DEFAULT_REMINDER_DAYS),
        exchange_rates=default_exchange_rates(workspace.currency),
    )


def default_exchange_rates(currency: str) -> dict[str, str]:
    base = REFERENCE_USD_RATES.get(currency)
    if base is None:
        return {}
    return {
        code: str((usd / base).quantize(Decimal("0.0001")))
        for code, usd in REFERENCE_USD_RATES.items()
        if code != currency
    }


def rates_for(
    *, workspace: Workspace, settings: InventorySettings | None = None
) -> dict[str, Decimal]:
    """Budget rates to the workspace currency, which itself is 1."""
    settings = settings or settings_for(workspace=workspace)
    rates = {code: Decimal(str(rate)) for code, rate in settings.exchange_rates.items()}
    rates[workspace.currency] = Decimal("1")
    return rates


def annual_cost_expression(prefix: str = "") -> Case:
    """The contract's cost over a year, in its own currency (the twin of models.annualise)."""
    cost, term = F(f"{prefix}cost"), F(f"{prefix}term_months")
    return Case(
        When(**{f"{prefix}billing_period": BillingPeriod.MONTHLY}, then=cost * 12),
        When(
            **{f"{prefix}billing_period": BillingPeriod.MULTI_YEAR},
            then=ExpressionWrapper(cost * 12 / term, output_field=MONEY),
        ),
        default=cost,
        output_field=MONEY,
    )


def rate_expression(rates: dict[str, Decimal], prefix: str = "") -> Case:
    """Units of workspace currency per unit of the contract's currency; NULL without a rate."""
    return Case(
        *[
            When(**{f"{prefix}currency": code}, then=Value(rate, output_field=MONEY))
            for code, rate in sorted(rates.items())
        ],
        default=Value(None, output_field=MONEY),
        output_field=MONEY,
    )


def counts_toward_spend(prefix: str = "") -> Q:
    """The condition on a contract (reached by `prefix`) for it to count toward annual spend."""
    tool = "tool__" if prefix == "" else ""
    return (
        Q(**{f"{prefix}is_current": True})
        & ~Q(**{f"{prefix}decision": RenewalChoice.CANCEL})
        & ~Q(**{f"{tool}status": ToolStatus.RETIRED})
    )


class InventoryColumns(TypedDict):
    """What inventory() adds to each tool: its current contract's figures (None without one)."""

    contract_id: int | None
    plan: str | None
    billing_period: str | None
    currency: str | None
    annual_cost_native: Decimal | None  # a year's cost in the contract's currency
    annual_cost: Decimal | None  # the same in the workspace currency; None without a rate
    seats_bought: int | None
    seats_used: int | None
    utilisation: float | None  # per cent of seats in use; None without seats
    renewal_date: date | None
    notice_deadline: date | None
    auto_renew: bool | None
    decision: str | None
    in_spend: bool


if TYPE_CHECKING:
    # Types only: typing cannot subscript WithAnnotations with two arguments at run time.
    from django_stubs_ext import WithAnnotations

    InventoryTool = WithAnnotations[Tool, InventoryColumns]
    ContractWithMoney = WithAnnotations[Contract, "MoneyColumns"]


def inventory(
    *, workspace: Workspace, settings: InventorySettings | None = None
) -> QuerySet["InventoryTool"]:
    """Every tool with its current contract's figures as annotations (one query, one join).

    Filtered by inventory.filters.ToolFilter; summed by inventory_totals().
    """
    rates = rates_for(workspace=workspace, settings=settings)
    bought, used = F("current__seats_bought"), F("current__seats_used")
    return (
        Tool.objects.filter(workspace=workspace)
        .annotate(current=FilteredRelation("contracts", condition=Q(contracts__is_current=True)))
        .select_related("owner__user")
        .annotate(
            contract_id=F("current__id"),
            plan=F("current__plan"),
            billing_period=F("current__billing_period"),
            currency=F("current__currency"),
            annual_cost_native=annual_cost_expression("current__"),
            annual_cost=ExpressionWrapper(
                annual_cost_expression("current__") * rate_expression(rates, "current__"),
                output_field=MONEY,
            ),
            seats_bought=bought,
            seats_used=used,
            utilisation=Case(
                When(
                    current__seats_bought__gt=0,
                    then=Cast(used, FloatField()) * 100.0 / Cast(bought, FloatField()),
                ),
                default=None,
                output_field=FloatField(),
            ),
            renewal_date=F("current__renewal_date"),
            notice_deadline=ExpressionWrapper(
                F("current__renewal_date") - F("current__notice_days"), output_field=DateField()
            ),
            auto_renew=F("current__auto_renew"),
            decision=F("current__decision"),
            in_spend=Case(
                When(counts_toward_spend("current__"), then=Value(True)),
                default=Value(False),
            ),
        )
    )


@dataclass(frozen=True)
class Totals:
    tools: int
    annual_spend: Decimal
    seats_bought: int
    seats_used: int
    unconverted: dict[str, Decimal]  # currency -> annual spend left out of annual_spend

    @property
    def utilisation(self) -> float | None:
        return self.seats_used * 100 / self.seats_bought if self.seats_bought else None


def inventory_totals(*, workspace: Workspace, tools: QuerySet["InventoryTool"]) -> Totals:
    """Totals of a (filtered) inventory() queryset, summed in SQL: two queries at any size."""
    spend = Q(in_spend=True)
    sums = tools.order_by().aggregate(
        tools=Count("pk"),
        annual_spend=Sum("annual_cost", filter=spend, default=ZERO),
        seats_bought=Sum("seats_bought", filter=spend, default=0),
        seats_used=Sum("seats_used", filter=spend, default=0),
    )
    unconverted_rows = (
        tools.order_by()
        .filter(spend, annual_cost__isnull=True, contract_id__isnull=False)
        .values("currency")
        .annotate(total=Sum("annual_cost_native"))
        .values_list("currency", "total")
    )
    # A tool with a contract has its currency: the check only tells the type checker so.
    unconverted = {currency: total for currency, total in unconverted_rows if currency is not None}
    return Totals(
        tools=sums["tools"],
        annual_spend=sums["annual_spend"],
        seats_bought=sums["seats_bought"],
        seats_used=sums["seats_used"],
        unconverted=dict(sorted(unconverted.items())),
    )


def tool(*, workspace: Workspace, tool_id: int) -> Tool:
    """One tool; 404 for ids of other workspaces, exactly as for ids that do not exist."""
    return get_object_or_404(
        Tool.objects.select_related("owner__user"), workspace=workspace, pk=tool_id
    )


def contract(*, workspace: Workspace, contract_id: int) -> Contract:
    return get_object_or_404(
        Contract.objects.select_related("tool", "tool__owner__user"),
        workspace=workspace,
        pk=contract_id,
    )


def current_contract(*, workspace: Workspace, tool: Tool) -> Contract | None:
    return Contract.objects.filter(workspace=workspace, tool=tool, is_current=True).first()


def seats_in_use_now(*, workspace: Workspace, tool: Tool) -> int:
    """The one definition of a tool's seats in use now: its newest usage record, whichever
    channel recorded it (form, API, CSV), else the current contract's own figure, else 0.

    A new contract starts from this unless its channel states a number, so a renewal through
    the API or a CSV row keeps the 15 seats in use instead of resetting them to 0.
    """
    newest = (
        SeatUsageSnapshot.objects.filter(workspace=workspace, tool=tool)
        .order_by("-taken_on")
        .values_list("seats_used", flat=True)
        .first()
    )
    if newest is not None:
        return newest
    current = current_contract(workspace=workspace, tool=tool)
    return current.seats_used if current is not None else 0


def contracts(*, workspace: Workspace) -> QuerySet[Contract]:
    return Contract.objects.filter(workspace=workspace).select_related("tool")


def contracts_of(*, workspace: Workspace, tool: Tool) -> list[Contract]:
    """The tool's contracts, current first then newest, each with its decisions."""
    newest_first = RenewalDecision.objects.select_related("decided_by").order_by(
        "-decided_at", "-id"
    )
    rows = list(
        Contract.objects.filter(workspace=workspace, tool=tool)
        .prefetch_related(Prefetch("decisions", queryset=newest_first))
        .order_by("-is_current", "-start_date", "-id")
    )
    for row in rows:
        row.tool = tool  # every row is this tool's: spare a query per __str__
    return rows


def usage_history(*, workspace: Workspace, tool: Tool, limit: int = 36) -> list[SeatUsageSnapshot]:
    """The newest `limit` snapshots, oldest first (the order a chart draws them)."""
    rows = list(
        SeatUsageSnapshot.objects.filter(workspace=workspace, tool=tool).order_by("-taken_on")[
            :limit
        ]
    )
    return rows[::-1]


def usage_snapshots(*, workspace: Workspace, tool: Tool) -> QuerySet[SeatUsageSnapshot]:
    return SeatUsageSnapshot.objects.filter(workspace=workspace, tool=tool)


def tool_requests(*, workspace: Workspace) -> QuerySet[ToolRequest]:
    """Pending first, then newest."""
    return (
        ToolRequest.objects.filter(workspace=workspace)
        .select_related("requested_by", "decided_by", "tool")
        .annotate(
            pending_first=Case(When(status="pending", then=Value(0)), default=Value(1)),
        )
        .order_by("pending_first", "-created_at", "-id")
    )


def requests_for_tool(*, workspace: Workspace, tool: Tool) -> list[ToolRequest]:
    return list(
        ToolRequest.objects.filter(workspace=workspace, tool=tool).select_related(
            "requested_by", "decided_by"
        )
    )


def tool_request(*, workspace: Workspace, request_id: int) -> ToolRequest:
    return get_object_or_404(
        ToolRequest.objects.select_related("requested_by", "decided_by", "tool"),
        workspace=workspace,
        pk=request_id,
    )


def pending_request_count(*, workspace: Workspace) -> int:
    return ToolRequest.objects.filter(workspace=workspace, status="pending").count()


def tool_history(
    *, workspace: Workspace, tool: Tool, contract_ids: list[int], limit: int = 30
) -> list[AuditEvent]:
    """Audit events about the tool, its contracts and the request that created it."""
    request_ids = [str(pk) for pk in tool.requests.values_list("pk", flat=True)]
    return list(
        AuditEvent.objects.filter(workspace=workspace)
        .filter(
            Q(object_type="inventory.tool", object_id=str(tool.pk))
            | Q(object_type="inventory.contract", object_id__in=[str(c) for c in contract_ids])
            | Q(object_type="inventory.toolrequest", object_id__in=request_ids)
        )
        .order_by("-created_at", "-id")[:limit]
    )


def notifications(
    *, workspace: Workspace, user: User, tool: Tool | None = None
) -> QuerySet[Notification]:
    rows = Notification.objects.filter(workspace=workspace, recipient=user, dismissed_at=None)
    if tool is not None:
        rows = rows.filter(tool=tool)
    return rows.select_related("tool").order_by("-created_at", "-id")


def notification(*, workspace: Workspace, user: User, notification_id: int) -> Notification:
    return get_object_or_404(Notification, workspace=workspace, recipient=user, pk=notification_id)


def owners(*, workspace: Workspace) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def owner(*, workspace: Workspace, membership_id: int) -> Membership:
    return get_object_or_404(Membership, workspace=workspace, pk=membership_id)


def facets(*, workspace: Workspace) -> dict[str, list[str]]:
    """The categories and teams in use, for filter menus and form suggestions (one query)."""
    rows = Tool.objects.filter(workspace=workspace).values_list("category", "team").distinct()
    return {
        "categories": sorted({c for c, _ in rows if c}, key=str.lower),
        "teams": sorted({t for _, t in rows if t}, key=str.lower),
    }


class MoneyColumns(TypedDict):
    """What contracts_with_money() adds to each contract."""

    annual_cost_converted: Decimal | None  # a year's cost in the workspace currency
    deadline: date  # the last day to give notice


def contracts_with_money(
    workspace: Workspace, settings: InventorySettings | None = None
) -> QuerySet["ContractWithMoney"]:
    """Current contracts of tools not retired, with their converted annual cost and deadline."""
    rates = rates_for(workspace=workspace, settings=settings)
    return (
        Contract.objects.filter(workspace=workspace, is_current=True)
        .exclude(tool__status=ToolStatus.RETIRED)
        .select_related("tool", "tool__owner__user")
        .annotate(
            annual_cost_converted=ExpressionWrapper(
                annual_cost_expression() * rate_expression(rates), output_field=MONEY
            ),
            deadline=ExpressionWrapper(
                F("renewal_date") - F("notice_days"), output_field=DateField()
            ),
        )
    )
