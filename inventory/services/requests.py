"""Every write of tool requests: asked for, then approved or declined."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inventory.models import RequestStatus, Tool, ToolRequest, ToolStatus
from inventory.services.changes import mark_changed_tools
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.models import Membership


@transaction.atomic
def tool_request_create(
    *,
    actor: Actor,
    name: str,
    category: str,
    reason: str,
    vendor: str = "",
    team: str = "",
    url: str = "",
    seats_needed: int | None = None,
    estimated_annual_cost: Decimal | None = None,
) -> ToolRequest:
    require(actor, Capability.REQUEST_TOOLS)
    errors = {}
    if not name.strip():
        errors["name"] = "Name the tool you need."
    if not category.strip():
        errors["category"] = "Say what kind of tool it is."
    if not reason.strip():
        errors["reason"] = "Say what it is for and why the tools we have do not do it."
    if errors:
        raise ValidationError(errors)
    request = ToolRequest.objects.create(
        workspace=actor.workspace,
        requested_by=actor.user,
        name=name.strip(),
        vendor=vendor.strip(),
        category=category.strip(),
        team=team.strip(),
        url=url.strip(),
        reason=reason.strip(),
        seats_needed=seats_needed,
        estimated_annual_cost=estimated_annual_cost,
    )
    audit(
        actor,
        "tool_request.created",
        request,
        after={"name": request.name, "category": request.category, "reason": request.reason},
    )
    return request


@transaction.atomic
def tool_request_decide(
    *, actor: Actor, request: ToolRequest, approve: bool, note: str = ""
) -> ToolRequest:
    """Approves (the request becomes a tool in `evaluating`, owned by the requester when they
    are still a member) or rejects a pending request. A request decided already: StaleEdit."""
    require(actor, Capability.DECIDE_TOOL_REQUESTS)
    workspace = actor.workspace
    request = ToolRequest.objects.select_for_update().get(pk=request.pk, workspace=workspace)
    if request.status != RequestStatus.PENDING:
        raise StaleEdit(
            f"The request for {request.name} was already {request.status}.",
            current={"status": request.status},
        )
    if not approve and not note.strip():
        raise ValidationError({"note": "Say why, so the requester knows what to do instead."})
    tool = None
    if approve:
        existing = Tool.objects.filter(workspace=workspace, name__iexact=request.name).first()
        if existing is not None:
            raise ValidationError(
                {"name": f"{existing.name} is already in the inventory ({existing.status})."}
            )
        owner = Membership.objects.filter(workspace=workspace, user=request.requested_by).first()
        tool = Tool.objects.create(
            workspace=workspace,
            name=request.name,
            vendor=request.vendor,
            category=request.category,
            team=request.team,
            url=request.url,
            description=request.reason,
            owner=owner,
            status=ToolStatus.EVALUATING,
        )
        mark_changed_tools(workspace, tool.category)
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    request.decided_by = actor.user
    request.decided_at = timezone.now()
    request.decision_note = note.strip()
    request.tool = tool
    request.save()
    audit(
        actor,
        f"tool_request.{request.status}",
        request,
        before={"status": RequestStatus.PENDING},
        after={"status": request.status, "note": request.decision_note}
        | ({"tool": tool.pk} if tool else {}),
    )
    return request
