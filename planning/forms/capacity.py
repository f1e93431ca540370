"""Forms of team capacity: a plan and a member's share."""

from decimal import Decimal

from django import forms

from planning.models import CapacityPlan, CapacityUnit
from planning.services.capacity import PlanSpec
from productops.forms import limit_choices
from productops.models import User
from productops.validation import AVAILABILITY, PLANNING_DAY, VERSION, WORKING_DAYS
from productops.widgets import IsoDateInput


class CapacityPlanForm(forms.Form):
    team = forms.CharField(max_length=100, help_text="As the team's sessions name it.")
    period_start = PLANNING_DAY.form_field(label="First day", widget=IsoDateInput())
    period_end = PLANNING_DAY.form_field(label="Last day", widget=IsoDateInput())
    unit = forms.ChoiceField(choices=CapacityUnit.choices, initial=CapacityUnit.POINTS)
    working_days = WORKING_DAYS.form_field(
        required=False, help_text="Leave empty for the weekdays of the period."
    )
    per_person = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        label="Per full-time person",
        help_text="Points one full-time person delivers in the period; for person-days, leave "
        "empty (every working day).",
    )
    notes = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = VERSION.form_field(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, plan: CapacityPlan | None = None, **kwargs) -> None:
        if plan is not None:
            kwargs.setdefault(
                "initial",
                {
                    "team": plan.team,
                    "period_start": plan.period_start,
                    "period_end": plan.period_end,
                    "unit": plan.unit,
                    "working_days": plan.working_days,
                    "per_person": plan.per_person,
                    "notes": plan.notes,
                    "version": plan.version,
                },
            )
        super().__init__(*args, **kwargs)

    def spec(self) -> PlanSpec:
        data = self.cleaned_data
        return PlanSpec(
            team=data["team"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            unit=data["unit"],
            working_days=data.get("working_days"),
            per_person=data.get("per_person"),
            notes=data.get("notes", ""),
        )


class CapacityMemberForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="Member", empty_label="Someone else"
    )
    name = forms.CharField(
        required=False, max_length=120, help_text="For someone who is not a member here."
    )
    availability = AVAILABILITY.form_field(initial=100, label="Availability (%)")
    days_off = forms.DecimalField(
        min_value=Decimal(0), max_value=Decimal(366), decimal_places=1, initial=0
    )

    def __init__(self, *args, members, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "user", members)
