"""Imports through the API: upload, read the preview, start, poll, fetch the report."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client

from feedback.models import FeedbackItem, Source
from productops import imports, services
from productops.models import ImportJob

API = "/api/v1/w/alpha"
FILES = Path(__file__).parents[1] / "feedback" / "files"


@pytest.fixture
def token_client(admin) -> Client:
    _, secret = services.token_create(
        actor=admin.actor, name="Importer", scopes=["write", "intake", "read"]
    )
    return Client(headers={"Authorization": f"Bearer {secret}"})


def upload(client: Client, name: str, raw: bytes, **data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"{API}/imports/", {"kind": "feedback", "file": SimpleUploadedFile(name, raw), **data}
    )


def test_a_token_uploads_previews_starts_polls_and_reads_the_report(token_client, workspace_a):
    source = Source.objects.create(workspace=workspace_a, name="Forms", channel="csv_import")
    raw = (FILES / "google_forms_responses.csv").read_bytes() + b"5/5/2024 10:00:00,x@y,3,Hi\n"

    response = upload(token_client, "forms.csv", raw, source_id=source.pk)

    assert response.status_code == 201, response.content
    draft = response.json()
    assert (draft["status"], draft["layout"]) == ("draft", "Google Forms responses")
    assert draft["reading"] == "UTF-8 text, comma separated"
    assert draft["mapping"]["body"] == "What should we build next?"
    assert draft["preview"][0]["stored"]["received_at"] == "2024-01-03T14:22:01+00:00"
    assert draft["preview"][2]["error"].startswith("Customer email")

    started = token_client.post(
        f"{API}/imports/{draft['id']}/start/", {}, content_type="application/json"
    )
    assert started.status_code == 202
    assert started.json()["status"] == "queued"
    imports.import_run(job_id=draft["id"])

    polled = token_client.get(f"{API}/imports/{draft['id']}/").json()
    assert (polled["status"], polled["created_rows"], polled["error_rows"]) == ("done", 2, 1)
    report = token_client.get(f"{API}/imports/{draft['id']}/report/").json()
    assert [(r["row"], r["kind"]) for r in report["results"]] == [(4, "error")]
    assert report["results"][0]["values"]["Email Address"] == "x@y"
    assert set(FeedbackItem.objects.values_list("source__name", flat=True)) == {"Forms"}


def test_a_file_that_cannot_be_read_gets_400_naming_the_file_and_creates_nothing(token_client):
    response = upload(token_client, "x.pdf", b"%PDF-1.7")

    assert response.status_code == 400
    assert "PDF" in response.json()["error"]["fields"]["file"][0]
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"id,text\n1,fine\n2,a\x00b\n", "Row 3 holds a NUL character"),
        (b"\r\n\r\n", "The file is empty."),
        (b"body\n", "The file has a header but no rows."),
    ],
    ids=["nul-in-utf8", "empty", "header-only"],
)
def test_a_refused_file_answers_400_with_why_and_leaves_nothing(token_client, raw, message):
    response = upload(token_client, "feedback.csv", raw)

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"][0].startswith(message)
    assert not ImportJob.objects.exists()


def test_an_excel_workbook_imports_through_the_api_with_its_dates(token_client):
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Ticket ID", "Description", "Created at", "Email"])
    sheet.append([501, "Sync with Jira", datetime(2024, 3, 5, 14, 30), "ana@initech.com"])
    sheet.append([502, "Offline mode", datetime(2024, 3, 6), "bo@initech.com"])
    buffer = BytesIO()
    book.save(buffer)

    draft = upload(token_client, "tickets.xlsx", buffer.getvalue()).json()
    assert draft["reading"] == "Excel workbook, sheet 'Sheet'"
    token_client.post(f"{API}/imports/{draft['id']}/start/", {}, content_type="application/json")
    imports.import_run(job_id=draft["id"])

    stored = {
        i.external_id: (i.body, i.received_at, i.submitter_email)
        for i in FeedbackItem.objects.all()
    }
    assert stored == {
        "501": ("Sync with Jira", datetime(2024, 3, 5, 14, 30, tzinfo=UTC), "ana@initech.com"),
        "502": ("Offline mode", datetime(2024, 3, 6, tzinfo=UTC), "bo@initech.com"),
    }


def test_an_unknown_kind_or_source_gets_400(token_client, workspace_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad_kind = token_client.post(
        f"{API}/imports/", {"kind": "spaceships", "file": SimpleUploadedFile("a.csv", b"a\n1\n")}
    )
    bad_source = upload(token_client, "a.csv", b"body\nhello\n", source_id=999999)

    assert "kind" in bad_kind.json()["error"]["fields"]
    assert "source_id" in bad_source.json()["error"]["fields"]
    assert bad_kind.status_code == bad_source.status_code == 400


def test_a_bad_mapping_or_choice_gets_400_per_field(token_client):
    draft = upload(token_client, "a.csv", b"Feedback,When\nhello,03/04/2024\n").json()

    response = token_client.post(
        f"{API}/imports/{draft['id']}/start/",
        {"mapping": {"title": "Nope"}, "choices": {"received_at": "ydm"}},
        content_type="application/json",
    )

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "body" in fields and "title" in fields


def test_the_import_endpoints_are_in_the_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in ("/imports/", "/imports/{job_id}/", "/imports/{job_id}/start/"):
        assert any(p.endswith(path) for p in paths), path
    upload_op = next(v for p, v in paths.items() if p.endswith("/imports/"))["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]


def test_listing_imports_and_a_report_run_the_same_queries_as_rows_grow(admin, count_queries):
    from tests.conftest import signed_in

    client = signed_in(admin)

    def _queries(client: Client, url: str) -> tuple[int, dict]:
        queries, response = count_queries(client, url)
        return queries, response.json()

    def job_with_bad_rows(count: int) -> ImportJob:
        raw = ("email\n" + "not-an-email\n" * count).encode()
        job = imports.import_upload(actor=admin.actor, kind="members", filename="m", raw=raw)
        imports.import_start(actor=admin.actor, job=job, mapping=job.mapping)
        imports.import_run(job_id=job.pk)
        return job

    small = job_with_bad_rows(2)
    few_list, body = _queries(client, f"{API}/imports/")
    assert len(body["results"]) == 1
    few_report, body = _queries(client, f"{API}/imports/{small.pk}/report/")
    assert len(body["results"]) == 2
    big = job_with_bad_rows(40)
    for _ in range(5):
        job_with_bad_rows(1)

    many_list, body = _queries(client, f"{API}/imports/")
    assert len(body["results"]) == 7
    many_report, body = _queries(client, f"{API}/imports/{big.pk}/report/")
    assert len(body["results"]) == 40
    assert (many_list, many_report) == (few_list, few_report)
