"""The inventory's tool pages: the list and its CSV, a tool, its usage; spend, overlap and waste."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from inventory.charts import usage_chart
from inventory.exports import COLUMNS, tool_rows
from inventory.filters import SORT_LABELS, ToolFilter, sorted_inventory
from inventory.forms import (
    ToolForm,
    UsageForm,
)
from inventory.models import Tool, ToolStatus
from inventory.selectors import tools as tool_selectors
from inventory.services import contracts as contract_services
from inventory.services import tools as tool_services
from inventory.views.contracts import RENEWAL_WINDOWS
from productops import clock
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability
from productops.csvfiles import csv_download
from productops.form_submit import form_status, submit_form

TOOL_EDIT_FIELDS = tool_services.TOOL_FIELDS  # the tool form edits every field a tool has


def _filtered(request: WorkspaceRequest, settings=None):
    tools = tool_selectors.inventory(workspace=request.workspace, settings=settings)
    filters = ToolFilter(request.GET, queryset=tools, request=request)
    return filters, sorted_inventory(filters.qs, request.GET.get("sort"))


@require_GET
@member_required(Capability.VIEW_TOOLS)
@vary_on_headers("HX-Request")
def tool_list(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    settings = tool_selectors.settings_for(workspace=workspace)
    filters, tools = _filtered(request, settings)
    context = {
        "filters": filters,
        "tools": list(tools) if filters.is_valid() else [],
        "totals": tool_selectors.inventory_totals(workspace=workspace, tools=filters.qs),
        "threshold": settings.utilisation_threshold,
        "sort": request.GET.get("sort") or "name",
        "sorts": SORT_LABELS,
        "query": request.GET.urlencode(),
    }
    status = 200 if filters.is_valid() else 400  # the form says which filter and why
    if request.htmx:
        return render(request, "inventory/tool_list.html#results", context, status=status)
    context |= {
        "facets": tool_selectors.facets(workspace=workspace),
        "owners": tool_selectors.owners(workspace=workspace),
        "statuses": ToolStatus.choices,
        "windows": RENEWAL_WINDOWS,
        "pending_requests": tool_selectors.pending_request_count(workspace=workspace),
    }
    return render(request, "inventory/tool_list.html", context, status=status)


@require_GET
@member_required(Capability.VIEW_TOOLS)
def tool_export(request: WorkspaceRequest) -> HttpResponse:
    filters, tools = _filtered(request)
    if not filters.is_valid():  # an empty or unfiltered export would mislead: 400 per field
        raise ValidationError({k: list(v) for k, v in filters.errors.items()})
    stamp = clock.workspace_today(request.workspace).isoformat()
    return csv_download(f"{request.workspace.slug}-tools-{stamp}.csv", COLUMNS, tool_rows(tools))


def _tool_form_page(request, form, tool: Tool | None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "inventory/tool_form.html",
        {"form": form, "tool": tool, "facets": tool_selectors.facets(workspace=request.workspace)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_TOOLS)
def tool_create(request: WorkspaceRequest) -> HttpResponse:
    form = ToolForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in TOOL_EDIT_FIELDS}
        done = submit_form(
            request,
            form,
            lambda: tool_services.tool_create(actor=request.actor, **data),
            success=lambda tool: f"{tool.name} added. Add its contract next.",
            then=lambda tool: redirect(
                "contract_create", slug=request.workspace.slug, tool_id=tool.pk
            ),
        )
        if done:
            return done
    return _tool_form_page(request, form, None, form_status(form))


@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_TOOLS)
def tool_edit(request: WorkspaceRequest, tool_id: int) -> HttpResponse:
    tool = tool_selectors.tool(workspace=request.workspace, tool_id=tool_id)
    initial = {k: getattr(tool, k) for k in TOOL_EDIT_FIELDS} | {"version": tool.version}
    form = ToolForm(request.POST or None, initial=initial, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in TOOL_EDIT_FIELDS}
        done = submit_form(
            request,
            form,
            lambda: tool_services.tool_update(
                actor=request.actor,
                tool=tool,
                expected_version=form.cleaned_data["version"] or 0,
                **data,
            ),
            success=lambda saved: f"{saved.name} saved.",
            then=lambda saved: redirect(
                "tool_detail", slug=request.workspace.slug, tool_id=saved.pk
            ),
        )
        if done:
            return done
    return _tool_form_page(request, form, tool, form_status(form))


def _tool_page(
    request: WorkspaceRequest, tool: Tool, usage_form: UsageForm | None = None, status: int = 200
) -> HttpResponse:
    workspace = request.workspace
    contracts = tool_selectors.contracts_of(workspace=workspace, tool=tool)
    current = next((c for c in contracts if c.is_current), None)
    history = tool_selectors.usage_history(workspace=workspace, tool=tool)
    settings = tool_selectors.settings_for(workspace=workspace)
    rates = tool_selectors.rates_for(workspace=workspace, settings=settings)
    context = {
        "tool": tool,
        "contracts": contracts,
        "current": current,
        "chart": usage_chart(history, current.seats_bought if current else None),
        "latest_usage": history[-1] if history else None,
        "usage_form": usage_form
        or UsageForm(initial={"taken_on": clock.workspace_today(workspace)}),
        "requests": tool_selectors.requests_for_tool(workspace=workspace, tool=tool),
        "history": tool_selectors.tool_history(
            workspace=workspace, tool=tool, contract_ids=[c.pk for c in contracts]
        ),
        "notifications": tool_selectors.notifications(
            workspace=workspace, user=request.user, tool=tool
        ),
        "threshold": settings.utilisation_threshold,
        "rates": rates,
    }
    if current is not None:
        rate = rates.get(current.currency)
        context["current_annual"] = current.annual_cost * rate if rate is not None else None
    return render(request, "inventory/tool_detail.html", context, status=status)


@require_GET
@member_required(Capability.VIEW_TOOLS)
def tool_detail(request: WorkspaceRequest, tool_id: int) -> HttpResponse:
    return _tool_page(request, tool_selectors.tool(workspace=request.workspace, tool_id=tool_id))


@require_POST
@member_required(Capability.MANAGE_TOOLS)
def usage_record(request: WorkspaceRequest, tool_id: int) -> HttpResponse:
    tool = tool_selectors.tool(workspace=request.workspace, tool_id=tool_id)
    form = UsageForm(request.POST)
    if form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: contract_services.usage_record(
                actor=request.actor, tool=tool, **form.cleaned_data
            ),
            success=f"Seat use of {tool.name} recorded.",
            then=lambda _: redirect("tool_detail", slug=request.workspace.slug, tool_id=tool.pk),
        )
        if done:
            return done
    return _tool_page(request, tool, usage_form=form, status=400)
