"""Rows for the ideas tests: sources, accounts, contacts and items built directly (the ideas
area reads them; intake's services are tested in their own files)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from feedback.models import Account, Channel, Contact, FeedbackItem, Source
from productops.models import Workspace


def source(workspace: Workspace, name: str = "Support") -> Source:
    found, _ = Source.objects.get_or_create(
        workspace=workspace, name=name, defaults={"channel": Channel.MANUAL}
    )
    return found


def account(workspace: Workspace, name: str, revenue: int | str, **extra) -> Account:
    domain = extra.pop("domain", f"{name.lower().replace(' ', '')}.test")
    return Account.objects.create(
        workspace=workspace,
        name=name,
        domain=domain,
        annual_revenue=Decimal(revenue),
        **extra,
    )


def contact(workspace: Workspace, email: str, name: str = "", account: Account | None = None):
    return Contact.objects.create(workspace=workspace, email=email, name=name, account=account)


def item(
    workspace: Workspace,
    body: str = "Please add this",
    *,
    account: Account | None = None,
    contact: Contact | None = None,
    days_ago: int = 1,
    title: str = "",
    **extra,
) -> FeedbackItem:
    return FeedbackItem.objects.create(
        workspace=workspace,
        source=source(workspace),
        body=body,
        title=title,
        account=account if account is not None else (contact.account if contact else None),
        contact=contact,
        received_at=timezone.now() - timedelta(days=days_ago),
        processed_at=timezone.now(),
        **extra,
    )
