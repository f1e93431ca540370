"""A PM imports a support export in real Chromium: upload it into a new source, answer the date
order the file leaves open, check the values that will be stored, start, watch the progress and
read the bad rows."""

import re
from datetime import UTC, datetime

import pytest

from feedback.models import FeedbackItem
from productops import demo, imports
from productops.models import ImportJob
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Every date reads both ways, so the mapping step asks; row 3's rating is out of range.
EXPORT = (
    b"Ticket ID,Description,Created at,Star Rating\n"
    b"701,Dark mode please,03/04/2024,5\n"
    b"702,SSO with Okta,05/06/2024,9\n"
    b"703,Faster exports,07/08/2024,4\n"
)


@pytest.fixture
def acme():
    return demo.seed_platform()


def preview_row(page, number: int) -> str:
    return page.locator(f"tbody tr:has(td.num:text-is('{number}'))").inner_text()


def test_a_pm_imports_an_export_choosing_the_date_order(page, live_server, acme):
    sign_in(page, live_server, "pm@acme.test")
    page.goto(f"{live_server.url}/w/acme/feedback/import/")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "tickets.csv", "mimeType": "text/csv", "buffer": EXPORT}],
    )
    page.fill("input[name=new_source_name]", "Support desk")
    page.click("button:text('Upload and map columns')")
    page.wait_for_url(re.compile(r"/w/acme/imports/\d+/$"))

    # The workspace writes month first, so the question starts there and the preview follows.
    assert page.locator("select[name=choose_received_at]").input_value() == "mdy"
    assert "2024-03-04T00:00:00" in preview_row(page, 2)
    page.select_option("select[name=choose_received_at]", "dmy")
    page.click("button[value=preview]")
    page.wait_for_load_state()
    assert page.locator("select[name=choose_received_at]").input_value() == "dmy"
    assert "2024-04-03T00:00:00" in preview_row(page, 2)
    assert "Star rating: '9' is not a rating" in preview_row(page, 3)
    assert page.locator("tbody .ok").count() == 2  # a ✓ only on the rows that import as shown

    page.click("button[value=start]")
    page.wait_for_url(re.compile(r"/w/acme/imports/\d+/$"))
    assert page.locator("#import-progress").get_attribute("hx-trigger") == "every 1s"
    job = ImportJob.objects.get(workspace=acme)
    while imports.import_run(job_id=job.pk) == "more":
        pass

    # The card polls itself and stops once the rows are in.
    page.wait_for_function(
        "() => document.querySelector('#import-progress').innerText.includes('3 of 3 rows')"
    )
    progress = page.locator("#import-progress").inner_text()
    assert "Star rating: '9' is not a rating" in progress
    assert page.locator("#import-progress a[download]").count() == 1
    stored = {
        i.external_id: (i.body, i.received_at, i.rating, i.source.name)
        for i in FeedbackItem.objects.filter(workspace=acme, external_id__in=["701", "702", "703"])
    }
    assert stored == {
        "701": ("Dark mode please", datetime(2024, 4, 3, tzinfo=UTC), 5, "Support desk"),
        "703": ("Faster exports", datetime(2024, 8, 7, tzinfo=UTC), 4, "Support desk"),
    }
    assert page.console_problems == []


# A tools sheet as teams keep one: the columns the import reads, no start dates, one bad row.
TOOLS = (
    b"Tool,Category,Vendor,Owner,Billing,Cost,Seats,Renewal date\n"
    b"Figma,Design,Figma Inc,ops@acme.test,annual,12000,40,2027-06-14\n"
    b"Miro,Whiteboarding,Miro,,monthly,720,80,2027-03-31\n"
    b"Loom,Video,Atlassian,,weekly,-5,10,2027-01-01\n"
)


def test_an_ops_lead_sees_every_stored_tool_value_beside_its_column_at_1440_px(
    page, live_server, acme
):
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server, "ops@acme.test")
    page.goto(f"{live_server.url}/w/acme/imports/new/tools/")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "tools.csv", "mimeType": "text/csv", "buffer": TOOLS}],
    )
    page.click("button:text('Upload and map columns')")
    page.wait_for_url(re.compile(r"/w/acme/imports/\d+/$"))

    headers = page.locator(".import-preview thead th").all_inner_texts()
    assert headers[1] == "Check"  # what is wrong comes first, then the values
    assert headers[2].split("\n") == ["Tool", "from Tool"]
    figma = preview_row(page, 2)
    for stored in ("Figma", "12000.00 USD", "40", "2027-06-14", "2026-06-14 (derived)"):
        assert stored in figma
    # Every value of a row, and its check, is on screen without scrolling sideways.
    preview = page.locator(".import-preview")
    assert not preview.evaluate("e => e.scrollWidth > e.clientWidth")
    last = page.locator(".import-preview tbody tr").first.locator("td").last.bounding_box()
    assert last is not None and last["x"] + last["width"] <= 1440
    assert "no start date column" in page.locator("form.stack").inner_text()
    # Row 4 fails two ways, both named; the button counts the two rows that will be imported.
    assert "Billing period 'weekly'" in preview_row(page, 4)
    assert "Cost cannot be negative." in preview_row(page, 4)
    assert page.locator("button[value=start]").inner_text() == (
        "Import 2 rows (1 not importable: the report will list it)"
    )
    assert page.console_problems == []
