"""Importing tools and contracts through the shared CSV machinery."""

from decimal import Decimal

import pytest

from inventory.models import Contract, Tool
from productops import imports
from productops.models import ImportJob

pytestmark = pytest.mark.django_db

SHEET = (
    b"App,Category,Vendor,Team,Owner,SSO,Billing cycle,Price,Currency,Licenses,Active users,"
    b"Contract start,Renewal,Notice period,PO,Term\n"
    b'Figma,Design,Figma,Design,ops_lead@alpha.test,yes,annual,"$27,000",,60,57,'
    b"2026-06-14,2027-06-14,30,PO-1,\n"
    b"Miro,Whiteboarding,Miro,Product,,no,monthly,720,EUR,80,41,01/11/2026,01/12/2026,0,,\n"
    b"Gong,Revenue,Gong,Sales,,yes,multi-year,120000,,40,37,2025-04-09,2028-04-09,90,,36\n"
    b"Loom,Async video,,,stranger@else.test,,,,,,,,,,,\n"
    b"Jira,Tracking,,,,maybe,,,,,,,,,,\n"
    b"Notion,Docs,,,,,annual,9600,,100,81,2026-12-20,2026-01-01,30,,\n"
    b"Slack,Communication,Salesforce,Company,,yes,,,,,,,,,,\n"
)


def run(actor, raw=SHEET) -> ImportJob:
    job = imports.import_upload(actor=actor, kind="tools", filename="tools.csv", raw=raw)
    imports.import_start(actor=actor, job=job, mapping=job.mapping)
    imports.import_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_the_usual_column_names_are_recognised(ops_lead):
    job = imports.import_upload(actor=ops_lead.actor, kind="tools", filename="t.csv", raw=SHEET)

    assert job.mapping["name"] == "App"
    assert job.mapping["cost"] == "Price"
    assert job.mapping["seats_bought"] == "Licenses"
    assert job.mapping["renewal_date"] == "Renewal"
    assert job.mapping["owner"] == "Owner"
    assert job.mapping["term_months"] == "Term"


def test_it_imports_good_rows_and_reports_each_bad_one_by_number_and_reason(ops_lead, workspace_a):
    job = run(ops_lead.actor)

    assert job.status == "done"
    assert (job.created_rows, job.error_rows) == (4, 3)
    errors = dict(job.row_errors.values_list("row_number", "reason"))
    assert "stranger@else.test is not a member" in errors[5]
    assert "SSO 'maybe'" in errors[6]
    assert "renewal date must come after" in errors[7]
    figma = Contract.objects.get(tool__name="Figma")
    assert (figma.cost, figma.currency, figma.seats_bought) == (Decimal("27000.00"), "USD", 60)
    assert Tool.objects.get(name="Figma").owner == ops_lead.membership
    assert Contract.objects.get(tool__name="Gong").annual_cost == Decimal("40000.00")
    assert not Contract.objects.filter(tool__name="Slack").exists()


def test_a_multi_year_row_without_its_term_is_reported(ops_lead):
    job = run(ops_lead.actor, SHEET.replace(b"90,,36", b"90,,"))

    errors = dict(job.row_errors.values_list("row_number", "reason"))
    assert "needs its term in months" in errors[4]


def test_importing_the_same_file_again_creates_nothing(ops_lead):
    run(ops_lead.actor)
    tools, contracts = Tool.objects.count(), Contract.objects.count()

    again = run(ops_lead.actor)

    assert (Tool.objects.count(), Contract.objects.count()) == (tools, contracts)
    assert (again.created_rows, again.updated_rows, again.unchanged_rows) == (0, 0, 4)


def test_a_changed_row_updates_the_tool_and_its_contract_in_place(ops_lead):
    run(ops_lead.actor)

    changed = SHEET.replace(b"60,57,", b"70,66,").replace(
        b"Design,Figma,Design", b"Design,Figma,Brand"
    )
    job = run(ops_lead.actor, changed)

    figma = Contract.objects.get(tool__name="Figma")
    assert job.updated_rows == 1
    assert (figma.seats_bought, figma.seats_used, figma.tool.team) == (70, 66, "Brand")
    assert Contract.objects.filter(tool__name="Figma").count() == 1


def test_a_pm_cannot_import_tools(pm):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        imports.import_upload(actor=pm.actor, kind="tools", filename="t.csv", raw=SHEET)
