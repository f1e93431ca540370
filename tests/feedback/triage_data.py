"""Rows for the triage tests, built through tests/feedback/factories.py (intake's services are
tested in their own files)."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from feedback.models import Account, Channel, Contact, FeedbackItem, Idea, ProductArea, Source, Tag
from feedback.services import status_counts
from productops.models import Workspace
from tests.feedback.factories import (
    AccountFactory,
    ContactFactory,
    FeedbackItemFactory,
    IdeaFactory,
    ProductAreaFactory,
    SourceFactory,
    TagFactory,
)


def source(workspace: Workspace, name: str = "Intercom") -> Source:
    return SourceFactory(workspace=workspace, name=name, channel=Channel.INTERCOM)


def account(workspace: Workspace, name: str, *, segment: str = "", revenue: int = 1000) -> Account:
    return AccountFactory(
        workspace=workspace, name=name, segment=segment, annual_revenue=Decimal(revenue)
    )


def contact(workspace: Workspace, email: str, acct: Account | None = None) -> Contact:
    return ContactFactory(workspace=workspace, email=email, account=acct)


def item(
    workspace: Workspace,
    body: str = "Please add a CSV export",
    *,
    hours_ago: float = 1,
    src: Source | None = None,
    person: Contact | None = None,
    **extra,
) -> FeedbackItem:
    if "acct" in extra:
        extra["account"] = extra.pop("acct")
    return FeedbackItemFactory(
        workspace=workspace,
        source=src or source(workspace),
        body=body,
        contact=person,
        received_at=timezone.now() - timedelta(hours=hours_ago),
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
    made = FeedbackItem.objects.bulk_create(rows)
    status_counts.add(workspace, Counter(i.status for i in made))  # as intake's services do
    return made


def tag(workspace: Workspace, name: str) -> Tag:
    return TagFactory(workspace=workspace, name=name)


def area(workspace: Workspace, name: str) -> ProductArea:
    return ProductAreaFactory(workspace=workspace, name=name)


def idea(workspace: Workspace, title: str = "CSV export v2") -> Idea:
    return IdeaFactory(workspace=workspace, title=title)
