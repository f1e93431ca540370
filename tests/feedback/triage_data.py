"""Rows for the triage tests, built directly (intake's services are tested in their own files)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from feedback.models import (
    Account,
    Channel,
    Contact,
    FeedbackItem,
    Idea,
    ProductArea,
    Source,
    Tag,
)
from feedback.selectors.ideas import statuses
from productops.models import Workspace


def source(workspace: Workspace, name: str = "Intercom") -> Source:
    found, _ = Source.objects.get_or_create(
        workspace=workspace, name=name, defaults={"channel": Channel.INTERCOM}
    )
    return found


def account(workspace: Workspace, name: str, *, segment: str = "", revenue: int = 1000) -> Account:
    return Account.objects.create(
        workspace=workspace,
        name=name,
        domain=f"{name.lower().replace(' ', '')}.test",
        segment=segment,
        plan="Pro",
        annual_revenue=Decimal(revenue),
    )


def contact(workspace: Workspace, email: str, acct: Account | None = None) -> Contact:
    return Contact.objects.create(workspace=workspace, email=email, name=email, account=acct)


def item(
    workspace: Workspace,
    body: str = "Please add a CSV export",
    *,
    hours_ago: float = 1,
    src: Source | None = None,
    person: Contact | None = None,
    **extra,
) -> FeedbackItem:
    return FeedbackItem.objects.create(
        workspace=workspace,
        source=src or source(workspace),
        body=body,
        contact=person,
        account=extra.pop("acct", person.account if person else None),
        received_at=timezone.now() - timedelta(hours=hours_ago),
        processed_at=timezone.now(),
        **extra,
    )


def many(workspace: Workspace, n: int, *, start_hours: float = 0, **extra) -> list[FeedbackItem]:
    """`n` items quickly (bulk_create), one a minute apart, newest first."""
    src = source(workspace)
    now = timezone.now()
    rows = [
        FeedbackItem(
            workspace=workspace,
            source=src,
            body=f"Feedback number {k}",
            received_at=now - timedelta(hours=start_hours, minutes=k),
            processed_at=now,
            **extra,
        )
        for k in range(n)
    ]
    return FeedbackItem.objects.bulk_create(rows)


def tag(workspace: Workspace, name: str) -> Tag:
    return Tag.objects.create(workspace=workspace, name=name)


def area(workspace: Workspace, name: str) -> ProductArea:
    return ProductArea.objects.create(workspace=workspace, name=name)


def idea(workspace: Workspace, title: str = "CSV export v2") -> Idea:
    status = statuses(workspace=workspace)[0]
    return Idea.objects.create(workspace=workspace, title=title, status=status)
