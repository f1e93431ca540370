"""Saved views of the inbox: named filters, personal or shared with every member."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from feedback.models import (
    SavedView,
)
from feedback.services.triage_labels import clean_name
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability


def _check_view_name(actor: Actor, name: str, exclude: int | None = None) -> str:
    name = clean_name(name, "name", 80)
    taken = SavedView.objects.filter(workspace=actor.workspace, owner=actor.user, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"name": "You already have a view with this name."})
    return name


@transaction.atomic
def saved_view_create(
    *, actor: Actor, name: str, filters: Mapping[str, Any], shared: bool = False
) -> SavedView:
    """Saves the inbox's filters by name: personal, or shared with every member."""
    require(actor, Capability.KEEP_SAVED_VIEWS)
    if actor.user is None:
        raise ValidationError("Saved views belong to a person, not a token.")
    if shared and not actor.can(Capability.TRIAGE_FEEDBACK):
        raise ValidationError({"shared": "Your role keeps personal views only."})
    view = SavedView.objects.create(
        workspace=actor.workspace,
        owner=actor.user,
        name=_check_view_name(actor, name),
        filters={k: v for k, v in dict(filters).items() if v not in (None, "", [])},
        shared=shared,
    )
    audit(actor, "saved_view.created", view, after={"name": view.name, "shared": shared})
    return view


def _own(actor: Actor, view: SavedView) -> SavedView:
    locked = SavedView.objects.select_for_update().get(pk=view.pk, workspace=actor.workspace)
    if locked.owner_id != (actor.user.pk if actor.user else None):
        raise PermissionDenied("Only its owner can change a saved view.")
    return locked


@transaction.atomic
def saved_view_rename(*, actor: Actor, view: SavedView, name: str) -> SavedView:
    require(actor, Capability.KEEP_SAVED_VIEWS)
    view = _own(actor, view)
    before = view.name
    view.name = _check_view_name(actor, name, exclude=view.pk)
    view.save(update_fields=["name"])
    audit(actor, "saved_view.renamed", view, before={"name": before}, after={"name": view.name})
    return view


@transaction.atomic
def saved_view_delete(*, actor: Actor, view: SavedView) -> None:
    require(actor, Capability.KEEP_SAVED_VIEWS)
    view = _own(actor, view)
    audit(actor, "saved_view.deleted", view, before={"name": view.name, "shared": view.shared})
    view.delete()
