"""CSV export of the (filtered) inventory, safe to open in a spreadsheet."""

import csv
import io
from collections.abc import Iterable

from inventory.models import Tool

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

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


def safe_cell(value) -> str:
    """The value as text, with a leading quote when a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def inventory_csv(tools: Iterable[Tool]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for t in tools:
        row = [
            t.name,
            t.vendor,
            t.category,
            t.team,
            t.owner.user.display_name if t.owner_id else "",
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
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
