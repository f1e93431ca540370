"""Contracts and renewals: a contract's form, the renewal queue and calendar, decisions."""

from datetime import date

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from inventory.filters import RenewalFilters
from inventory.forms import (
    ContractForm,
    RenewalDecisionForm,
)
from inventory.selectors import renewals as renewal_selectors
from inventory.selectors import spend as spend_selectors
from inventory.selectors import tools as tool_selectors
from inventory.services import contracts as contract_services
from productops import clock
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability
from productops.form_submit import form_status, submit_form

RENEWAL_WINDOWS = [(30, "30 days"), (60, "60 days"), (90, "90 days"), (180, "6 months")]


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
    filters = RenewalFilters.from_params(request.GET)
    due = list(
        renewal_selectors.renewals_due(
            workspace=workspace, days=filters.days, today=today, renewing=filters.renewing
        )
    )
    return render(
        request,
        "inventory/renewals.html",
        {
            "queue": renewal_selectors.renewal_queue(workspace=workspace, today=today),
            "due": due,
            "days": filters.days,
            "renewing": filters.renewing,
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
