from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.template import loader

from productops import clock
from productops.errors import error_fields
from productops.imports.values import DATE_ORDER_LABELS
from productops.models import Role, TokenScope
from productops.services import email_queue


def time_zone_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=clock.time_zone_choices,
        initial=clock.DEFAULT_TIME_ZONE,
        help_text="Today, deadlines, reminders and day totals follow this zone.",
    )


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Sends the reset link through the outbound-email queue, like every other email."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        email_queue(to=to_email, subject=subject, body=body)


class WorkspaceCreateForm(forms.Form):
    name = forms.CharField(max_length=100)
    slug = forms.SlugField(
        max_length=50, label="Address", help_text="Lowercase letters, digits and dashes."
    )
    time_zone = time_zone_field()


class WorkspaceSettingsForm(forms.Form):
    name = forms.CharField(max_length=100)
    currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        help_text="ISO 4217 code, e.g. USD, EUR, GBP.",
        error_messages={"invalid": "Use a three-letter currency code."},
    )
    time_zone = time_zone_field()
    date_order = forms.ChoiceField(
        label="Dates in imports",
        choices=list(DATE_ORDER_LABELS.items()),
        help_text="How an import reads a numeric date such as 03/04/2027 when its column cannot "
        "tell (a day above 12 decides by itself); the mapping step starts from this.",
    )


class LogoForm(forms.Form):
    logo = forms.FileField(
        label="Logo",
        help_text="A PNG, JPEG, GIF or WebP image up to 256 KB; it shows 32 px high in the top "
        "bar and on the public roadmap and feedback form. Without one, the name is shown.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
        error_messages={
            "required": "Choose an image file.",
            "empty": "The file is empty: choose an image.",
        },
    )


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.PM)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Where it is used, e.g. 'Zendesk sync'.")
    scopes = forms.MultipleChoiceField(
        choices=TokenScope.choices, widget=forms.CheckboxSelectMultiple
    )


class RegisterForm(forms.Form):
    name = forms.CharField(max_length=120)
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


IMPORT_FILE_TYPES = (
    ".csv,.tsv,.txt,.xlsx,text/csv,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV or Excel file",
        help_text="A header row, then one row per item: CSV (UTF-8, UTF-16 or Windows-1252; "
        "comma, semicolon or tab separated) or an .xlsx workbook's first sheet.",
        widget=forms.ClearableFileInput(attrs={"accept": IMPORT_FILE_TYPES}),
    )


def limit_choices(form: forms.BaseForm, name: str, queryset: QuerySet) -> None:
    """Points the model-choice field `name` at `queryset`, the rows of the request's workspace
    (the field declares an empty queryset, so no form offers another workspace's rows)."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a model choice field.")
    field.queryset = queryset


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Shows a service's ValidationError on the form: per field where it names one."""
    for name, messages in error_fields(error).items():
        form.add_error(name if name in form.fields else None, messages)
