"""Capacity pages: each team's plans with capacity, committed load and the range history gives."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from planning.forms.capacity import CapacityMemberForm, CapacityPlanForm
from planning.models import CapacityPlan
from planning.selectors import capacity as selectors
from planning.selectors.sessions import members
from planning.services import capacity as services
from productops.access import WorkspaceRequest, member_required, require
from productops.capabilities import Capability
from productops.form_submit import form_status, submit_form
from productops.validation import FILTER_TEXT


@require_http_methods(["GET", "POST"])
@member_required(Capability.VIEW_PLANNING)
def capacity_list(request: WorkspaceRequest) -> HttpResponse:
    team = FILTER_TEXT.query(request.GET, "team", default="")
    form = CapacityPlanForm(request.POST or None, initial={"team": team})
    if request.method == "POST":
        require(request.actor, Capability.PLAN_CAPACITY)
        if form.is_valid():
            done = submit_form(
                request,
                form,
                lambda: services.capacity_plan_create(actor=request.actor, spec=form.spec()),
                success="Capacity plan created: now add the team's members.",
                then=_to_plan(request),
            )
            if done:
                return done
    context = {
        "rows": selectors.capacity_list(workspace=request.workspace, team=team),
        "teams": selectors.teams(workspace=request.workspace),
        "team": team,
        "form": form,
    }
    return render(request, "planning/capacity_list.html", context, status=form_status(form))


def _to_plan(request: WorkspaceRequest) -> Callable[[CapacityPlan], HttpResponse]:
    return lambda plan: redirect(
        "planning_capacity_detail", slug=request.workspace.slug, plan_id=plan.pk
    )


def _detail(
    request: WorkspaceRequest,
    plan: CapacityPlan,
    *,
    plan_form: CapacityPlanForm | None = None,
    member_form: CapacityMemberForm | None = None,
) -> HttpResponse:
    sent = plan_form if plan_form is not None else member_form
    status = form_status(sent) if sent is not None else 200
    people = members(workspace=request.workspace)
    context = {
        "figures": selectors.capacity_figures(workspace=request.workspace, plan=plan),
        "plan_form": plan_form or CapacityPlanForm(plan=plan),
        "member_form": member_form or CapacityMemberForm(members=people),
    }
    return render(request, "planning/capacity_detail.html", context, status=status)


@require_GET
@member_required(Capability.VIEW_PLANNING)
def capacity_detail(request: WorkspaceRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan(workspace=request.workspace, plan_id=plan_id)
    return _detail(request, plan)


@require_POST
@member_required(Capability.PLAN_CAPACITY)
def capacity_edit(request: WorkspaceRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan(workspace=request.workspace, plan_id=plan_id)
    form = CapacityPlanForm(request.POST, plan=plan)
    if form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: services.capacity_plan_update(
                actor=request.actor,
                plan=plan,
                spec=form.spec(),
                # No version sent counts as stale: never a blind overwrite.
                expected_version=form.cleaned_data["version"] or 0,
            ),
            success="Capacity plan saved.",
            then=_to_plan(request),
        )
        if done:
            return done
    return _detail(request, plan, plan_form=form)


@require_POST
@member_required(Capability.PLAN_CAPACITY)
def capacity_delete(request: WorkspaceRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan(workspace=request.workspace, plan_id=plan_id)
    services.capacity_plan_delete(actor=request.actor, plan=plan)
    messages.success(request, "Capacity plan deleted.")
    return redirect("planning_capacity", slug=request.workspace.slug)


@require_POST
@member_required(Capability.PLAN_CAPACITY)
def capacity_member_set(request: WorkspaceRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan(workspace=request.workspace, plan_id=plan_id)
    form = CapacityMemberForm(request.POST, members=members(workspace=request.workspace))
    if form.is_valid():
        data = form.cleaned_data
        done = submit_form(
            request,
            form,
            lambda: services.capacity_member_set(
                actor=request.actor,
                plan=plan,
                user=data["user"],
                name=data["name"],
                availability=data["availability"],
                days_off=data["days_off"],
            ),
            success="Capacity updated.",
            then=lambda _: _to_plan(request)(plan),
        )
        if done:
            return done
    return _detail(request, plan, member_form=form)


@require_POST
@member_required(Capability.PLAN_CAPACITY)
def capacity_member_remove(request: WorkspaceRequest, plan_id: int, member_id: int) -> HttpResponse:
    plan = selectors.plan(workspace=request.workspace, plan_id=plan_id)
    member = selectors.member(workspace=request.workspace, plan=plan, member_id=member_id)
    services.capacity_member_remove(actor=request.actor, plan=plan, member=member)
    messages.success(request, f"{member.display_name} removed from the plan.")
    return redirect("planning_capacity_detail", slug=request.workspace.slug, plan_id=plan.pk)
