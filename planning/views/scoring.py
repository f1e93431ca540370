"""The planning settings page: evidence decay and the workspace's scoring formulas."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from planning import scoring
from planning.forms.scoring import FormulaForm, PlanningSettingsForm, RetroTemplateForm
from planning.models import DEFAULT_PROMPTS
from planning.selectors import retro as retro_selectors
from planning.selectors import scoring as selectors
from planning.services import retro as retro_services
from planning.services import scoring as services
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.forms import add_service_errors


def _formula_errors(form: FormulaForm, error: ValidationError) -> None:
    """The service names the field list `fields`; the form calls its text box field_lines."""
    if hasattr(error, "error_dict") and "fields" in error.error_dict:
        error.error_dict["field_lines"] = error.error_dict.pop("fields")
    add_service_errors(form, error)


@require_http_methods(["GET", "POST"])
@member_required(Capability.RUN_PLANNING)
def planning_settings(request: WorkspaceRequest) -> HttpResponse:
    current = selectors.planning_settings(workspace=request.workspace)
    form = PlanningSettingsForm(
        request.POST or None,
        initial={
            "evidence_half_life_days": current.evidence_half_life_days,
            "version": current.version,
        },
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.planning_settings_update(
                    actor=request.actor,
                    evidence_half_life_days=form.cleaned_data["evidence_half_life_days"],
                    expected_version=form.cleaned_data["version"] if current.pk else None,
                )
            except StaleEdit as stale:
                form.add_error(None, str(stale))
                status = 409
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Planning settings saved.")
                return redirect("planning_settings", slug=request.workspace.slug)
    return _settings_page(request, form, status=status)


def _settings_page(
    request: WorkspaceRequest, form: PlanningSettingsForm | None, *, template_form=None, status=200
) -> HttpResponse:
    if form is None:
        current = selectors.planning_settings(workspace=request.workspace)
        form = PlanningSettingsForm(
            initial={
                "evidence_half_life_days": current.evidence_half_life_days,
                "version": current.version,
            }
        )
    context = {
        "form": form,
        "template_form": template_form or RetroTemplateForm(),
        "retro_templates": retro_selectors.templates(workspace=request.workspace),
        "default_prompts": DEFAULT_PROMPTS,
        "formulas": selectors.formulas(workspace=request.workspace, include_archived=True),
        "built_in": scoring.BUILT_IN.values(),
        "scales": [scoring.SCALES[kind] for kind in scoring.ScaleKind],
        "functions": scoring.FUNCTIONS,
    }
    return render(request, "planning/settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required(Capability.RUN_PLANNING)
def formula_create(request: WorkspaceRequest) -> HttpResponse:
    form = FormulaForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.formula_create(actor=request.actor, spec=form.spec())
            except ValidationError as error:
                _formula_errors(form, error)
            else:
                messages.success(request, "Formula saved: sessions can score with it now.")
                return redirect("planning_settings", slug=request.workspace.slug)
        return render(request, "planning/formula_form.html", {"form": form}, status=400)
    return render(request, "planning/formula_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@member_required(Capability.RUN_PLANNING)
def formula_edit(request: WorkspaceRequest, formula_id: int) -> HttpResponse:
    formula = selectors.formula(workspace=request.workspace, formula_id=formula_id)
    form = FormulaForm(request.POST or None, formula=formula)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.formula_update(
                    actor=request.actor,
                    formula=formula,
                    spec=form.spec(),
                    # No version sent counts as stale: never a blind overwrite.
                    expected_version=form.cleaned_data["version"] or 0,
                    is_archived=form.cleaned_data.get("is_archived", False),
                )
            except StaleEdit as stale:
                form.add_error(None, str(stale))
                status = 409
            except ValidationError as error:
                _formula_errors(form, error)
            else:
                messages.success(request, "Formula saved.")
                return redirect("planning_settings", slug=request.workspace.slug)
    return render(
        request, "planning/formula_form.html", {"form": form, "formula": formula}, status=status
    )


@require_POST
@member_required(Capability.RUN_PLANNING)
def retro_template_create(request: WorkspaceRequest) -> HttpResponse:
    form = RetroTemplateForm(request.POST)
    if form.is_valid():
        try:
            retro_services.retro_template_create(
                actor=request.actor,
                name=form.cleaned_data["name"],
                prompts=form.cleaned_data["prompts"].splitlines(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Retro template saved: facilitators can pick it now.")
            return redirect("planning_settings", slug=request.workspace.slug)
    return _settings_page(request, None, template_form=form, status=400)
