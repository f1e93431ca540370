"""The common exports, as those tools write them (tests/feedback/files): their columns found,
their rows read as they mean, the stored values asserted."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedback.models import FeedbackItem, Source
from productops import imports
from productops.models import ImportJob

FILES = Path(__file__).parent / "files"


def upload(actor, name: str, *, source: Source | None = None) -> ImportJob:
    options = {"source_id": source.pk} if source else None
    raw = (FILES / name).read_bytes()
    return imports.import_upload(
        actor=actor, kind="feedback", filename=name, raw=raw, options=options
    )


def finish(actor, job: ImportJob) -> ImportJob:
    imports.import_start(actor=actor, job=job, mapping=job.mapping)
    while imports.import_run(job_id=job.pk, budget_seconds=600) == "more":
        pass
    job.refresh_from_db()
    return job


def report(job: ImportJob) -> dict[int, tuple[str, str]]:
    return {r.row_number: (r.kind, r.reason) for r in job.row_errors.all()}


def test_zendesk_subjects_are_the_text_and_tags_split_on_spaces(pm):
    job = upload(pm.actor, "zendesk_tickets.csv")

    assert job.options["layout"] == "Zendesk tickets"
    assert job.mapping["body"] == "Subject"
    assert "product_area" not in job.mapping  # "Group" is a support team, not a product area
    job = finish(pm.actor, job)

    item = FeedbackItem.objects.get(external_id="4711")
    assert item.body == 'Export to CSV times out on big "All tickets" view'
    assert sorted(t.name for t in item.tags.all()) == ["csv", "export", "performance"]
    assert (item.submitter_email, item.submitter_name) == ("ana@initech.com", "Ana Silva")
    assert item.received_at == datetime(2024, 5, 1, 10, 2, 11, tzinfo=UTC)
    assert item.product_area is None
    assert job.created_rows == 2


def test_intercom_follow_ups_are_not_new_items(pm):
    job = finish(pm.actor, upload(pm.actor, "intercom_conversations.csv"))

    assert (job.created_rows, job.skipped_rows, job.error_rows) == (2, 2, 0)
    first = FeedbackItem.objects.get(external_id="215468")
    assert first.body == "Can we get SSO with Okta? Our IT requires it."
    assert first.received_at == datetime(2024, 4, 2, 8, 15, tzinfo=UTC)
    assert FeedbackItem.objects.get(external_id="215470").body == "Dark mode please 🌙"
    assert report(job)[3] == (
        "skipped",
        "A follow-up message in conversation 215468: the conversation is the item of row 2.",
    )


def test_uservoice_voter_rows_are_votes_and_the_creator_is_the_customer(pm):
    job = upload(pm.actor, "uservoice_ideas.csv")

    assert job.mapping["email"] == "ideaCreatorEmail"
    job = finish(pm.actor, job)

    assert (job.created_rows, job.skipped_rows) == (2, 2)
    idea = FeedbackItem.objects.get(external_id="881")
    assert (idea.title, idea.body) == ("Slack integration", "Post new ideas to a Slack channel")
    assert idea.submitter_email == "erin@globex.com"
    assert idea.product_area.name == "Integrations"
    assert report(job)[4] == ("skipped", "A vote on idea 881: the idea is the item of row 2.")


def test_fider_posts_keep_their_number_and_text(pm):
    job = finish(pm.actor, upload(pm.actor, "fider_posts.csv"))

    post = FeedbackItem.objects.get(external_id="17")
    assert (post.title, post.body) == ("Public API", 'A REST API, with "webhooks" too')
    assert sorted(t.name for t in post.tags.all()) == ["api", "integrations"]
    assert FeedbackItem.objects.get(external_id="18").body == "Webhooks"  # a title-only post
    assert job.created_rows == 3
    # Fider's own duplicate link becomes a merge, with a note in the report.
    assert FeedbackItem.objects.get(external_id="19").duplicate_of == post
    assert report(job)[4] == ("note", f"Merged into 17 (feedback #{post.pk}).")


def test_google_play_reviews_in_utf16_with_the_id_inside_the_link(pm):
    job = upload(pm.actor, "google_play_reviews.csv")
    preview = imports.import_preview(job=job, mapping=job.mapping)

    assert preview.reading == "UTF-16 text, comma separated"
    assert preview.layout == "Google Play reviews"
    assert preview.rows[0].stored["external_id"] == "gp:AOqpTOH1"
    assert preview.rows[0].stored["received_at"] == "2024-03-01T00:00:00+00:00"
    # Epoch milliseconds read one way only: the mapping step asks no date order.
    assert preview.questions == []
    finish(pm.actor, job)

    review = FeedbackItem.objects.get()
    assert (review.external_id, review.body) == (
        "gp:AOqpTOH1",
        "Très lent depuis la mise à jour 😞",
    )


@pytest.mark.parametrize(
    ("name", "column", "text"),
    [
        (
            "typeform_responses.csv",
            "What could we do better?",
            "Faster search, and saved filters I can share with my team",
        ),
        (
            "google_forms_responses.csv",
            "What should we build next?",
            "An offline mode for field teams",
        ),
    ],
)
def test_the_free_text_answer_of_a_form_is_the_feedback(pm, name, column, text):
    job = upload(pm.actor, name)

    assert job.mapping["body"] == column
    finish(pm.actor, job)
    assert FeedbackItem.objects.filter(body=text).exists()


def test_google_forms_timestamps_follow_one_order_for_the_column(pm):
    finish(pm.actor, upload(pm.actor, "google_forms_responses.csv"))

    # 13/03/2024 in the same column makes 3/1/2024 the 3rd of January, not March 1st.
    first = FeedbackItem.objects.get(submitter_email="kim@initech.com")
    assert first.received_at == datetime(2024, 1, 3, 14, 22, 1, tzinfo=UTC)


def test_productboard_html_notes_become_text(pm):
    job = upload(pm.actor, "productboard_notes.csv")
    preview = imports.import_preview(job=job, mapping=job.mapping)

    stored = preview.rows[0].stored
    assert stored["body"] == (
        "We need to share the roadmap with customers.\nRead-only & without internal notes."
    )
    assert stored["received_at"] == "2024-02-07T00:00:00+00:00"
    finish(pm.actor, job)
    assert FeedbackItem.objects.get().body == stored["body"]


def test_the_same_rows_in_another_source_are_noticed_not_imported_twice(pm, workspace_a):
    zendesk = Source.objects.create(workspace=workspace_a, name="Zendesk", channel="csv_import")
    finish(pm.actor, upload(pm.actor, "zendesk_tickets.csv", source=zendesk))
    other = Source.objects.create(workspace=workspace_a, name="Support", channel="csv_import")

    job = upload(pm.actor, "zendesk_tickets.csv", source=other)
    preview = imports.import_preview(job=job, mapping=job.mapping)
    assert preview.rows[0].note.startswith("Already imported through the source 'Zendesk'")
    job = finish(pm.actor, job)

    assert (job.created_rows, job.skipped_rows) == (0, 2)
    assert FeedbackItem.objects.count() == 2


def test_reimporting_into_the_same_source_creates_nothing(pm):
    finish(pm.actor, upload(pm.actor, "zendesk_tickets.csv"))

    again = finish(pm.actor, upload(pm.actor, "zendesk_tickets.csv"))

    assert (again.created_rows, again.unchanged_rows, again.skipped_rows) == (0, 2, 0)


def test_the_upload_page_takes_a_utf16_file_full_of_nul_bytes(pm):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import signed_in

    raw = (FILES / "google_play_reviews.csv").read_bytes()
    response = signed_in(pm).post(
        "/w/alpha/feedback/import/",
        {"file": SimpleUploadedFile("reviews.csv", raw), "new_source_name": "Google Play"},
    )

    assert response.status_code == 302
    page = signed_in(pm).get(response["Location"]).content.decode()
    assert "read as UTF-16 text, comma separated" in page
    assert "recognised: Google Play reviews" in page
    assert "gp:AOqpTOH1" in page
