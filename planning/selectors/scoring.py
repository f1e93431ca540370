"""Reads of scoring: the models a workspace may score with, its formulas, its planning settings."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from planning import scales, scoring
from planning.models import PlanningSettings, ScoringFormula
from productops.models import Workspace


def formulas(*, workspace: Workspace, include_archived: bool = False) -> QuerySet[ScoringFormula]:
    queryset = ScoringFormula.objects.filter(workspace=workspace).select_related("created_by")
    if not include_archived:
        queryset = queryset.filter(is_archived=False)
    return queryset.order_by("is_archived", "name", "id")


def formula(*, workspace: Workspace, formula_id: int) -> ScoringFormula:
    return get_object_or_404(ScoringFormula, workspace=workspace, pk=formula_id)


def scoring_models(*, workspace: Workspace) -> list[scoring.ScoringModel]:
    """The built-in models, then the workspace's live formulas: what a new session may pick."""
    return [
        *scoring.BUILT_IN.values(),
        *(row.as_model() for row in formulas(workspace=workspace)),
    ]


def scoring_model(*, workspace: Workspace, key: str) -> scoring.ScoringModel:
    """The model a session names by `key`: built in ("rice") or a formula ("formula:<id>").

    Archived formulas still resolve, so sessions scored with one keep their scores. Raises
    ScoringError for an unknown key or another workspace's formula.
    """
    if not key.startswith(scoring.FORMULA_KEY_PREFIX):
        return scoring.built_in(key)
    number = key.removeprefix(scoring.FORMULA_KEY_PREFIX)
    row = (
        ScoringFormula.objects.filter(workspace=workspace, pk=int(number)).first()
        if number.isdigit() and len(number) < 19
        else None
    )
    if row is None:
        raise scales.ScoringError(f"There is no scoring model {key[:40]!r}.")
    return row.as_model()


def planning_settings(*, workspace: Workspace) -> PlanningSettings:
    """The workspace's planning settings; an unsaved row with the defaults when it has none."""
    found = PlanningSettings.objects.filter(workspace=workspace).first()
    return found or PlanningSettings(workspace=workspace)
