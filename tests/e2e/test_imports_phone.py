"""The import pages on a phone, in real Chromium at 390 px: upload, the column mapping with its
preview, the finished import and the list all fit the screen; the wide preview scrolls inside
its own card with the row number kept in view."""

import re

import pytest

from productops import demo, imports
from productops.models import ImportJob
from tests.e2e.conftest import PHONE_WIDTH, assert_fits_phone, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Long unbroken values (an address, a link) are what push a table wider than a phone.
EXPORT = (
    b"Ticket ID,Description,Created at,Star Rating,Email,Customer,Link\n"
    b"701,Dark mode please,2024-03-04,5,"
    b"very.long.address.of.a.customer@enterprise-customer.example,"
    b"Megacorp International Holdings,https://support.example.com/tickets/701/very/long/path\n"
    b"702,SSO with Okta for every team in the company,2024-03-05,9,a@b.example,Stark,"
    b"https://support.example.com/tickets/702\n"
)

# Export tools name files like this; unbroken, it is wider than a phone in a heading.
LONG_NAME = "zendesk_support_tickets_export_full_history_2024-03-04.csv"


@pytest.fixture
def acme():
    return demo.seed_platform()


def fits(page) -> None:
    assert_fits_phone(page)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_WIDTH


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH


def test_every_import_page_fits_a_phone(page, live_server, acme):
    sign_in(page, live_server, "ops@acme.test")
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})

    page.goto(f"{live_server.url}/w/acme/imports/new/tools/")
    fits(page)
    page.goto(f"{live_server.url}/w/acme/feedback/import/")
    fits(page)

    page.set_input_files(
        "input[name=file]",
        files=[{"name": LONG_NAME, "mimeType": "text/csv", "buffer": EXPORT}],
    )
    page.fill("input[name=new_source_name]", "Support desk")
    page.click("button:text('Upload and map columns')")
    page.wait_for_url(re.compile(r"/w/acme/imports/\d+/$"))
    fits(page)  # step 2 and 3: the mapping and the preview

    # The preview scrolls inside its card, and the row number stays in view while it does.
    preview = page.locator(".import-preview")
    assert preview.evaluate("e => e.scrollWidth > e.clientWidth")
    assert in_view(page, ".import-preview tbody td.num")
    preview.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    assert preview.evaluate("e => e.scrollLeft > 0")
    assert in_view(page, ".import-preview tbody td.num")
    assert page.locator(".import-preview tbody td.num").first.inner_text() == "2"

    page.click("button[value=start]")
    page.wait_for_url(re.compile(r"/w/acme/imports/\d+/$"))
    job = ImportJob.objects.get(workspace=acme)
    while imports.import_run(job_id=job.pk) == "more":
        pass
    page.wait_for_function(
        "() => document.querySelector('#import-progress').innerText.includes('2 of 2 rows')"
    )
    assert page.locator("#import-progress table tbody tr").count() >= 1  # row 702's rating
    fits(page)

    page.goto(f"{live_server.url}/w/acme/imports/")
    assert page.locator("tbody tr td a", has_text=LONG_NAME).count() == 1
    fits(page)
    assert page.console_problems == []
