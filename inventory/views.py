"""The inventory's pages: thin views over selectors and services."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from inventory.charts import usage_chart
from inventory.exports import COLUMNS, tool_rows
from inventory.filters import SORT_LABELS, ToolFilter, sorted_inventory
from inventory.forms import (
    ContractForm,
    RenewalDecisionForm,
    SettingsForm,
    ToolForm,
    ToolRequestDecisionForm,
    ToolRequestForm,
    UsageForm,
    rates_as_text,
)
from inventory.models import RequestStatus, Tool, ToolStatus
from inventory.selectors import renewals as renewal_selectors
from inventory.selectors import spend as spend_selectors
from inventory.selectors import tools as tool_selectors
from inventory.services import contracts as contract_services
from inventory.services import reminders
from inventory.services import requests as request_services
from inventory.services import tools as tool_services
from productops import clock
from productops.access import WorkspaceRequest, member_required, require
from productops.capabilities import Capability
from productops.csvfiles import csv_download
from productops.errors import StaleEdit
from productops.form_submit import form_status, submit_form
from productops.validation import RENEWALS_AHEAD

TOOL_EDIT_FIELDS = tool_services.TOOL_FIELDS  # the tool form edits every field a tool has
RENEWAL_WINDOWS = [(30, "30 days"), (60, "60 days"), (90, "90 days"), (180, "6 months")]


# The inventory


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
    if request.htmx:
        return render(request, "inventory/tool_list.html#results", context)
    context |= {
        "facets": tool_selectors.facets(workspace=workspace),
        "owners": tool_selectors.owners(workspace=workspace),
        "statuses": ToolStatus.choices,
        "windows": RENEWAL_WINDOWS,
        "pending_requests": tool_selectors.pending_request_count(workspace=workspace),
    }
    return render(request, "inventory/tool_list.html", context)


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


# Contracts


def _contract_form_page(request, form, tool, contract=None, status=200) -> HttpResponse:
    return render(
        request,
        "inventory/contract_form.html",
        {"form": form, "tool": tool, "contract": contract},
        status=status,
    )


CONTRACT_EDIT_FIELDS = [f for f in ContractForm.base_fields if f != "version"]


@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_TOOLS)
def contract_create(request: WorkspaceRequest, tool_id: int) -> HttpResponse:
    tool = tool_selectors.tool(workspace=request.workspace, tool_id=tool_id)
    previous = tool_selectors.current_contract(workspace=request.workspace, tool=tool)
    initial: dict[str, object] = {"currency": request.workspace.currency}
    if previous is not None:
        # A renewal usually repeats the last term: start from it.
        initial |= {
            k: getattr(previous, k)
            for k in CONTRACT_EDIT_FIELDS
            if k not in {"start_date", "renewal_date", "reference", "notes"}
        }
        initial["start_date"] = previous.renewal_date
    initial["seats_used"] = tool_selectors.seats_in_use_now(workspace=request.workspace, tool=tool)
    form = ContractForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in CONTRACT_EDIT_FIELDS}
        done = submit_form(
            request,
            form,
            lambda: contract_services.contract_create(actor=request.actor, tool=tool, **data),
            success=f"Contract of {tool.name} saved.",
            then=lambda _: redirect("tool_detail", slug=request.workspace.slug, tool_id=tool.pk),
        )
        if done:
            return done
    return _contract_form_page(request, form, tool, status=form_status(form))


@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_TOOLS)
def contract_edit(request: WorkspaceRequest, contract_id: int) -> HttpResponse:
    contract = tool_selectors.contract(workspace=request.workspace, contract_id=contract_id)
    initial = {k: getattr(contract, k) for k in CONTRACT_EDIT_FIELDS} | {
        "version": contract.version
    }
    form = ContractForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in CONTRACT_EDIT_FIELDS}
        if data["seats_used"] is None:  # left empty: keep the figure as it is
            del data["seats_used"]
        done = submit_form(
            request,
            form,
            lambda: contract_services.contract_update(
                actor=request.actor,
                contract=contract,
                expected_version=form.cleaned_data["version"] or 0,
                **data,
            ),
            success=f"Contract of {contract.tool.name} saved.",
            then=lambda _: redirect(
                "tool_detail", slug=request.workspace.slug, tool_id=contract.tool_id
            ),
        )
        if done:
            return done
    return _contract_form_page(request, form, contract.tool, contract, form_status(form))


@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_TOOLS)
def renewal_decide(request: WorkspaceRequest, contract_id: int) -> HttpResponse:
    contract = tool_selectors.contract(workspace=request.workspace, contract_id=contract_id)
    from_queue = request.GET.get("back") == "queue"
    # A draft (from Waste, Overlap) arrives as query parameters: shown, never saved unasked.
    draft = {k: v for k, v in request.GET.items() if k in RenewalDecisionForm.base_fields}
    form = RenewalDecisionForm(request.POST or None, initial=draft)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: contract_services.renewal_decide(
                actor=request.actor, contract=contract, **form.cleaned_data
            ),
            success=lambda decision: (
                f"{contract.tool.name}: {decision.get_decision_display().lower()} recorded."
            ),
            then=lambda _: (
                redirect(reverse("renewals", args=[request.workspace.slug]) + "#queue")
                if from_queue
                else redirect("tool_detail", slug=request.workspace.slug, tool_id=contract.tool_id)
            ),
        )
        if done:
            return done
    settings = tool_selectors.settings_for(workspace=request.workspace)
    rate = tool_selectors.rates_for(workspace=request.workspace, settings=settings).get(
        contract.currency
    )
    return render(
        request,
        "inventory/renewal_decide.html",
        {
            "contract": contract,
            "tool": contract.tool,
            "form": form,
            "from_queue": from_queue,
            "annual": contract.annual_cost * rate if rate is not None else None,
            "decisions": renewal_selectors.decisions(
                workspace=request.workspace, contract=contract
            ),
        },
        status=form_status(form),
    )


# Renewals, spend, overlap, waste


def _month(value: str | None) -> date | None:
    """The calendar month asked for ("2026-03"), or None for the opening view from this week."""
    if value:
        try:
            year, month = value.split("-")
            return date(int(year), int(month), 1)
        except ValueError:
            pass
    return None


@require_GET
@member_required(Capability.VIEW_TOOLS)
def renewals(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    today = clock.workspace_today(workspace)
    days = RENEWALS_AHEAD.query(request.GET, "days", default=90)
    due = list(renewal_selectors.renewals_due(workspace=workspace, days=days, today=today))
    return render(
        request,
        "inventory/renewals.html",
        {
            "queue": renewal_selectors.renewal_queue(workspace=workspace, today=today),
            "due": due,
            "days": days,
            "windows": RENEWAL_WINDOWS,
            "calendar": renewal_selectors.renewal_calendar(
                workspace=workspace, month=_month(request.GET.get("month")), today=today
            ),
            "notifications": tool_selectors.notifications(workspace=workspace, user=request.user),
            "today": today,
        },
    )


@require_GET
@member_required(Capability.VIEW_TOOLS)
def spend(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    settings = tool_selectors.settings_for(workspace=workspace)
    by_category = spend_selectors.spend_by(
        workspace=workspace, dimension="category", settings=settings
    )
    return render(
        request,
        "inventory/spend.html",
        {
            "by_category": by_category,
            "by_team": spend_selectors.spend_by(
                workspace=workspace, dimension="team", settings=settings
            ),
            "total": sum((r.annual_spend for r in by_category), 0),
            "unconverted": spend_selectors.unconverted_spend(workspace=workspace),
            "rates": settings.exchange_rates,
        },
    )


@require_GET
@member_required(Capability.VIEW_TOOLS)
def overlap(request: WorkspaceRequest) -> HttpResponse:
    groups = spend_selectors.overlap(workspace=request.workspace)
    return render(
        request,
        "inventory/overlap.html",
        {"groups": groups, "total": sum((g.annual_spend for g in groups), 0)},
    )


@require_GET
@member_required(Capability.VIEW_TOOLS)
def waste(request: WorkspaceRequest) -> HttpResponse:
    return render(
        request,
        "inventory/waste.html",
        {"waste": spend_selectors.waste(workspace=request.workspace)},
    )


# Requests


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


# Settings and notifications


@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_TOOLS)
def inventory_settings(request: WorkspaceRequest) -> HttpResponse:
    current = tool_selectors.settings_for(workspace=request.workspace)
    initial = {
        "utilisation_threshold": current.utilisation_threshold,
        "reminder_days": ", ".join(str(d) for d in current.reminder_days),
        "exchange_rates": rates_as_text(current.exchange_rates),
        "version": current.version,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: reminders.alerts_and_rates_update(
                actor=request.actor,
                utilisation_threshold=form.cleaned_data["utilisation_threshold"],
                reminder_days=form.cleaned_data["reminder_days"],
                exchange_rates=form.cleaned_data["exchange_rates"],
                expected_version=form.cleaned_data["version"] if current.pk else None,
            ),
            success="Inventory settings saved.",
            then=lambda _: redirect("inventory_settings", slug=request.workspace.slug),
        )
        if done:
            return done
    return render(request, "inventory/settings.html", {"form": form}, status=form_status(form))


@require_POST
@member_required(Capability.VIEW_TOOLS)
def notification_dismiss(request: WorkspaceRequest, notification_id: int) -> HttpResponse:
    notice = tool_selectors.notification(
        workspace=request.workspace, user=request.user, notification_id=notification_id
    )
    reminders.notification_dismiss(actor=request.actor, notification=notice)
    if request.htmx:
        return HttpResponse("")
    if request.POST.get("back_to") == "tool":
        return redirect("tool_detail", slug=request.workspace.slug, tool_id=notice.tool_id)
    return redirect("renewals", slug=request.workspace.slug)
