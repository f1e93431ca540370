"""Forms of the intake pages: sources, manual entry, the CSV upload, the public form."""

import time
from typing import Any

from django import forms
from django.core import signing

from feedback.intake_item import MAX_TITLE
from feedback.models import Channel
from feedback.webhooks import MAPPABLE_FIELDS
from productops.forms import ImportUploadForm, limit_choices

# Channels a person picks for a new source (the web form has its own switch).
CREATABLE_CHANNELS = [(c.value, c.label) for c in Channel if c != Channel.WEB_FORM]


class ToolChoice(forms.ModelChoiceField):
    def label_from_instance(self, tool) -> str:
        return tool.name


class SourceCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="e.g. Zendesk, Sales calls, Beta survey.")
    channel = forms.ChoiceField(choices=CREATABLE_CHANNELS, initial=Channel.WEBHOOK)
    tool = ToolChoice(
        queryset=None,
        required=False,
        empty_label="— none —",
        help_text="The tool in the inventory this feedback comes from.",
    )

    def __init__(self, *args, tools=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit_choices(self, "tool", tools)


class SourceEditForm(forms.Form):
    name = forms.CharField(max_length=100)
    tool = ToolChoice(queryset=None, required=False, empty_label="— none —")
    is_active = forms.BooleanField(
        required=False, label="Active", help_text="A source that is off refuses new feedback."
    )

    def __init__(self, *args, tools=None, mapping: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        limit_choices(self, "tool", tools)
        self.mapping_fields = []
        if mapping:
            for name, label, required in MAPPABLE_FIELDS:
                self.fields[f"map_{name}"] = forms.CharField(
                    label=label,
                    required=required,
                    max_length=200,
                    widget=forms.TextInput(
                        attrs={"placeholder": "not sent", "spellcheck": "false"}
                    ),
                )
                self.mapping_fields.append(self[f"map_{name}"])

    def mapping(self) -> dict[str, str] | None:
        if not self.mapping_fields:
            return None
        return {name: self.cleaned_data.get(f"map_{name}", "") for name, _, _ in MAPPABLE_FIELDS}


class AccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, account) -> str:
        return account.name


class SourceChoice(forms.ModelChoiceField):
    def label_from_instance(self, source) -> str:
        return f"{source.name} ({source.get_channel_display()})"


class ManualFeedbackForm(forms.Form):
    title = forms.CharField(max_length=MAX_TITLE, required=False)
    body = forms.CharField(
        label="What the customer said",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6, "autofocus": True}),
    )
    email = forms.EmailField(label="Customer email", required=False)
    name = forms.CharField(label="Customer name", max_length=200, required=False)
    account = AccountChoice(
        queryset=None, required=False, empty_label="— from the email's domain —"
    )
    source = SourceChoice(queryset=None, required=False, empty_label="Manual entry")

    def __init__(self, *args, accounts=None, sources=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit_choices(self, "account", accounts)
        limit_choices(self, "source", sources)


class FeedbackImportForm(ImportUploadForm):
    """The shared upload's file, and the source the items come from (or a new one)."""

    source = SourceChoice(
        queryset=None,
        required=False,
        empty_label="A new source…",
        help_text="Where this feedback came from. Re-importing into the same source updates rows.",
    )
    new_source_name = forms.CharField(
        label="New source name", max_length=100, required=False, initial="CSV import"
    )
    new_source_channel = forms.ChoiceField(
        label="Channel", choices=CREATABLE_CHANNELS, initial=Channel.CSV_IMPORT, required=False
    )

    def __init__(self, *args, sources=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit_choices(self, "source", sources)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("source") and not (data.get("new_source_name") or "").strip():
            self.add_error("new_source_name", "Name the new source, or choose an existing one.")
        return data


# The public form's spam guard: a honeypot field people never see, and the time the form was
# shown, signed so a bot cannot forge it. A form sent back within MIN_FILL_SECONDS is a bot's.
MIN_FILL_SECONDS = 3
MAX_FORM_AGE_SECONDS = 24 * 60 * 60
HONEYPOT = "website"


def form_salt(slug: str) -> str:
    return f"feedback-public-form:{slug}"


def started_token(slug: str, moment: float | None = None) -> str:
    return signing.Signer(salt=form_salt(slug)).sign(str(int(moment or time.time())))


def spam_reason(slug: str, data) -> str:
    """Why a submission looks automated ("" when it does not)."""
    if (data.get(HONEYPOT) or "").strip():
        return "honeypot"
    try:
        started = int(signing.Signer(salt=form_salt(slug)).unsign(data.get("started") or ""))
    except (signing.BadSignature, ValueError):
        return "unsigned form"
    age = time.time() - started
    if age < MIN_FILL_SECONDS:
        return "too fast"
    if age > MAX_FORM_AGE_SECONDS:
        return "stale form"
    return ""


class PublicFeedbackForm(forms.Form):
    body = forms.CharField(
        label="Your feedback",
        widget=forms.Textarea(
            attrs={"rows": 7, "placeholder": "What works, what doesn't, what you wish it did…"}
        ),
    )
    title = forms.CharField(label="Summary (optional)", max_length=200, required=False)
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        help_text="So we can tell you when something changes.",
    )
    name = forms.CharField(label="Name (optional)", max_length=200, required=False)
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)
    # The roadmap idea of a "me too" (its id); the view checks it is on the roadmap still.
    idea = forms.CharField(widget=forms.HiddenInput, required=False)
