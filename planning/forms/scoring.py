"""Forms of the planning settings: evidence decay and workspace formulas."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from planning import scales
from planning.formula import MAX_FORMULA_LENGTH
from planning.models import ScoringFormula
from planning.services.scoring import FormulaSpec
from productops.validation import HALF_LIFE_DAYS, VERSION


class PlanningSettingsForm(forms.Form):
    evidence_half_life_days = HALF_LIFE_DAYS.form_field(
        required=False,
        label="Evidence half-life (days)",
        help_text="Feedback this many days old weighs half in reach and value; twice as old, a "
        "quarter. Leave empty to weigh all evidence the same.",
    )
    version = VERSION.form_field(required=False, widget=forms.HiddenInput)


def fields_as_text(fields: list[dict]) -> str:
    return "\n".join(f"{f['name']} | {f['label']} | {f['scale']}" for f in fields)


class FormulaForm(forms.Form):
    name = forms.CharField(max_length=80)
    description = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Where the formula comes from and why; shown next to the score.",
    )
    field_lines = forms.CharField(
        label="Fields",
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text="One a line: name | Label | scale. Scales: "
        + ", ".join(f"{kind.value} ({scales.SCALES[kind].label})" for kind in scales.ScaleKind)
        + ". A field named reach, value or business_value is pre-filled from feedback.",
    )
    expression = forms.CharField(
        max_length=MAX_FORMULA_LENGTH,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        help_text="Numbers, the field names, + - * / and brackets, min(), max(), log(), round(). "
        "E.g. (0.6 * value + 0.4 * reach) / effort",
    )
    higher_is_better = forms.BooleanField(required=False, initial=True, label="Higher is better")
    is_archived = forms.BooleanField(required=False, label="Archived (no new session can pick it)")
    version = VERSION.form_field(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, formula: ScoringFormula | None = None, **kwargs) -> None:
        if formula is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": formula.name,
                    "description": formula.description,
                    "field_lines": fields_as_text(formula.fields),
                    "expression": formula.expression,
                    "higher_is_better": formula.higher_is_better,
                    "is_archived": formula.is_archived,
                    "version": formula.version,
                },
            )
        super().__init__(*args, **kwargs)
        if formula is None:
            del self.fields["is_archived"]

    def clean_fields_text(self, text: str) -> list[dict[str, str]]:
        parsed = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3:
                raise ValidationError(
                    f"Line {number}: write name | Label | scale, e.g. reach | Reach | number."
                )
            parsed.append({"name": parts[0], "label": parts[1], "scale": parts[2]})
        return parsed

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "field_lines" in data:
            try:
                data["fields"] = self.clean_fields_text(data["field_lines"])
            except ValidationError as error:
                self.add_error("field_lines", error)
        return data

    def spec(self) -> FormulaSpec:
        data = self.cleaned_data
        return FormulaSpec(
            name=data["name"],
            expression=data["expression"],
            fields=data.get("fields", []),
            description=data.get("description", ""),
            higher_is_better=data.get("higher_is_better", False),
        )


class RetroTemplateForm(forms.Form):
    name = forms.CharField(max_length=80)
    prompts = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1200,
        help_text="One prompt a line, e.g. Start / Stop / Continue.",
    )
