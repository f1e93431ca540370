"""The planning settings page: evidence decay and the workspace's scoring formulas."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from planning import scales, scoring
from planning.forms.scoring import FormulaForm, PlanningSettingsForm, RetroTemplateForm
from planning.formula import FUNCTIONS
from planning.models import DEFAULT_PROMPTS
from planning.selectors import retro as retro_selectors
from planning.selectors import scoring as selectors
from planning.services import retro as retro_services
from planning.services import scoring as services
from productops.access import WorkspaceRequest, member_required
from productops.capabilities import Capability
from productops.form_submit import form_status, submit_form


def _as_form_fields[T](write: Callable[[], T]) -> Callable[[], T]:
    """The service names the field list `fields`; the form calls its text box field_lines."""

    def run() -> T:
        try:
            return write()
        except ValidationError as error:
            if hasattr(error, "error_dict") and "fields" in error.error_dict:
                error.error_dict["field_lines"] = error.error_dict.pop("fields")
            raise

    return run


def _to_settings(request: WorkspaceRequest) -> Callable[[object], HttpResponse]:
    return lambda _: redirect("planning_settings", slug=request.workspace.slug)


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
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: services.planning_settings_update(
                actor=request.actor,
                evidence_half_life_days=form.cleaned_data["evidence_half_life_days"],
                expected_version=form.cleaned_data["version"] if current.pk else None,
            ),
            success="Planning settings saved.",
            then=_to_settings(request),
        )
        if done:
            return done
    return _settings_page(request, form, status=form_status(form))


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
        "scales": [scales.SCALES[kind] for kind in scales.ScaleKind],
        "functions": FUNCTIONS,
    }
    return render(request, "planning/settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required(Capability.RUN_PLANNING)
def formula_create(request: WorkspaceRequest) -> HttpResponse:
    form = FormulaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            _as_form_fields(lambda: services.formula_create(actor=request.actor, spec=form.spec())),
            success="Formula saved: sessions can score with it now.",
            then=_to_settings(request),
        )
        if done:
            return done
    return render(request, "planning/formula_form.html", {"form": form}, status=form_status(form))


@require_http_methods(["GET", "POST"])
@member_required(Capability.RUN_PLANNING)
def formula_edit(request: WorkspaceRequest, formula_id: int) -> HttpResponse:
    formula = selectors.formula(workspace=request.workspace, formula_id=formula_id)
    form = FormulaForm(request.POST or None, formula=formula)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            _as_form_fields(
                lambda: services.formula_update(
                    actor=request.actor,
                    formula=formula,
                    spec=form.spec(),
                    # No version sent counts as stale: never a blind overwrite.
                    expected_version=form.cleaned_data["version"] or 0,
                    is_archived=form.cleaned_data.get("is_archived", False),
                )
            ),
            success="Formula saved.",
            then=_to_settings(request),
        )
        if done:
            return done
    context = {"form": form, "formula": formula}
    return render(request, "planning/formula_form.html", context, status=form_status(form))


@require_POST
@member_required(Capability.RUN_PLANNING)
def retro_template_create(request: WorkspaceRequest) -> HttpResponse:
    form = RetroTemplateForm(request.POST)
    if form.is_valid():
        done = submit_form(
            request,
            form,
            lambda: retro_services.retro_template_create(
                actor=request.actor,
                name=form.cleaned_data["name"],
                prompts=form.cleaned_data["prompts"].splitlines(),
            ),
            success="Retro template saved: facilitators can pick it now.",
            then=_to_settings(request),
        )
        if done:
            return done
    return _settings_page(request, None, template_form=form, status=form_status(form))
