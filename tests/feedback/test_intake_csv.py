"""CSV import of feedback: the usual exports' columns, bad rows by number, nothing twice, 100k."""

import re
from datetime import UTC

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bench.intake_import import big_csv
from feedback.models import Account, FeedbackItem, Source, Tag
from productops import imports
from productops.imports.values import DateOrder, parse_single_moment
from productops.models import ImportJob
from tests.conftest import signed_in


def upload(actor, raw: bytes, *, source: Source | None = None, name="feedback.csv") -> ImportJob:
    options = {"source_id": source.pk} if source else None
    return imports.import_upload(
        actor=actor, kind="feedback", filename=name, raw=raw, options=options
    )


def run(actor, raw: bytes, **kwargs) -> ImportJob:
    job = upload(actor, raw, **kwargs)
    imports.import_start(actor=actor, job=job, mapping=job.mapping)
    while imports.import_run(job_id=job.pk, budget_seconds=600) == "more":
        pass
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "Ticket ID,Subject,Description,Requester,Requester email,Organization,Created at,Tags",
            {
                "external_id": "Ticket ID",
                "title": "Subject",
                "body": "Description",
                "name": "Requester",
                "email": "Requester email",
                "account_name": "Organization",
                "received_at": "Created at",
                "tags": "Tags",
            },
        ),
        (
            "Title,Details,Author Name,Author Email,Company,Created At,Board",
            {
                "title": "Title",
                "body": "Details",
                "name": "Author Name",
                "email": "Author Email",
                "account_name": "Company",
                "received_at": "Created At",
                "product_area": "Board",
            },
        ),
        (
            "Conversation ID,User email,User name,Company name,Message,Created at",
            {
                "external_id": "Conversation ID",
                "email": "User email",
                "name": "User name",
                "account_name": "Company name",
                "body": "Message",
                "received_at": "Created at",
            },
        ),
        (
            "Note title,Note text,Customer Email,Company domain,Tags,Created at",
            {
                "title": "Note title",
                "body": "Note text",
                "email": "Customer Email",
                "account_domain": "Company domain",
                "tags": "Tags",
                "received_at": "Created at",
            },
        ),
        (
            "#,Comment,Email,Submit Date (UTC)",
            {
                "external_id": "#",
                "body": "Comment",
                "email": "Email",
                "received_at": "Submit Date (UTC)",
            },
        ),
    ],
)
def test_the_usual_exports_columns_are_recognised(pm, header, expected):
    job = upload(pm.actor, f"{header}\n{','.join('x' for _ in header.split(','))}\n".encode())

    assert job.mapping == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05T14:22:01Z", "2024-03-05T14:22:01+00:00"),
        ("2024-03-05 14:22:01 UTC", "2024-03-05T14:22:01+00:00"),
        ("2024-03-05", "2024-03-05T00:00:00+00:00"),
        ("25/03/2024 09:15", "2024-03-25T09:15:00+00:00"),
        ("03/25/2024 09:15", "2024-03-25T09:15:00+00:00"),
        ("Mar 5, 2024", "2024-03-05T00:00:00+00:00"),
        ("March 5, 2024 at 2:22 PM", "2024-03-05T14:22:00+00:00"),
        ("5 March 2024", "2024-03-05T00:00:00+00:00"),
        ("1709648521", "2024-03-05T14:22:01+00:00"),
        ("1709648521000", "2024-03-05T14:22:01+00:00"),
        ("2024-03-05T14:22:01+02:00", "2024-03-05T14:22:01+02:00"),
    ],
)
@pytest.mark.parametrize("order", list(DateOrder))
def test_a_value_that_says_how_to_read_it_is_read_as_written_in_either_order(text, expected, order):
    assert parse_single_moment(text, order, UTC).isoformat() == expected


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("03/05/2024", DateOrder.MONTH_FIRST, "2024-03-05T00:00:00+00:00"),
        ("03/05/2024", DateOrder.DAY_FIRST, "2024-05-03T00:00:00+00:00"),
        ("05.03.2024 14:22", DateOrder.DAY_FIRST, "2024-03-05T14:22:00+00:00"),
        ("05.03.2024 14:22", DateOrder.MONTH_FIRST, "2024-05-03T14:22:00+00:00"),
    ],
)
def test_a_day_and_month_that_could_be_either_follow_the_given_order(text, order, expected):
    assert parse_single_moment(text, order, UTC).isoformat() == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("yesterday-ish", "'yesterday-ish' is not a date"),
        ("31/31/2024", "'31/31/2024' is not a date read month first"),
        ("02/30/2024", "'02/30/2024' is not a date read month first"),
        ("03/04/2024 25:00", "'03/04/2024 25:00' has a time of day that does not exist"),
        ("1850-01-01", "'1850-01-01' is not a date between 1900 and 2200"),
    ],
)
def test_an_unreadable_date_is_refused_with_the_value_and_why(text, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_single_moment(text, DateOrder.MONTH_FIRST, UTC)


ZENDESK = (
    "Ticket ID,Subject,Description,Requester email,Organization,Created at,Tags\n"
    "101,Export,CSV export times out,ana@initech.com,Initech,2024-05-01 10:00,export;performance\n"
    "102,,,bo@initech.com,Initech,2024-05-02 10:00,\n"
    "103,Bad mail,Something,not-an-email,,2024-05-03 10:00,\n"
    "104,Bad date,Something else,cy@hooli.com,Hooli,someday,\n"
    "105,SSO,We need SAML SSO,dee@gmail.com,,05/04/2024,security\n"
    "101,Export again,Duplicate id row,ana@initech.com,Initech,2024-05-01 10:00,\n"
)


def test_bad_rows_are_reported_by_number_and_the_good_ones_imported(pm):
    job = run(pm.actor, ZENDESK.encode())

    assert job.status == ImportJob.Status.DONE
    assert (job.created_rows, job.error_rows, job.skipped_rows) == (2, 3, 1)
    errors = dict(job.row_errors.values_list("row_number", "reason"))
    assert sorted(errors) == [3, 4, 5, 7]
    assert "empty" in errors[3]
    assert "not-an-email" in errors[4]
    assert "someday" in errors[5]
    assert errors[7] == "Another row for 101: row 2 is the one imported."
    item = FeedbackItem.objects.get(external_id="101")
    assert (item.title, item.source.name, item.source.channel) == (
        "Export",
        "CSV import",
        "csv_import",
    )
    assert sorted(t.name for t in item.tags.all()) == ["export", "performance"]
    assert item.account.name == "Initech"
    assert FeedbackItem.objects.get(external_id="105").account is None  # gmail.com
    assert FeedbackItem.objects.get(external_id="105").received_at.month == 5


def test_a_row_without_its_id_or_cut_short_is_reported_not_imported(pm):
    raw = (
        b"Ticket ID,Description,Requester email\n"
        b"201,Dark mode,ana@initech.com\n"
        b",SSO please,bo@initech.com\n"
        b"203,Exports\n"
        b"204,Audit log,cy@initech.com\n"
    )
    job = run(pm.actor, raw)

    assert (job.created_rows, job.error_rows) == (2, 2)
    errors = dict(job.row_errors.values_list("row_number", "reason"))
    assert errors[3].startswith("External id: this row has none")
    assert errors[4] == "This row has 2 cells where the header has 3: it looks cut short."
    assert sorted(FeedbackItem.objects.values_list("external_id", "body")) == [
        ("201", "Dark mode"),
        ("204", "Audit log"),
    ]


def test_reimporting_the_same_file_creates_nothing(pm):
    raw = (
        b"Feedback,Email,Date\n"
        b"Love the timeline,a@initech.com,2024-01-01\n"
        b"Hate the new icons,b@initech.com,2024-01-02\n"
        b"Hate the new icons,b@initech.com,2024-01-03\n"
    )
    first = run(pm.actor, raw)

    second = run(pm.actor, raw)

    assert (first.created_rows, second.created_rows, second.unchanged_rows) == (3, 0, 3)
    assert FeedbackItem.objects.count() == 3
    assert FeedbackItem.objects.filter(external_id__startswith="csv:").count() == 3


def test_a_file_with_ids_updates_changed_rows(pm):
    run(pm.actor, b"id,body\n1,first version\n2,unchanged\n")

    job = run(pm.actor, b"id,body\n1,second version\n2,unchanged\n3,new\n")

    assert (job.created_rows, job.updated_rows, job.unchanged_rows) == (1, 1, 1)
    assert FeedbackItem.objects.get(external_id="1").body == "second version"


def test_imported_tags_and_areas_are_reused_case_insensitively(pm, workspace_a):
    Tag.objects.create(workspace=workspace_a, name="Billing")

    run(pm.actor, b"body,tags,area\nx,billing;UI,Payments\ny,Billing,payments\n")

    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Billing", "UI"]
    assert FeedbackItem.objects.filter(product_area__name="Payments").count() == 2


def test_the_upload_page_files_the_import_into_the_chosen_source(pm, workspace_a):
    client = signed_in(pm)
    file = SimpleUploadedFile("intercom.csv", b"Message,User email\nNeed an API,x@umbrella.io\n")

    response = client.post(
        "/w/alpha/feedback/import/",
        {"file": file, "new_source_name": "Intercom export", "new_source_channel": "intercom"},
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/w/alpha/imports/{job.pk}/"
    source = Source.objects.get(name="Intercom export")
    assert (source.channel, job.options["source_id"]) == ("intercom", source.pk)
    imports.import_start(actor=pm.actor, job=job, mapping=job.mapping)
    imports.import_run(job_id=job.pk)
    assert FeedbackItem.objects.get().source == source
    assert client.get(f"/w/alpha/imports/{job.pk}/").status_code == 200


def test_the_upload_page_reports_an_unreadable_file(pm):
    response = signed_in(pm).post(
        "/w/alpha/feedback/import/",
        {"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00"), "new_source_name": "X"},
    )

    assert response.status_code == 400
    assert b"says it is UTF-16 but is not" in response.content
    assert not ImportJob.objects.exists()
    assert not Source.objects.filter(name="X").exists()  # a failed upload creates nothing


# Big files --------------------------------------------------------------------------------------

BIG_ROWS = 20_000  # bench/intake_import.py runs the same at 100,000


def test_a_big_file_imports_whole_and_reimports_creating_nothing(pm):
    # How fast is measured in `make bench` (bench/intake_import.py), as a ratio to a bare COPY.
    raw = big_csv(BIG_ROWS)

    first = run(pm.actor, raw)
    second = run(pm.actor, raw)

    assert (first.created_rows, first.error_rows) == (BIG_ROWS, 0)
    assert (second.created_rows, second.unchanged_rows) == (0, BIG_ROWS)
    assert FeedbackItem.objects.count() == BIG_ROWS
    assert Account.objects.count() == 400


def test_a_row_received_in_the_future_is_reported_not_imported(pm):
    today = timezone.now().date()
    ahead = today.replace(year=today.year + 1).isoformat()
    job = run(
        pm.actor,
        f"text,date\nYesterday's ask,{today.isoformat()}\nA year early,{ahead}\n".encode(),
    )

    assert (job.created_rows, job.error_rows) == (1, 1)
    reason = job.row_errors.get().reason
    assert f"{ahead} 00:00 UTC is in the future" in reason
    assert not FeedbackItem.objects.filter(body="A year early").exists()


def test_a_bad_row_is_reported_with_every_error_not_only_the_first(pm):
    raw = b"Ticket ID,Description,Created at,Star Rating\n801,,someday,9\n802,Fine,2024-03-04,5\n"

    job = run(pm.actor, raw)

    reason = job.row_errors.get(row_number=2).reason
    assert "someday" in reason  # the date that cannot be read
    assert "The feedback text is empty." in reason
    assert "Star rating: '9' is not a rating." in reason
    assert (job.created_rows, job.error_rows) == (1, 1)
