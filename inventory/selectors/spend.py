"""Spend reads: spend by category or team, unconverted spend, overlap and waste (each with
what to do about it, from inventory/advice.py). Amounts are annual costs in the workspace
currency (see selectors/tools.py for how money is counted)."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Case, Count, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import Greatest

from inventory.advice import Advice, consolidation, keeper, right_size
from inventory.models import InventorySettings, Tool, ToolStatus
from inventory.selectors.tools import (
    MONEY,
    ZERO,
    InventoryColumns,
    annual_cost_expression,
    contracts_with_money,
    counts_toward_spend,
    inventory,
    settings_for,
)
from productops.models import Workspace

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from inventory.selectors.tools import InventoryTool

    WastefulTool = WithAnnotations[Tool, "WasteColumns"]


@dataclass(frozen=True)
class SpendRow:
    label: str
    annual_spend: Decimal
    tools: int
    seats_bought: int
    seats_used: int
    share: float  # percent of the largest row, for the bar

    @property
    def utilisation(self) -> float | None:
        return self.seats_used * 100 / self.seats_bought if self.seats_bought else None


def _spend_rows(rows: list[dict], key: str) -> list[SpendRow]:
    top = max((r["spend"] for r in rows), default=Decimal("0")) or Decimal("1")
    return [
        SpendRow(
            label=r[key] or "No team",
            annual_spend=r["spend"],
            tools=r["tools"],
            seats_bought=r["bought"],
            seats_used=r["used"],
            share=float(r["spend"] * 100 / top),
        )
        for r in rows
    ]


def spend_by(
    *, workspace: Workspace, dimension: str, settings: InventorySettings | None = None
) -> list[SpendRow]:
    """Annual spend in the workspace currency grouped by `category` or `team`, largest first."""
    if dimension not in {"category", "team"}:
        raise ValueError(dimension)
    key = f"tool__{dimension}"
    rows = list(
        contracts_with_money(workspace, settings)
        .filter(counts_toward_spend())
        .order_by()
        .values(key)
        .annotate(
            spend=Sum("annual_cost_converted", default=ZERO),
            tools=Count("tool", distinct=True),
            bought=Sum("seats_bought"),
            used=Sum("seats_used"),
        )
        .order_by("-spend", key)
    )
    return _spend_rows(rows, key)


def unconverted_spend(*, workspace: Workspace) -> dict[str, Decimal]:
    """Annual spend per currency that has no budget rate, left out of converted totals."""
    rows = (
        contracts_with_money(workspace)
        .filter(counts_toward_spend(), annual_cost_converted__isnull=True)
        .order_by()
        .values("currency")
        .annotate(total=Sum(annual_cost_expression()))
        .values_list("currency", "total")
    )
    return dict(sorted(rows))


@dataclass(frozen=True)
class OverlapGroup:
    category: str
    tools: list["InventoryTool"]
    annual_spend: Decimal
    seats_bought: int
    seats_used: int
    keeper: str  # the tool to consolidate into
    advice: dict[int, Advice]  # by tool id

    @property
    def utilisation(self) -> float | None:
        return self.seats_used * 100 / self.seats_bought if self.seats_bought else None

    @property
    def lines(self) -> list[tuple["InventoryTool", Advice | None]]:
        return [(t, self.advice.get(t.pk)) for t in self.tools]


def overlap(*, workspace: Workspace) -> list[OverlapGroup]:
    """Categories with more than one active tool, with their combined spend and seat use."""
    active = inventory(workspace=workspace).filter(status=ToolStatus.ACTIVE)
    crowded = (
        Tool.objects.filter(workspace=workspace, status=ToolStatus.ACTIVE)
        .order_by()
        .values("category")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values("category")
    )
    groups: dict[str, list[InventoryTool]] = defaultdict(list)
    for row in active.filter(category__in=crowded).order_by("category", "-annual_cost", "name"):
        groups[row.category].append(row)
    result = [
        OverlapGroup(
            category=category,
            tools=tools,
            annual_spend=sum(
                (t.annual_cost for t in tools if t.in_spend and t.annual_cost is not None),
                Decimal("0"),
            ),
            seats_bought=sum(t.seats_bought or 0 for t in tools if t.in_spend),
            seats_used=sum(t.seats_used or 0 for t in tools if t.in_spend),
            keeper=keeper(tools).name,
            advice=consolidation(tools),
        )
        for category, tools in groups.items()
    ]
    return sorted(result, key=lambda g: (-g.annual_spend, g.category))


class WasteColumns(InventoryColumns):
    """What waste() adds to inventory()'s columns."""

    unused_seats: int
    waste: Decimal | None  # unused seats at the seat price; None without a budget rate
    under_threshold: bool  # utilisation below the workspace's threshold


@dataclass(frozen=True)
class Waste:
    threshold: int
    rows: list["WastefulTool"]
    total_waste: Decimal
    unused_seats: int
    under_threshold: int
    advice: dict[int, Advice]  # by tool id: right-size or cancel

    @property
    def lines(self) -> list[tuple["WastefulTool", Advice | None]]:
        return [(t, self.advice.get(t.pk)) for t in self.rows]


def waste(*, workspace: Workspace, settings: InventorySettings | None = None) -> Waste:
    """Unused seats priced at the seat price (annual cost / seats bought), and the tools under
    the workspace's utilisation threshold. Tools without seats (flat fees) are not counted."""
    settings = settings or settings_for(workspace=workspace)
    threshold = settings.utilisation_threshold
    unused = Greatest(F("seats_bought") - F("seats_used"), Value(0))
    wasteful = (
        inventory(workspace=workspace, settings=settings)
        .filter(in_spend=True, seats_bought__gt=0)
        .annotate(
            unused_seats=unused,
            waste=ExpressionWrapper(
                unused * F("annual_cost") / F("seats_bought"), output_field=MONEY
            ),
            under_threshold=Case(
                When(utilisation__lt=threshold, then=Value(True)), default=Value(False)
            ),
        )
        .filter(Q(unused_seats__gt=0) | Q(under_threshold=True))
        .order_by(F("waste").desc(nulls_last=True), "name")
    )
    rows: list[WastefulTool] = list(wasteful)
    return Waste(
        threshold=threshold,
        rows=rows,
        total_waste=sum((r.waste for r in rows if r.waste is not None), Decimal("0")),
        unused_seats=sum(r.unused_seats for r in rows),
        under_threshold=sum(1 for r in rows if r.under_threshold),
        advice={r.pk: a for r in rows if (a := right_size(r)) is not None},
    )
