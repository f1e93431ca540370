"""The declared bounds and the one link rule, as every channel sees them."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template

from productops.validation import (
    CONTRACT_DAY,
    FILTER_DAY,
    SEATS,
    TERM_MONTHS,
    clean_link,
    is_safe_link,
)


def test_a_whole_number_past_the_column_is_refused_with_the_field_named():
    with pytest.raises(ValidationError) as refused:
        SEATS.clean("2147483648", field="seats_used")
    assert "seats_used" in refused.value.message_dict
    assert SEATS.clean("1,200") == 1200


@pytest.mark.parametrize("months", ["12", "121", "x", "", "1.5"])
def test_a_term_outside_thirteen_to_a_hundred_and_twenty_months_is_refused(months):
    with pytest.raises(ValidationError):
        TERM_MONTHS.clean(months)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2025-02-30", "soon"])
def test_a_contract_day_outside_a_sane_span_is_refused(day):
    with pytest.raises(ValidationError):
        CONTRACT_DAY.clean(day, field="start_date")


def test_the_same_bound_reads_from_a_form_a_serializer_and_a_query_string():
    from django import forms
    from django.http import QueryDict

    class UsageForm(forms.Form):
        seats_used = SEATS.form_field()

    assert not UsageForm({"seats_used": "2147483648"}).is_valid()
    serializer_field = SEATS.serializer_field()
    assert serializer_field.max_value == SEATS.max_value
    assert FILTER_DAY.query(QueryDict("until=2026-11-30"), "until") == date(2026, 11, 30)
    with pytest.raises(ValidationError) as refused:
        FILTER_DAY.query(QueryDict("until=9999-12-31"), "until")
    assert list(refused.value.message_dict) == ["until"]


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "file:///etc"]
)
def test_a_link_with_an_unsafe_scheme_is_refused_and_never_rendered_as_a_link(link):
    with pytest.raises(ValidationError):
        clean_link(link)
    assert not is_safe_link(link)
    rendered = Template(
        "{% load links %}{% with href=url|safe_link %}{% if href %}<a href='{{ href }}'>"
        "{% endif %}{% endwith %}"
    ).render(Context({"url": link}))
    assert "<a" not in rendered


def test_a_bare_host_becomes_an_https_link():
    assert clean_link("example.com/pricing") == "https://example.com/pricing"
    assert is_safe_link("https://example.com")


def test_a_tools_csv_row_with_a_javascript_link_is_reported_and_the_page_never_links_one(
    ops_lead, workspace_a
):
    from inventory.models import Tool
    from productops import imports
    from productops.models import ImportRowError
    from tests.conftest import signed_in

    raw = (
        b"Tool,Category,Link\n"
        b"Evil,Analytics,javascript:alert(document.cookie)\n"
        b"Figma,Design,figma.com\n"
    )
    job = imports.import_upload(actor=ops_lead.actor, kind="tools", filename="t.csv", raw=raw)
    imports.import_start(actor=ops_lead.actor, job=job, mapping=job.mapping)
    imports.import_run(job_id=job.pk)

    assert list(Tool.objects.values_list("name", "url")) == [("Figma", "https://figma.com")]
    (bad,) = ImportRowError.objects.filter(job=job)
    assert bad.row_number == 2 and "http" in bad.reason
    # A row stored before links were checked still renders as text, not as a link.
    Tool.objects.filter(name="Figma").update(url="javascript:alert(1)")
    page = signed_in(ops_lead).get(f"/w/alpha/tools/{Tool.objects.get().pk}/").content.decode()
    assert "javascript:alert(1)" in page
    assert 'href="javascript:' not in page
