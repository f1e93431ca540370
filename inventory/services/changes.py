"""What every inventory write shares: a row's fields as JSON for the audit log, and the change
mark dashboards recompute the "tools" topic by, bucketed by the tool's category."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from productops.audit import mark_buckets
from productops.models import Membership, Workspace


def plain(value: Any) -> Any:
    """A field value as JSON for the audit log."""
    if isinstance(value, Membership):
        return value.user.display_name if value.user_id else value.pk
    if isinstance(value, Decimal | date):
        return str(value)
    return value


def snapshot(obj: Any, fields: Sequence[str]) -> dict[str, Any]:
    return {name: plain(getattr(obj, name)) for name in fields}


def mark_changed_tools(workspace: Workspace, *categories: str) -> None:
    mark_buckets(workspace, "tools", [c for c in categories if c is not None])
