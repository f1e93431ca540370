"""Every date input renders its value as ISO: browsers show (and submit) anything else as empty.

With LANGUAGE_CODE en-gb a plain DateInput renders 01/10/2026, which Chromium shows as an empty
field; saving an unchanged form then erased the date. These tests walk every form class of the
project and the rendered edit pages, so the next date field added without the shared widget fails.
"""

import importlib
import pkgutil
import re
from datetime import date, datetime
from html.parser import HTMLParser

from django import forms
from django.urls import reverse
from django.utils import translation

from planning.models import PlanningSession
from planning.services import sessions as services
from tests.conftest import signed_in
from tests.planning.capacity_data import plan

APPS = ("productops", "planning", "feedback", "inventory", "dashboards")
ISO = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "datetime-local": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"),
}
SAMPLE = {"date": date(2026, 10, 1), "datetime-local": datetime(2026, 10, 1, 9, 30)}


class _DateInputs(HTMLParser):
    """The (type, name, value) of every date and datetime-local input of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("type") in ISO:
            self.found.append((values["type"], values.get("name") or "", values.get("value")))


def date_inputs(html: str) -> list[tuple[str, str, str | None]]:
    parser = _DateInputs()
    parser.feed(html)
    return parser.found


def assert_iso_date_inputs(html: str) -> list[tuple[str, str, str | None]]:
    """Fails naming each date input whose value a browser would show as empty."""
    found = date_inputs(html)
    bad = [
        (kind, name, value) for kind, name, value in found if value and not ISO[kind].match(value)
    ]
    assert not bad, f"date inputs with a non-ISO value: {bad}"
    return found


def _all_form_classes() -> list[type[forms.BaseForm]]:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if "migrations" not in module.name and "tests" not in module.name:
                importlib.import_module(module.name)
    seen: list[type[forms.BaseForm]] = []
    stack = [forms.BaseForm]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.append(sub)
                stack.append(sub)
    return [cls for cls in seen if cls.__module__.split(".")[0] in APPS]


def test_every_date_field_of_every_form_renders_iso_under_the_british_locale():
    checked = []
    with translation.override("en-gb"):
        for form_class in _all_form_classes():
            for name, field in form_class.base_fields.items():
                kind = field.widget.attrs.get("type") or getattr(field.widget, "input_type", "")
                if kind not in ISO:
                    continue
                html = field.widget.render(name, SAMPLE[kind])
                found = assert_iso_date_inputs(html)
                assert found, f"{form_class.__name__}.{name} renders no {kind} input: {html}"
                assert found[0][2], f"{form_class.__name__}.{name} renders no value: {html}"
                checked.append(f"{form_class.__name__}.{name}")
    # The planning, capacity, inventory and dashboard forms' dates: the walk really found them.
    for expected in (
        "SessionForm.period_start",
        "SessionForm.scheduled_at",
        "CapacityPlanForm.period_end",
        "ContractForm.renewal_date",
        "UsageForm.taken_on",
        "DashboardFilterForm.since",
    ):
        assert expected in checked


def test_an_unchanged_planning_session_edit_keeps_its_period_dates(personas):
    lead = personas["ops_lead"].actor
    session = services.session_create(
        actor=lead,
        kind="prioritisation",
        settings=services.SessionSettings(
            title="Q4 planning",
            team="Core",
            period_start=date(2026, 10, 1),
            period_end=date(2026, 12, 31),
        ),
    )
    client = signed_in(personas["ops_lead"])
    url = reverse("planning_edit", args=[session.workspace.slug, session.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    values = {name: value for _kind, name, value in assert_iso_date_inputs(html)}
    assert values["period_start"] == "2026-10-01" and values["period_end"] == "2026-12-31"

    form = page.context["form"]
    # What the browser submits unchanged: every field as the page rendered it.
    posted = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    posted = {k: ("on" if v is True else v) for k, v in posted.items() if v is not False}
    posted.update({name: value or "" for name, value in values.items()})
    answer = client.post(url, posted)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    session = PlanningSession.objects.get(pk=session.pk)
    assert (session.period_start, session.period_end) == (date(2026, 10, 1), date(2026, 12, 31))


def test_the_capacity_plan_page_shows_its_days_as_iso(personas):
    capacity_plan = plan(personas["ops_lead"].actor)
    page = signed_in(personas["ops_lead"]).get(
        reverse("planning_capacity_detail", args=[capacity_plan.workspace.slug, capacity_plan.pk])
    )
    assert page.status_code == 200
    values = {name: value for _k, name, value in assert_iso_date_inputs(page.content.decode())}
    assert values["period_start"] == "2026-07-01" and values["period_end"] == "2026-09-30"
