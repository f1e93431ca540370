"""Page forms. They parse and validate input; the services decide and write."""

from decimal import Decimal

from django import forms

from inventory.models import (
    FEEDBACK_SOURCE_KINDS,
    BillingPeriod,
    DataSensitivity,
    RenewalChoice,
    ToolStatus,
)
from productops.forms import limit_choices
from productops.models import Membership, Workspace
from productops.validation import (
    CONTRACT_DAY,
    NOTICE_DAYS,
    REMINDER_DAY,
    SEATS,
    SEATS_NEEDED,
    TERM_MONTHS,
    USAGE_DAY,
    UTILISATION_THRESHOLD,
    VERSION,
    link_form_field,
)
from productops.widgets import IsoDateInput


class LabelsField(forms.CharField):
    """Comma-separated labels in, a list out."""

    # A list where CharField gives text, as django.contrib.postgres's SimpleArrayField does
    # (its stubs ignore the same override).
    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.display_name


class ToolForm(forms.Form):
    name = forms.CharField(max_length=100)
    vendor = forms.CharField(max_length=100, required=False)
    category = forms.CharField(
        max_length=60,
        help_text="Group tools that do the same job, e.g. Analytics, Design, Support.",
        widget=forms.TextInput(attrs={"list": "category-options"}),
    )
    team = forms.CharField(
        max_length=60, required=False, widget=forms.TextInput(attrs={"list": "team-options"})
    )
    owner = OwnerField(queryset=Membership.objects.none(), required=False, empty_label="No owner")
    status = forms.ChoiceField(choices=ToolStatus.choices, initial=ToolStatus.ACTIVE)
    url = link_form_field(required=False, label="Link")
    data_sensitivity = forms.ChoiceField(
        choices=DataSensitivity.choices, initial=DataSensitivity.INTERNAL
    )
    sso_enabled = forms.BooleanField(required=False, label="Sign-in through SSO")
    tags = LabelsField(required=False, help_text="Comma-separated, e.g. core, eu-hosted.")
    feedback_source_kinds = forms.MultipleChoiceField(
        choices=FEEDBACK_SOURCE_KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Feeds feedback from",
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = VERSION.form_field(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, workspace: Workspace, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        owners = (
            Membership.objects.filter(workspace=workspace)
            .select_related("user")
            .order_by("user__name", "user__email")
        )
        limit_choices(self, "owner", owners)


class ContractForm(forms.Form):
    plan = forms.CharField(max_length=100, required=False, help_text="e.g. Business, Enterprise.")
    billing_period = forms.ChoiceField(choices=BillingPeriod.choices, initial=BillingPeriod.ANNUAL)
    term_months = TERM_MONTHS.form_field(
        required=False, help_text="Multi-year only, e.g. 24 or 36."
    )
    cost = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        help_text="Per billing period: a month, a year, or the whole multi-year term.",
    )
    currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        error_messages={"invalid": "Use a three-letter currency code."},
    )
    seats_bought = SEATS.form_field(initial=0, help_text="0 for a flat fee.")
    seats_used = SEATS.form_field(
        required=False,
        label="Seats in use",
        help_text="Empty: the seats in use now (the latest usage recorded).",
    )
    start_date = CONTRACT_DAY.form_field(widget=IsoDateInput())
    renewal_date = CONTRACT_DAY.form_field(widget=IsoDateInput())
    notice_days = NOTICE_DAYS.form_field(initial=30, label="Notice period (days)")
    auto_renew = forms.BooleanField(required=False, initial=True, label="Renews automatically")
    reference = forms.CharField(max_length=100, required=False, help_text="PO or contract number.")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = VERSION.form_field(widget=forms.HiddenInput, required=False)

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()


class UsageForm(forms.Form):
    taken_on = USAGE_DAY.form_field(
        widget=IsoDateInput(),
        label="Date",
        help_text="A day of the workspace's calendar; today at the latest.",
    )
    seats_used = SEATS.form_field(label="Seats in use")
    seats_bought = SEATS.form_field(
        required=False, label="Seats bought", help_text="Leave empty if unchanged."
    )


class RenewalDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=RenewalChoice.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you weighed: usage, price, overlap, the team's view.",
    )
    target_seats = SEATS.form_field(
        required=False, label="Target seats", help_text="Renegotiate only: the seats to ask for."
    )
    target_annual_cost = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        label="Target price per year",
        help_text="Renegotiate only: the yearly price to aim for, in the contract's currency.",
    )


class ToolRequestForm(forms.Form):
    name = forms.CharField(max_length=100, label="Tool")
    vendor = forms.CharField(max_length=100, required=False)
    category = forms.CharField(
        max_length=60, widget=forms.TextInput(attrs={"list": "category-options"})
    )
    team = forms.CharField(
        max_length=60, required=False, widget=forms.TextInput(attrs={"list": "team-options"})
    )
    url = link_form_field(required=False, label="Link")
    seats_needed = SEATS_NEEDED.form_field(required=False)
    estimated_annual_cost = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What it is for, and why the tools we have do not do it.",
    )


class ToolRequestDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("yes", "Approve"), ("no", "Reject")], coerce=lambda v: v == "yes"
    )
    note = forms.CharField(required=False, max_length=2000)


class SettingsForm(forms.Form):
    utilisation_threshold = UTILISATION_THRESHOLD.form_field(
        label="Utilisation threshold (%)",
        help_text="Tools using fewer of their seats than this are listed under Waste.",
    )
    reminder_days = forms.CharField(
        label="Reminder days before the notice deadline",
        help_text="Comma-separated, e.g. 90, 30, 7. Each goes once per contract.",
    )
    exchange_rates = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        label="Budget exchange rates",
        help_text="One per line: CODE = units of the workspace currency per unit, e.g. "
        "EUR = 1.08. Contracts in a currency not listed are shown apart, not converted.",
    )
    version = VERSION.form_field(widget=forms.HiddenInput, required=False)

    def clean_reminder_days(self) -> list[int]:
        parts = [p for p in self.cleaned_data["reminder_days"].split(",") if p.strip()]
        days = [REMINDER_DAY.clean(p) for p in parts]
        if not days:
            raise forms.ValidationError("List at least one day.")
        return days

    def clean_exchange_rates(self) -> dict[str, Decimal]:
        rates = {}
        for number, line in enumerate(self.cleaned_data["exchange_rates"].splitlines(), 1):
            if not line.strip():
                continue
            code, _, rate = line.partition("=")
            try:
                value = Decimal(rate.strip())
            except ArithmeticError:
                raise forms.ValidationError(
                    f"Line {number}: write it as CODE = rate, e.g. EUR = 1.08."
                ) from None
            rates[code.strip().upper()] = value
        return rates


def rates_as_text(rates: dict) -> str:
    return "\n".join(f"{code} = {rate}" for code, rate in sorted(rates.items()))
