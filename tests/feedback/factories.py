"""factory-boy factories for feedback rows, as tests/inventory/factories.py for the inventory.

Each row needs its workspace; the rest has workable defaults. triage_data and ideas_data build
their rows through these.
"""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from feedback.models import (
    Account,
    Channel,
    Contact,
    FeedbackItem,
    Idea,
    IdeaStatus,
    ProductArea,
    Source,
    Tag,
)
from feedback.services import status_counts


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ("workspace", "name")

    name = "Intercom"
    channel = Channel.INTERCOM


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")
    domain = factory.LazyAttribute(lambda a: f"{a.name.lower().replace(' ', '')}.test")
    plan = "Pro"
    annual_revenue = Decimal("1000")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"person{n}@customer.test")
    name = factory.LazyAttribute(lambda c: c.email)
    account = None


class FeedbackItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackItem

    source = factory.SubFactory(SourceFactory, workspace=factory.SelfAttribute("..workspace"))
    body = "Please add a CSV export"
    contact = None
    account = factory.LazyAttribute(lambda i: i.contact.account if i.contact else None)
    received_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    processed_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Intake's services keep the status counters; an item made here is counted the same way.
        item = super()._create(model_class, *args, **kwargs)
        status_counts.add(item.workspace_id, {item.status: 1})
        return item


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")


class ProductAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductArea

    name = factory.Sequence(lambda n: f"Area {n}")


class IdeaFactory(factory.django.DjangoModelFactory):
    """An idea in the workspace's first status (every workspace is made with the defaults)."""

    class Meta:
        model = Idea

    title = factory.Sequence(lambda n: f"Idea {n}")
    status = factory.LazyAttribute(
        lambda i: IdeaStatus.objects.filter(workspace=i.workspace).order_by("position", "id")[0]
    )
