"""Writes of scoring: workspace formulas and the workspace's planning settings.

A formula is checked whole before it is stored: its fields (names a formula can use, labels,
known scales) and its expression (planning.formula.Formula over exactly those names). So every
channel (page, API) refuses the same things with the same messages.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from planning import scales, scoring
from planning.formula import FUNCTIONS, Formula
from planning.models import PlanningSettings, ScoringFormula
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.validation import HALF_LIFE_DAYS, Text

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FIELDS = 12


@dataclass(frozen=True)
class FormulaSpec:
    """A formula as a person or client gives it; the same for the form and the API."""

    name: str
    expression: str
    fields: list[dict[str, Any]]
    description: str = ""
    higher_is_better: bool = True


def _clean_fields(raw: object, errors: dict[str, str]) -> list[dict[str, str]]:
    if not isinstance(raw, list) or not raw:
        errors["fields"] = "Name at least one field, e.g. value | Value | one_to_ten."
        return []
    if len(raw) > MAX_FIELDS:
        errors["fields"] = f"A formula may have at most {MAX_FIELDS} fields."
        return []
    cleaned, problems, seen = [], [], set()
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            problems.append(f"Field {number}: give a name, a label and a scale.")
            continue
        name = str(entry.get("name", "")).strip()
        label = str(entry.get("label", "")).strip() or name.replace("_", " ").capitalize()
        kind = str(entry.get("scale", "")).strip()
        if not FIELD_NAME.match(name) or name in FUNCTIONS:
            problems.append(
                f"Field {number}: {name[:40]!r} cannot be a field name; use lower-case letters, "
                "digits and _ (not min, max, log or round)."
            )
        elif name in seen:
            problems.append(f"Field {number}: {name} is named twice.")
        seen.add(name)
        if kind not in scales.ScaleKind.__members__.values():
            known = ", ".join(scales.ScaleKind)
            problems.append(f"Field {number}: the scale must be one of {known}.")
        if len(label) > 80:  # refused, never cut
            problems.append(f"Field {number}: the label is over 80 characters.")
        cleaned.append({"name": name, "label": label, "scale": kind})
    if problems:
        errors["fields"] = " ".join(problems)
    return cleaned


def _clean(spec: FormulaSpec) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = (spec.name or "").strip()
    if not name:
        errors["name"] = "Give the formula a name."
    elif len(name) > 80:
        errors["name"] = "A name may be at most 80 characters long."
    elif name.lower() in {model.name.lower() for model in scoring.BUILT_IN.values()}:
        errors["name"] = f"{name} is a built-in model's name; choose another."
    fields = _clean_fields(spec.fields, errors)
    expression = (spec.expression or "").strip()
    if "fields" not in errors:
        try:
            Formula(expression, [f["name"] for f in fields])
        except scales.FormulaError as error:
            errors["expression"] = str(error)
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "expression": expression,
        "fields": fields,
        "description": Text(2000).clean(spec.description or "", field="description"),
        "higher_is_better": bool(spec.higher_is_better),
    }


def _snapshot(formula: ScoringFormula) -> dict[str, Any]:
    return {
        "name": formula.name,
        "expression": formula.expression,
        "fields": formula.fields,
        "description": formula.description,
        "higher_is_better": formula.higher_is_better,
        "is_archived": formula.is_archived,
    }


def _name_taken(actor: Actor, name: str, exclude: int | None = None) -> bool:
    queryset = ScoringFormula.objects.filter(workspace=actor.workspace).annotate(
        lower=Lower("name")
    )
    queryset = queryset.filter(lower=name.lower())
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    return queryset.exists()


@transaction.atomic
def formula_create(*, actor: Actor, spec: FormulaSpec) -> ScoringFormula:
    require(actor, Capability.RUN_PLANNING)
    values = _clean(spec)
    if _name_taken(actor, values["name"]):
        raise ValidationError({"name": "A formula of that name exists already."})
    try:
        with transaction.atomic():
            formula = ScoringFormula.objects.create(
                workspace=actor.workspace, created_by=actor.user, **values
            )
    except IntegrityError:  # created at the same moment by someone else
        raise ValidationError({"name": "A formula of that name exists already."}) from None
    audit(actor, "scoring_formula.created", formula, after=_snapshot(formula))
    return formula


@transaction.atomic
def formula_update(
    *,
    actor: Actor,
    formula: ScoringFormula,
    spec: FormulaSpec,
    expected_version: int,
    is_archived: bool | None = None,
) -> ScoringFormula:
    """Changes a formula. Sessions already scored keep their accepted scores as they were."""
    require(actor, Capability.RUN_PLANNING)
    formula = ScoringFormula.objects.select_for_update().get(
        pk=formula.pk, workspace=actor.workspace
    )
    if formula.version != expected_version:
        raise StaleEdit(
            "Someone changed this formula first. Review it and save again.",
            current={"version": formula.version, **_snapshot(formula)},
        )
    values = _clean(spec)
    if _name_taken(actor, values["name"], exclude=formula.pk):
        raise ValidationError({"name": "A formula of that name exists already."})
    before = _snapshot(formula)
    for name, value in values.items():
        setattr(formula, name, value)
    if is_archived is not None:
        formula.is_archived = is_archived
    after = _snapshot(formula)
    changed = [name for name in after if after[name] != before[name]]
    if not changed:
        return formula
    formula.version += 1
    formula.updated_at = timezone.now()
    formula.save()
    audit(
        actor,
        "scoring_formula.updated",
        formula,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )
    return formula


@transaction.atomic
def planning_settings_update(
    *, actor: Actor, evidence_half_life_days: int | None, expected_version: int | None = None
) -> PlanningSettings:
    """Turns evidence decay on (a half-life in days) or off (None)."""
    require(actor, Capability.RUN_PLANNING)
    if evidence_half_life_days is not None:
        HALF_LIFE_DAYS.clean(evidence_half_life_days, field="evidence_half_life_days")
    PlanningSettings.objects.get_or_create(workspace=actor.workspace)
    current = PlanningSettings.objects.select_for_update().get(workspace=actor.workspace)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(
            "Someone changed the planning settings first. Reload and try again.",
            current={
                "version": current.version,
                "evidence_half_life_days": current.evidence_half_life_days,
            },
        )
    before = current.evidence_half_life_days
    if before == evidence_half_life_days:
        return current
    current.evidence_half_life_days = evidence_half_life_days
    current.version += 1
    current.updated_at = timezone.now()
    current.save()
    audit(
        actor,
        "planning.settings_updated",
        current,
        before={"evidence_half_life_days": before},
        after={"evidence_half_life_days": evidence_half_life_days},
    )
    return current
