"""Every write of accounts (the customer companies feedback comes from)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from feedback.batch_upsert import mark_days
from feedback.intake_item import normalise_domain
from feedback.models import Account
from feedback.selectors.evidence import ideas_asked_by_account
from feedback.selectors.intake import account_days
from productops import clock
from productops.access import Actor, require
from productops.audit import audit, diff, mark_buckets
from productops.capabilities import Capability
from productops.locks import advisory_xact_lock
from productops.validation import Text

ACCOUNT_FIELDS = ("name", "domain", "plan", "segment", "annual_revenue")


@transaction.atomic
def account_upsert(
    *,
    actor: Actor,
    external_id: str = "",
    name: str = "",
    domain: str = "",
    plan: str | None = None,
    segment: str | None = None,
    annual_revenue: Decimal | None = None,
) -> tuple[Account, bool]:
    """Creates or updates an account by its external id (else its domain); True when created.

    A domain already held by another account that has no external id is adopted by this one
    (the account was made from an email domain before the CRM knew it).
    """
    require(actor, Capability.SUBMIT_FEEDBACK)
    external_id, domain = external_id.strip(), normalise_domain(domain) if domain else ""
    if not external_id and not domain:
        raise ValidationError({"external_id": "Give the account's external_id (or its domain)."})
    advisory_xact_lock("account", actor.workspace.pk, external_id or domain)
    accounts = Account.objects.select_for_update().filter(workspace=actor.workspace)
    account = accounts.filter(external_id=external_id).first() if external_id else None
    holder = accounts.filter(domain=domain).first() if domain else None
    if account is None and holder is not None:
        if external_id and holder.external_id and holder.external_id != external_id:
            # The message names neither the holder's name nor its CRM id: an intake-only
            # token must not learn them by guessing domains.
            raise ValidationError({"domain": f"{domain} belongs to another account."})
        account = holder
    elif account is not None and holder is not None and holder.pk != account.pk:
        raise ValidationError({"domain": f"{domain} belongs to another account."})
    created = account is None
    if account is None:
        account = Account(workspace=actor.workspace)
    before = {f: str(getattr(account, f)) for f in ACCOUNT_FIELDS} if not created else None
    if external_id:
        account.external_id = external_id
    if domain:
        account.domain = domain
    too_long = {
        field: message
        for field, value, limit in (
            ("name", name, 200),
            ("plan", plan, 60),
            ("segment", segment, 60),
        )
        if isinstance(value, str) and (message := Text(limit).too_long(value.strip()))
    }
    if too_long:  # refused, never cut
        raise ValidationError(too_long)
    if name.strip():
        account.name = name.strip()
    elif created:
        account.name = domain or external_id
    for field, value in (("plan", plan), ("segment", segment), ("annual_revenue", annual_revenue)):
        if value is not None:
            setattr(account, field, value.strip() if isinstance(value, str) else value)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise ValidationError(
            {"external_id": "Another request changed this account; retry."}
        ) from None
    after = {f: str(getattr(account, f)) for f in ACCOUNT_FIELDS}
    if before is None:
        audit(actor, "account.created", account, after=after)
    else:
        changed_before, changed_after = diff(before, after)
        audit(actor, "account.updated", account, before=changed_before, after=changed_after)
        if {"segment", "annual_revenue"} & set(changed_after):
            _mark_counted_by(actor, account)
    return account, created


def _mark_counted_by(actor: Actor, account: Account) -> None:
    """The account's segment or revenue changed: every day its feedback was received (volume by
    segment) and every idea it asked for (revenue, accounts) must be recounted."""
    workspace = actor.workspace
    mark_days(workspace, account_days(account=account, time_zone=clock.zone(workspace).key))
    asked = ideas_asked_by_account(workspace_id=workspace.pk, account_id=account.pk)
    mark_buckets(workspace, "ideas", [str(idea_id) for idea_id in asked])
