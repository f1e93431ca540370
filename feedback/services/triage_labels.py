"""Tags and product areas: found by name in any case, created on the fly when new."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from feedback.models import (
    ProductArea,
    Tag,
)
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability


def clean_name(name: str, field_name: str, max_length: int) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({field_name: "Give it a name."})
    if len(name) > max_length:
        raise ValidationError({field_name: f"Use at most {max_length} characters."})
    return name


def label_named(actor: Actor, model: type[Tag | ProductArea], name: str):
    name = " ".join(name.split())
    return (
        model.objects.filter(workspace=actor.workspace)
        .annotate(lower=Lower("name"))
        .filter(lower=name.lower())
        .first()
    )


def label_get_or_create(
    actor: Actor,
    model: type[Tag | ProductArea],
    name: str,
    verb: str,
    *,
    field_name: str = "name",
):
    """The workspace's label of that name (any case), created on the fly when new."""
    require(actor, Capability.TRIAGE_FEEDBACK)
    name = clean_name(name, field_name, model._meta.get_field("name").max_length or 80)
    label = label_named(actor, model, name)
    if label is None:
        label = model.objects.create(workspace=actor.workspace, name=name)
        audit(actor, verb, label, after={"name": name})
    return label


@transaction.atomic
def tag_get_or_create(*, actor: Actor, name: str) -> Tag:
    return label_get_or_create(actor, Tag, name, "tag.created")


@transaction.atomic
def product_area_get_or_create(*, actor: Actor, name: str) -> ProductArea:
    return label_get_or_create(actor, ProductArea, name, "product_area.created")
