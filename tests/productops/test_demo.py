"""The demo: content in data files read by one loader, and a second `seed_demo` that writes
nothing (`make run` seeds on every start)."""

import io
from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from feedback.models import Idea
from productops import demo


def every_row() -> dict[str, list[dict]]:
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for label in ("productops", "inventory", "feedback", "planning", "dashboards")
        for model in apps.get_app_config(label).get_models()
    }


def test_seeding_the_demo_twice_changes_no_row_the_second_time(db):
    call_command("seed_demo")
    first = every_row()

    out = io.StringIO()
    call_command("seed_demo", port=8765, stdout=out)  # as `make run PORT=8765` runs it

    assert "Sign in at http://127.0.0.1:8765/accounts/login/ as:" in out.getvalue()

    again = every_row()
    assert [label for label, rows in first.items() if again[label] != rows] == []
    # The Q3 session's decisions moved their ideas; a second run leaves them where they went.
    statuses = dict(
        Idea.objects.filter(
            title__in=["Mobile app for iOS and Android", "Audit log export", "Dark mode"]
        ).values_list("title", "status__name")
    )
    assert statuses == {
        "Mobile app for iOS and Android": "Planned",
        "Audit log export": "Declined",
        "Dark mode": "Shipped",
    }


def test_a_malformed_data_file_is_named_with_the_line_at_fault(tmp_path):
    path = tmp_path / "tools.toml"
    path.write_text('[[tools]]\nname = "Jira\nvendor = "Atlassian"\n')

    with pytest.raises(ImproperlyConfigured, match=r"tools\.toml: .*line 2"):
        demo.read(path)


def test_a_missing_data_file_is_named(tmp_path):
    with pytest.raises(ImproperlyConfigured, match=r"Demo data .*absent\.toml"):
        demo.read(tmp_path / "absent.toml")


def test_every_app_data_file_loads():
    assert len(demo.load("inventory", "tools")["tools"]) == 41
    assert len(demo.load("feedback", "feedback")["accounts"]) == 36
    assert [s["title"] for s in demo.load("planning", "planning")["sessions"]] == [
        "Q3 prioritisation",
        "Q4 prioritisation",
        "Sprint 42 estimation",
        "Sprint 41 retro",
    ]


@pytest.mark.parametrize(
    ("number", "first", "last"),
    [
        (1, date(2026, 1, 1), date(2026, 3, 31)),
        (2, date(2026, 4, 1), date(2026, 6, 30)),
        (3, date(2026, 7, 1), date(2026, 9, 30)),
        (4, date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_a_quarter_runs_from_its_first_to_its_last_day(number, first, last):
    assert demo.quarter(2026, number) == (first, last)


def test_there_is_no_fifth_quarter():
    with pytest.raises(ImproperlyConfigured, match="1 to 4"):
        demo.quarter(2026, 5)
