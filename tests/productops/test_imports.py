"""The import machinery, through the platform's own importer: inviting people by CSV."""

import csv
import io
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from productops import imports
from productops.imports.selectors import CHECKED_WHOLE_UP_TO
from productops.models import ImportJob, Invitation
from tests.conftest import downloaded, signed_in

TEAM = (
    b"E-mail Address;Access\n"
    b"ana@alpha.test;PM\n"
    b"bo@alpha.test;ops lead\n"
    b"\n"
    b"not-an-email;pm\n"
    b"cy@alpha.test;wizard\n"
    b"=cmd|' /C calc'!A0;pm\n"
    b"dee@alpha.test;exec\n"
)


def upload(actor, raw=TEAM, filename="team.csv"):
    return imports.import_upload(actor=actor, kind="members", filename=filename, raw=raw)


def run(actor, raw=TEAM) -> ImportJob:
    job = upload(actor, raw)
    imports.import_start(actor=actor, job=job, mapping=job.mapping)
    imports.import_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_columns_are_recognised_from_the_usual_names(admin):
    job = upload(admin.actor)
    assert job.mapping == {"email": "E-mail Address", "role": "Access"}
    assert job.total_rows == 6


def test_the_preview_shows_which_rows_will_fail(admin):
    job = upload(admin.actor)
    preview = imports.import_preview(job=job, mapping=job.mapping)
    assert [(row.number, row.error is None) for row in preview.rows] == [
        (2, True),
        (3, True),
        (5, False),
        (6, False),
        (7, False),
        (8, True),
    ]
    assert "wizard" in preview.rows[3].error


def test_a_required_column_must_be_mapped(admin):
    job = upload(admin.actor)
    with pytest.raises(ValidationError) as failure:
        imports.import_start(actor=admin.actor, job=job, mapping={"role": "Access"})
    assert "email" in failure.value.message_dict


def test_a_started_import_keeps_its_mapping_and_cannot_be_started_again(admin):
    job = upload(admin.actor)
    imports.import_start(actor=admin.actor, job=job, mapping=job.mapping)
    for change in (
        lambda: imports.import_choose(actor=admin.actor, job=job, mapping={}, choices={}),
        lambda: imports.import_start(actor=admin.actor, job=job, mapping=job.mapping),
    ):
        with pytest.raises(ValidationError, match="This import has started already"):
            change()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED
    assert job.mapping == {"email": "E-mail Address", "role": "Access"}


def test_a_pm_cannot_change_or_start_an_admins_members_import(admin, pm):
    job = upload(admin.actor)
    for change in (
        lambda: imports.import_choose(actor=pm.actor, job=job, mapping={}, choices={}),
        lambda: imports.import_start(actor=pm.actor, job=job, mapping=job.mapping),
    ):
        with pytest.raises(PermissionDenied):
            change()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DRAFT


def test_an_import_reports_each_bad_row_by_its_spreadsheet_number(admin):
    job = run(admin.actor)
    assert job.status == ImportJob.Status.DONE
    assert (job.processed_rows, job.created_rows, job.error_rows) == (6, 3, 3)
    assert list(job.row_errors.order_by("row_number").values_list("row_number", flat=True)) == [
        5,
        6,
        7,
    ]
    assert sorted(Invitation.objects.values_list("email", "role")) == [
        ("ana@alpha.test", "pm"),
        ("bo@alpha.test", "ops_lead"),
        ("dee@alpha.test", "exec"),
    ]


def test_importing_the_same_file_again_adds_nothing(admin):
    run(admin.actor)
    again = run(admin.actor)
    assert (again.created_rows, again.updated_rows, again.unchanged_rows) == (0, 0, 3)
    assert Invitation.objects.filter(revoked_at=None).count() == 3


def test_the_report_of_bad_rows_is_a_csv_safe_for_spreadsheets(admin):
    job = run(admin.actor)
    response = signed_in(admin).get(f"/w/alpha/imports/{job.pk}/report.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = downloaded(response)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["row", "outcome", "reason", "E-mail Address", "Access"]
    assert [r[0] for r in rows[1:]] == ["5", "6", "7"]
    assert {r[1] for r in rows[1:]} == {"Not imported"}
    assert rows[3][3].startswith("'=")  # a formula becomes inert text


def test_a_binary_file_is_refused_with_a_reason(admin):
    with pytest.raises(ValidationError, match="PNG image"):
        upload(admin.actor, raw=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_job_import_each_row_once(personas):
    admin = personas["admin"].actor
    raw = ("email\n" + "".join(f"p{n}@alpha.test\n" for n in range(1200))).encode()
    job = upload(admin, raw)
    imports.import_start(actor=admin, job=job, mapping=job.mapping)

    def worker():
        try:
            imports.import_run(job_id=job.pk, budget_seconds=600)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_rows) == ("done", 1200, 1200)
    assert Invitation.objects.count() == 1200


def test_the_progress_page_polls_while_running_and_stops_when_done(admin):
    job = upload(admin.actor)
    imports.import_start(actor=admin.actor, job=job, mapping=job.mapping)
    client = signed_in(admin)
    running = client.get(f"/w/alpha/imports/{job.pk}/", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert "0 of 6 rows" in running.content.decode()
    imports.import_run(job_id=job.pk)
    done = client.get(f"/w/alpha/imports/{job.pk}/", headers={"HX-Request": "true"})
    assert "every 1s" not in done.content.decode()
    assert "6 of 6 rows" in done.content.decode()
    assert "report of 3 bad rows" in done.content.decode()


def test_an_import_page_uploads_maps_and_starts(admin):
    client = signed_in(admin)
    upload_file = io.BytesIO(TEAM)
    upload_file.name = "team.csv"
    response = client.post("/w/alpha/imports/new/members/", {"file": upload_file})
    assert response.status_code == 302
    mapping_page = client.get(response["Location"])
    assert b"E-mail Address" in mapping_page.content and b"wizard" in mapping_page.content
    started = client.post(
        response["Location"],
        {
            "action": "start",
            "map_email": "E-mail Address",
            "map_role": "Access",
        },
    )
    assert started.status_code == 302
    assert ImportJob.objects.get().status == ImportJob.Status.QUEUED


def test_the_import_button_counts_only_the_rows_that_will_be_imported(admin):
    mapping_page = signed_in(admin).get(f"/w/alpha/imports/{upload(admin.actor).pk}/")
    button = mapping_page.content.decode().split('value="start">')[1].split("</button>")[0]

    # Six rows, of which three fail (a bad address, an unknown role, a formula as an address).
    assert button == "Import 3 rows (3 not importable: the report will list them)"


def test_a_file_over_the_whole_check_says_what_its_first_rows_hold(admin):
    rows = "".join(f"m{n}@alpha.test;pm\n" for n in range(CHECKED_WHOLE_UP_TO + 5))
    raw = ("E-mail Address;Access\nnobody;pm\n" + rows).encode()

    preview = imports.import_preview(job=(job := upload(admin.actor, raw)), mapping=job.mapping)
    page = signed_in(admin).get(f"/w/alpha/imports/{job.pk}/").content.decode()

    assert (preview.whole, preview.checked, preview.bad) == (False, 2_000, 1)
    assert f"Import up to {preview.total} rows" in page
    assert "Of the first 2000 rows, 1 cannot be imported" in page


def test_a_row_with_two_problems_names_both(admin):
    job = run(admin.actor, b"E-mail Address;Access\nnot-an-email;wizard\n")

    reason = job.row_errors.get().reason
    assert reason == (
        "not-an-email is not an email address. "
        "Unknown role 'wizard': use admin, ops lead, pm or exec."
    )


@pytest.mark.parametrize("path", ["/w/alpha/imports/new/members/", "/w/alpha/feedback/import/"])
def test_an_upload_page_lists_the_columns_its_importer_reads(admin, path):
    kind = "members" if "members" in path else "feedback"
    html = signed_in(admin).get(path).content.decode()
    assert "Columns we understand" in html
    for field in imports.importer_for(kind).fields:
        assert f"<strong>{field.label}</strong>" in html
        if field.aliases:
            assert f"Also recognised: {', '.join(field.aliases)}." in html
    assert '<span class="badge">required</span>' in html
