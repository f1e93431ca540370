"""Renewal reminders: their settings, the reminders sent before each renewal deadline, and
dismissing the notifications they leave."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from inventory.models import DEFAULT_REMINDER_DAYS, Contract, InventorySettings, Notification
from inventory.selectors import renewals
from inventory.selectors import tools as tool_selectors
from productops import clock
from productops.access import Actor, require
from productops.ages import days_ago
from productops.audit import audit, diff, mark_changed
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.models import Membership, Role
from productops.services import email_queue
from productops.site import absolute_url

if TYPE_CHECKING:
    from inventory.selectors.renewals import ContractWithDeadline


@transaction.atomic
def alerts_and_rates_update(
    *,
    actor: Actor,
    utilisation_threshold: int,
    reminder_days: Sequence[int],
    exchange_rates: dict[str, Decimal],
    expected_version: int | None = None,
) -> InventorySettings:
    """Saves what the inventory's alerts and money use: the utilisation threshold (percent; tools
    below it are listed under Waste), the renewal reminder days (1-365 before a notice deadline)
    and budget exchange rates (units of the workspace currency per unit of each code).

    Raises ValidationError by field, and StaleEdit when `expected_version` is not the current one.
    """
    require(actor, Capability.MANAGE_TOOLS)
    workspace = actor.workspace
    errors = {}
    if not 1 <= utilisation_threshold <= 100:
        errors["utilisation_threshold"] = "Use a percentage between 1 and 100."
    days = sorted({int(d) for d in reminder_days}, reverse=True)
    if not days or any(d < 1 or d > 365 for d in days):
        errors["reminder_days"] = "List one or more days between 1 and 365, e.g. 90, 30, 7."
    rates = {}
    for code, rate in exchange_rates.items():
        code = code.strip().upper()
        if len(code) != 3 or not code.isalpha() or rate is None or rate <= 0:
            errors["exchange_rates"] = f"{code or '?'}: use a code like EUR and a positive rate."
            break
        if code != workspace.currency:
            rates[code] = str(rate)
    if errors:
        raise ValidationError(errors)
    current = tool_selectors.settings_for(workspace=workspace)
    if current.pk is not None:
        current = InventorySettings.objects.select_for_update().get(pk=current.pk)
        if expected_version is not None and current.version != expected_version:
            raise StaleEdit(
                "The inventory settings were changed by someone else. Reload and try again.",
                current={"version": current.version},
            )
    before = {
        "utilisation_threshold": current.utilisation_threshold,
        "reminder_days": list(current.reminder_days),
        "exchange_rates": dict(current.exchange_rates),
    }
    current.utilisation_threshold = utilisation_threshold
    current.reminder_days = days
    current.exchange_rates = rates
    if current.pk is not None:
        current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    after = {
        "utilisation_threshold": utilisation_threshold,
        "reminder_days": days,
        "exchange_rates": rates,
    }
    old, new = diff(before, after)
    audit(actor, "inventory.settings_updated", current, before=old, after=new)
    mark_changed(workspace, "tools", "")
    return current


@transaction.atomic
def notification_dismiss(*, actor: Actor, notification: Notification) -> None:
    require(actor, Capability.VIEW_TOOLS)
    updated = Notification.objects.filter(
        pk=notification.pk,
        workspace=actor.workspace,
        recipient=actor.user,
        dismissed_at=None,
    ).update(dismissed_at=timezone.now())
    if updated:
        audit(actor, "notification.dismissed", notification)


DEFAULT_THRESHOLDS = sorted(DEFAULT_REMINDER_DAYS)


@dataclass(frozen=True)
class ReminderSent:
    contract_id: int
    threshold_days: int
    recipients: tuple[str, ...]


def _claim_reminder(contract: Contract, threshold: int, sent: bool) -> bool:
    """Inserts the (contract, threshold) row; True only for the one transaction that did."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO inventory_renewalreminder
                (workspace_id, contract_id, threshold_days, sent, sent_at)
            VALUES (%s, %s, %s, %s, %s)
            ON CONFLICT (workspace_id, contract_id, threshold_days) DO NOTHING
            RETURNING id
            """,
            [contract.workspace_id, contract.pk, threshold, sent, timezone.now()],
        )
        return cursor.fetchone() is not None


def _recipients(contract: Contract) -> list[Membership]:
    """The tool's owner; with no owner, the workspace's ops leads and admins."""
    owner = contract.tool.owner
    if owner is not None:
        return [owner]
    return list(
        Membership.objects.filter(
            workspace_id=contract.workspace_id, role__in=[Role.OPS_LEAD, Role.ADMIN]
        ).select_related("user")
    )


def _reminder_text(contract: Contract, deadline: date, today: date) -> tuple[str, str]:
    tool = contract.tool
    left = (deadline - today).days
    if left > 0:
        when = f"in {left} day{'s' if left != 1 else ''} ({deadline:%d %b %Y})"
    elif left == 0:
        when = f"today ({deadline:%d %b %Y})"
    else:
        when = f"{days_ago(-left)} ({deadline:%d %b %Y})"
    renews = "renews automatically" if contract.auto_renew else "ends"
    message = (
        f"{tool.name}: the notice deadline is {when}; the contract {renews} on "
        f"{contract.renewal_date:%d %b %Y}. Decide: renew, renegotiate or cancel."
    )
    return message[:300], f"{tool.name} renewal: notice deadline {deadline:%d %b %Y}"


def renewal_reminders_send(*, today: date | None = None) -> list[ReminderSent]:
    """Reminds owners of every workspace at their thresholds before each notice deadline.

    A contract is due for threshold T when its deadline is at most T days away and it has no
    reminder row for T yet: "within", not "exactly", so a missed day still reminds. When
    several thresholds are due at once only the nearest is sent and the larger ones are marked
    covered. Each (contract, threshold) is claimed by INSERT ... ON CONFLICT DO NOTHING in the
    same transaction as the notification and the queued email, so two runs at once, or a run
    repeated, send once. Decided contracts (renew, renegotiate, cancel) are not reminded.
    """
    # Without a fixed `today`, each workspace's own today decides what is due.
    earliest, latest = (today, today) if today else clock.days_anywhere()
    thresholds: dict[int, list[int]] = {
        row.workspace_id: sorted(set(row.reminder_days))
        for row in InventorySettings.objects.all().only("workspace_id", "reminder_days")
    }
    horizon = max([max(d) for d in thresholds.values() if d] + [max(DEFAULT_THRESHOLDS)])
    sent: list[ReminderSent] = []
    candidates = renewals.reminder_candidates(
        today=earliest, horizon_days=horizon + (latest - earliest).days
    )
    for contract in candidates:
        day = today or clock.workspace_today(contract.workspace)
        if contract.renewal_date < day:
            continue
        days_left = (contract.deadline - day).days
        due = [
            t for t in thresholds.get(contract.workspace_id, DEFAULT_THRESHOLDS) if days_left <= t
        ]
        if not due:
            continue
        with transaction.atomic():
            if not _claim_reminder(contract, due[0], sent=True):
                continue
            for larger in due[1:]:
                _claim_reminder(contract, larger, sent=False)
            sent.append(_remind(contract, due[0], day))
    return sent


def _remind(contract: "ContractWithDeadline", threshold: int, today: date) -> ReminderSent:
    workspace = contract.workspace
    message, subject = _reminder_text(contract, contract.deadline, today)
    link = absolute_url(reverse("tool_detail", args=[workspace.slug, contract.tool_id]))
    recipients = _recipients(contract)
    for member in recipients:
        Notification.objects.create(
            workspace=workspace,
            recipient=member.user,
            tool=contract.tool,
            contract=contract,
            message=message,
        )
        email_queue(
            workspace=workspace,
            to=member.user.email,
            subject=subject,
            body=f"{message}\n\nRecord the decision: {link}\n\n"
            f"You get this because you own {contract.tool.name} in {workspace.name} "
            "(or it has no owner and you run its tools).",
        )
    system = Actor(workspace=workspace)
    audit(
        system,
        "contract.reminder_sent",
        contract,
        after={
            "threshold_days": threshold,
            "deadline": str(contract.deadline),
            "to": [m.user.email for m in recipients],
        },
    )
    return ReminderSent(
        contract_id=contract.pk,
        threshold_days=threshold,
        recipients=tuple(m.user.email for m in recipients),
    )
