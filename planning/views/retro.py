"""Retrospective actions in the room, the action items page and retro templates.

Room actions post through `room_actions.room_action`: the service runs, then htmx gets the
room's fragments (the retro board among them) and a plain form a redirect to the room.
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from planning.models import DEFAULT_PROMPTS, ActionStatus, PlanningSession
from planning.selectors import retro as selectors
from planning.selectors.sessions import members
from planning.services import action_items as action_services
from planning.services import retro as services
from planning.views.room_actions import room_action
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.validation import PLANNING_DAY


def _number(request: WorkspaceRequest, name: str) -> int | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationError({name: "Choose one from the list."})
    return int(raw)


def _owner(request: WorkspaceRequest):
    owner_id = _number(request, "owner")
    if owner_id is None:
        return None
    owner = members(workspace=request.workspace).filter(pk=owner_id).first()
    if owner is None:
        raise ValidationError({"owner": "The owner must be a member of this workspace."})
    return owner


def _due(request: WorkspaceRequest) -> date | None:
    raw = request.POST.get("due_on", "").strip()
    return PLANNING_DAY.clean(raw, field="due_on") if raw else None


@room_action(Capability.RUN_PLANNING)
def retro_prompts(request: WorkspaceRequest, session: PlanningSession) -> str | None:
    template_id = _number(request, "template")
    if template_id is not None:
        template = selectors.templates(workspace=request.workspace).filter(pk=template_id).first()
        if template is None:
            raise ValidationError({"template": "Choose one of the workspace's templates."})
        prompts = list(template.prompts)
    elif "prompts" in request.POST:
        prompts = request.POST["prompts"].splitlines()
    else:
        # The picker's first choice, "Well / improve / try", is the default three (value empty).
        prompts = list(DEFAULT_PROMPTS)
    services.retro_prompts_set(actor=request.actor, session=session, prompts=prompts)
    return "Prompts set."


@room_action(Capability.JOIN_PLANNING)
def retro_reflect(request: WorkspaceRequest, session: PlanningSession) -> str | None:
    services.reflection_add(
        actor=request.actor,
        session=session,
        position=_number(request, "position") or 0,
        text=request.POST.get("text", ""),
    )
    return None


@room_action(Capability.JOIN_PLANNING)
def retro_reflection(request: WorkspaceRequest, session: PlanningSession, reflection_id: int):
    if request.POST.get("action") == "delete":
        services.reflection_delete(
            actor=request.actor, session=session, reflection_id=reflection_id
        )
        return "Reflection deleted."
    services.reflection_edit(
        actor=request.actor,
        session=session,
        reflection_id=reflection_id,
        text=request.POST.get("text", ""),
    )
    return None


@room_action(Capability.JOIN_PLANNING)
def retro_move(request: WorkspaceRequest, session: PlanningSession, reflection_id: int):
    """Where a card goes, from drag and drop or the keyboard's select: `group:<id>` (into a
    group), `card:<id>` (with another card) or `none` (on its own)."""
    target = request.POST.get("target", "none")
    kind, _, number = target.partition(":")
    if kind not in ("group", "card", "none") or (kind != "none" and not number.isdigit()):
        raise ValidationError({"target": "Choose where the reflection goes."})
    services.reflection_move(
        actor=request.actor,
        session=session,
        reflection_id=reflection_id,
        group_id=int(number) if kind == "group" else None,
        onto_reflection_id=int(number) if kind == "card" else None,
    )
    return None


@room_action(Capability.JOIN_PLANNING)
def retro_group(request: WorkspaceRequest, session: PlanningSession, group_id: int):
    if request.POST.get("action") == "merge":
        into = _number(request, "into")
        if into is None:
            raise ValidationError({"into": "Choose the group to merge into."})
        services.group_merge(
            actor=request.actor, session=session, group_id=group_id, into_group_id=into
        )
        return "Groups merged."
    services.group_rename(
        actor=request.actor, session=session, group_id=group_id, title=request.POST.get("title", "")
    )
    return None


@room_action(Capability.JOIN_PLANNING)
def retro_vote(request: WorkspaceRequest, session: PlanningSession, group_id: int):
    dots = _number(request, "dots")
    services.retro_vote(actor=request.actor, session=session, group_id=group_id, dots=dots or 0)
    return None


@room_action(Capability.JOIN_PLANNING)
def retro_note(request: WorkspaceRequest, session: PlanningSession) -> str | None:
    services.discussion_note_add(
        actor=request.actor,
        session=session,
        group_id=_number(request, "group"),
        text=request.POST.get("text", ""),
    )
    return None


@room_action(Capability.TRACK_ACTION_ITEMS)
def retro_action_add(request: WorkspaceRequest, session: PlanningSession) -> str | None:
    action_services.action_item_add(
        actor=request.actor,
        session=session,
        title=request.POST.get("title", ""),
        owner=_owner(request),
        due_on=_due(request),
        group_id=_number(request, "group"),
    )
    return "Action item added."


@room_action(Capability.TRACK_ACTION_ITEMS)
def retro_action_review(request: WorkspaceRequest, session: PlanningSession, action_id: int):
    """The room reviews an earlier action: done, dropped, or kept open."""
    item = selectors.action_item(workspace=request.workspace, action_id=action_id)
    status = request.POST.get("status", "")
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Choose open, done or dropped."})
    action_services.action_item_update(
        actor=request.actor,
        item=item,
        changes=action_services.ActionChanges(status=status),
        reviewed_in=session,
    )
    return None


def _action_items_page(request: WorkspaceRequest, status: int = 200) -> HttpResponse:
    filters = selectors.ActionFilters.from_params(
        request.GET, me=request.user.pk, default_status=ActionStatus.OPEN
    )
    rows = list(
        selectors.action_items(workspace=request.workspace, filters=filters).order_by(
            "status", "due_on", "id"
        )[: selectors.ACTION_PAGE]
    )
    context = {
        "rows": rows,
        "filters": filters,
        "mine": request.GET.get("owner") == "me",
        "teams": selectors.action_teams(workspace=request.workspace),
        "follow_through": selectors.follow_through(workspace=request.workspace),
        "statuses": ActionStatus.choices,
        "people": members(workspace=request.workspace),
    }
    return render(request, "planning/action_items.html", context, status=status)


@require_GET
@member_required(Capability.VIEW_PLANNING)
def action_items(request: WorkspaceRequest) -> HttpResponse:
    return _action_items_page(request)


@require_POST
@member_required(Capability.TRACK_ACTION_ITEMS)
def action_item_update(request: WorkspaceRequest, action_id: int) -> HttpResponse:
    """Status, owner or due date of one action item, from the action items page."""
    item = selectors.action_item(workspace=request.workspace, action_id=action_id)
    try:
        owner_given = "owner" in request.POST
        owner = _owner(request) if owner_given else None
        due_given = "due_on" in request.POST
        due_on = _due(request) if due_given else None
        action_services.action_item_update(
            actor=request.actor,
            item=item,
            expected_version=_number(request, "version"),
            changes=action_services.ActionChanges(
                status=request.POST.get("status") or None,
                owner=owner,
                clear_owner=owner_given and owner is None,
                due_on=due_on,
                clear_due_on=due_given and due_on is None,
            ),
        )
    except StaleEdit as stale:
        messages.error(request, str(stale))
        return _action_items_page(request, status=409)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _action_items_page(request, status=400)
    messages.success(request, f"Action item “{item.title}” saved.")
    return redirect(
        f"{reverse('planning_action_items', args=[request.workspace.slug])}"
        f"?{request.GET.urlencode()}"
    )
