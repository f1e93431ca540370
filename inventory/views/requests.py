"""Tool requests: the list, a new request and its decision."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from inventory.forms import (
    ToolRequestDecisionForm,
    ToolRequestForm,
)
from inventory.models import RequestStatus
from inventory.selectors import tools as tool_selectors
from inventory.services import requests as request_services
from productops.access import WorkspaceRequest, member_required, require
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.form_submit import submit_form


def _requests_page(request: WorkspaceRequest, form: ToolRequestForm, status: int = 200):
    workspace = request.workspace
    return render(
        request,
        "inventory/requests.html",
        {
            "requests": tool_selectors.tool_requests(workspace=workspace),
            "form": form,
            "facets": tool_selectors.facets(workspace=workspace),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.VIEW_TOOLS)
def tool_request_list(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "GET":
        return _requests_page(request, ToolRequestForm())
    # Posting a request needs more than reading the list: check it here, not only in the form.
    require(request.actor, Capability.REQUEST_TOOLS)
    form = ToolRequestForm(request.POST)
    if form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: request_services.tool_request_create(actor=request.actor, **form.cleaned_data),
            success=lambda made: (
                f"Request for {made.name} sent. An ops lead will approve or reject it."
            ),
            then=lambda _: redirect("tool_request_list", slug=request.workspace.slug),
        )
        if done:
            return done
    return _requests_page(request, form, status=400)


@require_POST
@member_required(Capability.DECIDE_TOOL_REQUESTS)
def tool_request_decide(request: WorkspaceRequest, request_id: int) -> HttpResponse:
    tool_request = tool_selectors.tool_request(workspace=request.workspace, request_id=request_id)
    form = ToolRequestDecisionForm(request.POST)
    slug = request.workspace.slug
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
        return redirect("tool_request_list", slug=slug)
    try:
        decided = request_services.tool_request_decide(
            actor=request.actor, request=tool_request, **form.cleaned_data
        )
    except (ValidationError, StaleEdit) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, f"{tool_request.name}: {text}")
        return redirect("tool_request_list", slug=slug)
    if decided.status == RequestStatus.APPROVED:
        messages.success(request, f"{decided.name} approved and added as evaluating.")
        return redirect("tool_detail", slug=slug, tool_id=decided.tool_id)
    messages.success(request, f"Request for {decided.name} rejected.")
    return redirect("tool_request_list", slug=slug)
