"""Rows for the ideas tests: sources, accounts, contacts and items built directly (the ideas
area reads them; intake's services are tested in their own files)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from feedback.models import Account, Channel, Contact, FeedbackItem, Source
from productops.models import Workspace
from tests.feedback.factories import (
    AccountFactory,
    ContactFactory,
    FeedbackItemFactory,
    SourceFactory,
)


def source(workspace: Workspace, name: str = "Support") -> Source:
    return SourceFactory(workspace=workspace, name=name, channel=Channel.MANUAL)


def account(workspace: Workspace, name: str, revenue: int | str, **extra) -> Account:
    domain = extra.pop("domain", f"{name.lower().replace(' ', '')}.test")
    extra.setdefault("plan", "")
    return AccountFactory(
        workspace=workspace, name=name, domain=domain, annual_revenue=Decimal(revenue), **extra
    )


def contact(workspace: Workspace, email: str, name: str = "", account: Account | None = None):
    return ContactFactory(workspace=workspace, email=email, name=name, account=account)


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
    if account is not None:
        extra["account"] = account
    return FeedbackItemFactory(
        workspace=workspace,
        source=source(workspace),
        body=body,
        title=title,
        contact=contact,
        received_at=timezone.now() - timedelta(days=days_ago),
        **extra,
    )
