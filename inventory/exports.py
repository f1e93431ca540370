"""CSV export of the (filtered) inventory: the columns and one row per tool.

productops.csvfiles.csv_download streams it and makes every cell safe to open in a spreadsheet.
"""

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inventory.selectors.tools import InventoryTool

COLUMNS = [
    "name",
    "vendor",
    "category",
    "team",
    "owner",
    "status",
    "sso_enabled",
    "data_sensitivity",
    "tags",
    "feeds_feedback_from",
    "plan",
    "billing_period",
    "currency",
    "annual_cost_native",
    "annual_cost_workspace_currency",
    "seats_bought",
    "seats_used",
    "utilisation_percent",
    "renewal_date",
    "notice_deadline",
    "auto_renew",
    "renewal_decision",
    "url",
]


def tool_rows(tools: Iterable["InventoryTool"]) -> Iterator[list]:
    """One row of COLUMNS per tool of selectors.tools.inventory()."""
    for t in tools:
        yield [
            t.name,
            t.vendor,
            t.category,
            t.team,
            t.owner.user.display_name if t.owner is not None else "",
            t.status,
            "yes" if t.sso_enabled else "no",
            t.data_sensitivity,
            ", ".join(t.tags),
            ", ".join(t.feedback_source_kinds),
            t.plan,
            t.billing_period,
            t.currency,
            t.annual_cost_native,
            t.annual_cost,
            t.seats_bought,
            t.seats_used,
            f"{t.utilisation:.1f}" if t.utilisation is not None else "",
            t.renewal_date,
            t.notice_deadline,
            "" if t.auto_renew is None else ("yes" if t.auto_renew else "no"),
            t.decision,
            t.url,
        ]
