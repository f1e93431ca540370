"""Importing tools and contracts through the shared CSV machinery."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from inventory.models import Contract, Tool
from productops import imports
from productops.models import ImportJob
from tests.conftest import signed_in

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
    assert (job.created_rows, job.error_rows, job.noted_rows) == (5, 2, 1)
    errors = dict(job.row_errors.values_list("row_number", "reason"))
    # An owner who is not a member costs the tool its owner, never the row.
    assert "stranger@else.test is not a member" in errors[5]
    assert job.row_errors.get(row_number=5).kind == "note"
    assert Tool.objects.get(name="Loom").owner is None
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
    assert (again.created_rows, again.updated_rows, again.unchanged_rows) == (0, 0, 5)


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


FILES = Path(__file__).parent / "files"


def test_a_snipe_it_export_becomes_tools_with_contracts_as_it_means(ops_lead, workspace_a):
    raw = (FILES / "snipe_it_licenses.csv").read_bytes()
    job = imports.import_upload(actor=ops_lead.actor, kind="tools", filename="l.csv", raw=raw)

    assert job.options["layout"] == "Snipe-IT licences"
    assert job.mapping["vendor"] == "Manufacturer"  # the supplier is a reseller
    assert job.mapping["renewal_date"] == "Expiration Date"
    assert "billing_period" not in job.mapping
    preview = imports.import_preview(job=job, mapping=job.mapping)
    asked = {q["field"].name for q in preview.questions}
    assert asked == {"billing_period", "renewal_date", "start_date"}  # 03/04/2027 reads both ways
    assert preview.skipped == 1  # the header written again
    assert [r.error for r in preview.rows][:2] == [
        "The contract needs its billing period.",
        "The contract needs its billing period.",
    ]

    choices = {"billing_period": "annual", "renewal_date": "dmy", "start_date": "dmy"}
    job = imports.import_choose(actor=ops_lead.actor, job=job, mapping=job.mapping, choices=choices)
    preview = imports.import_preview(job=job, mapping=job.mapping)
    assert preview.rows[0].stored["cost"] == "13500.00 USD"
    assert preview.rows[1].stored["renewal_date"] == "2027-04-03"
    assert preview.rows[1].error is None and preview.rows[2].error.startswith("Cost per period")
    # No ✓ on a row that will not import exactly so: its owner is not a member.
    assert preview.rows[0].note == ""
    assert preview.rows[1].note.startswith("Imported without an owner: dana@contractor.test")
    page = signed_in(ops_lead).get(f"/w/alpha/imports/{job.pk}/").content.decode()
    row_4 = page[page.index('<td class="num">4</td>') :].split("</tr>")[0]
    assert "2027-04-03" in row_4 and "Imported without an owner" in row_4  # stored, not ✓
    assert "✓" not in row_4

    imports.import_start(actor=ops_lead.actor, job=job, mapping=job.mapping, choices=choices)
    imports.import_run(job_id=job.pk)
    job.refresh_from_db()

    assert (job.created_rows, job.error_rows, job.skipped_rows, job.noted_rows) == (2, 1, 1, 1)
    adobe = Contract.objects.get(tool__name="Adobe Creative Cloud")
    assert (adobe.cost, adobe.currency, adobe.billing_period) == (
        Decimal("13500.00"),
        "USD",
        "annual",
    )
    assert (adobe.start_date, adobe.renewal_date) == (date(2026, 3, 4), date(2027, 3, 4))
    assert (adobe.seats_bought, adobe.reference) == (25, "PO-7781")
    assert adobe.tool.vendor == "Adobe" and adobe.tool.owner == ops_lead.membership
    jetbrains = Contract.objects.get(tool__name="JetBrains All Products")
    assert (jetbrains.start_date, jetbrains.renewal_date) == (date(2026, 4, 3), date(2027, 4, 3))
    assert jetbrains.tool.owner is None
    report = dict(job.row_errors.values_list("row_number", "reason"))
    assert "dana@contractor.test is not a member" in report[4]
    assert "header again" in report[3]
    assert "'about 14k' is not an exact amount" in report[5]
    assert not Tool.objects.filter(name__in=["Name", "Sketch"]).exists()


def test_amounts_keep_their_currency_and_decimal_comma(ops_lead):
    raw = (
        "Tool;Category;Billing period;Cost;Currency;Start date;Renewal date\n"
        "Miro;Whiteboard;annual;1.234,56;EUR;2026-01-01;2027-01-01\n"
        "Figma;Design;annual;€1.200,00;;2026-01-01;2027-01-01\n"
        "Loom;Video;annual;£99,00;EUR;2026-01-01;2027-01-01\n"
    ).encode()
    job = run(ops_lead.actor, raw)

    assert [(c.tool.name, c.cost, c.currency) for c in Contract.objects.order_by("tool__name")] == [
        ("Figma", Decimal("1200.00"), "EUR"),
        ("Miro", Decimal("1234.56"), "EUR"),
    ]
    assert "row's currency is EUR" in job.row_errors.get(row_number=4).reason


def test_links_years_and_seats_pass_the_forms_rules_or_the_row_is_reported(ops_lead):
    raw = (
        b"Tool,Category,Link,Billing period,Cost,Start date,Renewal date,Seats\n"
        b"Miro,Whiteboard,miro.com,annual,100,2026-01-01,2027-01-01,10\n"
        b"Evil,Other,javascript:alert(1),,,,,\n"
        b"Old,Other,,annual,100,0026-01-01,2027-01-01,10\n"
        b"Huge,Other,,annual,100,2026-01-01,2027-01-01,99999999999\n"
    )
    job = run(ops_lead.actor, raw)

    errors = dict(job.row_errors.values_list("row_number", "reason"))
    assert sorted(errors) == [3, 4, 5]
    assert "http:// or https://" in errors[3]
    assert "'0026-01-01' is not a date between 1900 and 2200" in errors[4]
    assert "Give a whole number from 0 to 10,000,000 seats" in errors[5]
    assert list(Tool.objects.values_list("name", "url")) == [("Miro", "https://miro.com")]
    assert Contract.objects.get().seats_bought == 10


# A spreadsheet of renewals without start dates, as many teams keep one.
RENEWALS = (
    b"Tool,Category,Billing,Cost,Renewal date\n"
    b"Figma,Design,annual,12000,2027-06-14\n"
    b"Miro,Whiteboarding,monthly,720,2027-03-31\n"
)


def test_without_a_start_date_column_a_contract_starts_one_period_before_its_renewal(ops_lead):
    job = imports.import_upload(
        actor=ops_lead.actor, kind="tools", filename="renewals.csv", raw=RENEWALS
    )
    preview = imports.import_preview(job=job, mapping=job.mapping)

    assert "no start date column" in preview.notes[0]
    assert preview.rows[1].stored["start_date"] == "2027-02-28 (derived)"
    assert preview.bad == 0
    job = run(ops_lead.actor, RENEWALS)
    again = run(ops_lead.actor, RENEWALS)

    starts = dict(Contract.objects.values_list("tool__name", "start_date"))
    assert starts == {"Figma": date(2026, 6, 14), "Miro": date(2027, 2, 28)}
    assert (job.created_rows, job.error_rows) == (2, 0)
    assert (again.created_rows, again.unchanged_rows) == (0, 2)  # the same contracts found


def test_a_file_with_start_dates_still_reports_a_row_whose_start_is_empty(ops_lead):
    job = run(ops_lead.actor, SHEET.replace(b"2026-06-14,2027-06-14", b",2027-06-14"))

    errors = dict(job.row_errors.values_list("row_number", "reason"))
    assert "The contract needs its start date." in errors[2]


def test_the_report_names_every_error_of_a_row_not_only_the_first(ops_lead):
    bad = (
        b"Tool,Category,Owner,Status,Billing,Cost,Contract start,Renewal date\n"
        b"Figma,Design,not-an-email,shiny,fortnightly,-5,2026-13-45,2027-06-14\n"
    )

    job = run(ops_lead.actor, bad)

    reason = job.row_errors.get(row_number=2).reason
    for expected in (
        "Start date:",  # the cell cannot be read as a date
        "Owner 'not-an-email' is not an email address.",
        "Status 'shiny'",
        "Billing period 'fortnightly'",
        "Cost cannot be negative.",
    ):
        assert expected in reason, reason
    assert "needs its start date" not in reason  # unreadable is said once, not also missing


def test_the_preview_shows_the_mapped_fields_first_each_with_its_column(ops_lead):
    job = imports.import_upload(
        actor=ops_lead.actor, kind="tools", filename="renewals.csv", raw=RENEWALS
    )
    preview = imports.import_preview(job=job, mapping=job.mapping)
    page = signed_in(ops_lead).get(f"/w/alpha/imports/{job.pk}/").content.decode()

    # Of 23 fields, the five the file holds, then the one the import fills in; none empty.
    assert [(c.label, c.column) for c in preview.columns] == [
        ("Tool", "Tool"),
        ("Category", "Category"),
        ("Billing period", "Billing"),
        ("Cost per period", "Cost"),
        ("Renewal date", "Renewal date"),
        ("Start date", ""),
    ]
    assert preview.rows[0].cells[:5] == ("Figma", "Design", "annual", "12000.00 USD", "2027-06-14")
    assert 'Cost per period<span class="from">from Cost</span>' in page
    assert "Seats used" not in page.split("<thead>")[1]  # an empty field takes no column
