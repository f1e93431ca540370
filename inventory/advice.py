"""What Waste and Overlap advise: right-size a tool to the seats in use, cancel one nobody uses,
or consolidate a category into the tool its people use most. Each piece of advice carries the
query string of a draft renewal decision (the decide page shows it filled in; nothing is saved
until the ops lead records it). Pure functions over the rows the spend selectors read."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlencode

from inventory.models import RenewalChoice

if TYPE_CHECKING:
    from inventory.selectors.spend import WastefulTool
    from inventory.selectors.tools import InventoryTool

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Advice:
    """`saving` is a year's saving in the workspace currency (None without a budget rate);
    `saving_native` the same in `currency`, the contract's. `draft` is the query string for
    the contract's decide page."""

    kind: Literal["right_size", "cancel", "consolidate"]
    contract_id: int
    saving: Decimal | None
    saving_native: Decimal
    currency: str
    draft: str
    seats: int | None = None  # right-size: the seats to keep
    into: str | None = None  # consolidate: the tool to keep


def _draft(decision: str, reason: str, **targets: object) -> str:
    return urlencode({"decision": decision, "reason": reason} | targets)


def right_size(tool: "WastefulTool") -> Advice | None:
    """Keep as many seats as are in use, at the same seat price: saves the unused seats'
    share of the annual cost (unused * annual cost / seats bought, the Waste page's figure).
    No seat in use: cancel, saving the whole annual cost. None for an undecidable row (no
    unused seat, or a decision already recorded)."""
    bought, used = tool.seats_bought or 0, tool.seats_used or 0
    if tool.contract_id is None or tool.decision or bought <= used:
        return None
    native = tool.annual_cost_native or Decimal("0")
    currency = tool.currency or ""
    if used == 0:
        return Advice(
            kind="cancel",
            contract_id=tool.contract_id,
            saving=tool.annual_cost,
            saving_native=native,
            currency=currency,
            draft=_draft(RenewalChoice.CANCEL, f"No seat of {bought} in use."),
        )
    target_price = (native * used / bought).quantize(CENT)
    return Advice(
        kind="right_size",
        contract_id=tool.contract_id,
        saving=tool.waste,
        saving_native=(native - target_price).quantize(CENT),
        currency=currency,
        seats=used,
        draft=_draft(
            RenewalChoice.RENEGOTIATE,
            f"Right-size: {used} of {bought} seats in use.",
            target_seats=used,
            target_annual_cost=f"{target_price:.2f}",
        ),
    )


def keeper(tools: Sequence["InventoryTool"]) -> "InventoryTool":
    """The tool a category consolidates into: the most seats in use, then the highest
    utilisation, then the cheaper one, then by name (so the choice is stable)."""
    return min(
        tools,
        key=lambda t: (
            -(t.seats_used or 0),
            -(t.utilisation or 0.0),
            t.annual_cost_native if t.annual_cost_native is not None else Decimal("0"),
            t.name,
        ),
    )


def consolidation(tools: Sequence["InventoryTool"]) -> dict[int, Advice]:
    """Per tool id, the advice to consolidate into the keeper: cancel the others' contracts,
    saving their annual cost. Tools without a contract, with a decision already recorded or
    not counted in spend get none."""
    kept = keeper(tools)
    advice: dict[int, Advice] = {}
    for tool in tools:
        if tool.pk == kept.pk or tool.contract_id is None or tool.decision or not tool.in_spend:
            continue
        advice[tool.pk] = Advice(
            kind="consolidate",
            contract_id=tool.contract_id,
            saving=tool.annual_cost,
            saving_native=tool.annual_cost_native or Decimal("0"),
            currency=tool.currency or "",
            into=kept.name,
            draft=_draft(
                RenewalChoice.CANCEL,
                f"Consolidate into {kept.name}: both are {tool.category}.",
            ),
        )
    return advice
