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


PLAY_HEADER = (
    "Package Name,App Version Code,Reviewer Language,Device,Review Submit Millis Since Epoch,"
    "Star Rating,Review Title,Review Text,Review Link"
)


def play_file(*rows: str) -> bytes:
    """A Google Play reviews report as Google writes it: UTF-16 with a BOM."""
    return ("\n".join([PLAY_HEADER, *rows]) + "\n").encode("utf-16")


def upload_raw(actor, raw: bytes, name: str = "reviews.csv") -> ImportJob:
    return imports.import_upload(actor=actor, kind="feedback", filename=name, raw=raw)


def test_google_play_star_ratings_are_stored_and_outside_one_to_five_are_bad_rows(pm):
    job = upload_raw(
        pm.actor,
        play_file(
            "com.acme.app,412,fr,a52q,1709251200000,2,,Très lent,https://p/?reviewId=gp:A1",
            "com.acme.app,412,en,pixel7,1709337600000,5,Great,Love it,https://p/?reviewId=gp:A2",
            "com.acme.app,412,de,s21,1709424000000,6,,Zu viele Sterne,https://p/?reviewId=gp:A3",
            "com.acme.app,412,es,s22,1709510400000,0,,Ninguna,https://p/?reviewId=gp:A4",
            "com.acme.app,412,it,s23,1709596800000,4.5,,Quasi,https://p/?reviewId=gp:A5",
        ),
    )
    preview = imports.import_preview(job=job, mapping=job.mapping)

    assert job.mapping["rating"] == "Star Rating"
    assert [r.stored.get("rating") for r in preview.rows[:2]] == ["2", "5"]
    assert preview.rows[2].error == (
        "Star rating: '6' is not a rating. Give a whole number from 1 to 5 stars."
    )
    job = finish(pm.actor, job)

    assert (job.created_rows, job.error_rows) == (2, 3)
    stored = dict(FeedbackItem.objects.values_list("external_id", "rating"))
    assert stored == {"gp:A1": 2, "gp:A2": 5}
    assert {n: kind for n, (kind, _) in report(job).items()} == {
        4: "error",
        5: "error",
        6: "error",
    }
    assert report(job)[6][1].startswith("Star rating: '4.5' is not a rating.")


def test_a_changed_rating_alone_updates_the_item_on_reimport(pm):
    finish(pm.actor, upload_raw(pm.actor, play_file("com.a,1,fr,d,1709251200000,2,,Lent,gp:X")))
    before = FeedbackItem.objects.get()

    again = finish(
        pm.actor, upload_raw(pm.actor, play_file("com.a,1,fr,d,1709251200000,4,,Lent,gp:X"))
    )

    after = FeedbackItem.objects.get()
    assert (again.created_rows, again.updated_rows, again.unchanged_rows) == (0, 1, 0)
    assert (after.pk, after.rating, after.version) == (before.pk, 4, before.version + 1)


def test_google_play_reviews_without_a_link_get_a_derived_id_and_reimport_adds_nothing(pm):
    raw = play_file(
        "com.acme.app,412,fr,a52q,1709251200000,2,,Très lent,",
        "com.acme.app,412,en,pixel7,1709337600000,5,Great,Love it,",
        # The same moment and text from another device is another review.
        "com.acme.app,412,en,s21,1709337600000,5,Great,Love it,",
    )
    job = upload_raw(pm.actor, raw)
    preview = imports.import_preview(job=job, mapping=job.mapping)

    shown = preview.rows[0].stored["external_id"]
    assert shown.startswith("derived:")
    assert shown.endswith(
        "(derived from Package Name, Review Submit Millis Since Epoch, Reviewer Language, "
        "Device, the text: the file gives no id)"
    )
    first = finish(pm.actor, job)
    ids = set(FeedbackItem.objects.values_list("external_id", flat=True))

    assert first.created_rows == 3
    assert len(ids) == 3 and all(i.startswith("derived:") for i in ids)
    assert shown.split(" ")[0] in ids  # the preview showed the id that was stored

    again = finish(pm.actor, upload_raw(pm.actor, raw, "reviews-again.csv"))

    assert (again.created_rows, again.updated_rows, again.unchanged_rows) == (0, 0, 3)
    assert set(FeedbackItem.objects.values_list("external_id", flat=True)) == ids
    assert FeedbackItem.objects.get(submitter_email="", body="Très lent").rating == 2


FIDER_HEADER = (
    "number,title,slug,description,created_at,created_by,votes_count,comments_count,status,"
    "response,response_date,original_number,tags"
)


def fider_post(number: int, title: str, original: str = "") -> str:
    return (
        f"{number},{title},p{number},{title} please,2024-01-05T10:00:00Z,Ivy,1,0,open,,,{original},"
    )


def test_a_fider_duplicate_whose_original_comes_in_a_later_batch_is_merged(pm):
    # Row 2 is a duplicate of post 700, which is row 521: the second batch of 500 rows.
    posts = [fider_post(1, "Dark mode", original="700")]
    posts += [fider_post(n, f"Idea {n}") for n in range(2, 520)]
    posts += [fider_post(700, "A dark theme"), fider_post(701, "Dark UI", original="700")]
    raw = ("\n".join([FIDER_HEADER, *posts]) + "\n").encode()

    job = finish(pm.actor, upload_raw(pm.actor, raw, "fider.csv"))

    original = FeedbackItem.objects.get(external_id="700")
    assert FeedbackItem.objects.get(external_id="1").duplicate_of == original
    assert FeedbackItem.objects.get(external_id="701").duplicate_of == original
    assert (job.created_rows, job.error_rows, job.noted_rows) == (521, 0, 2)
    assert report(job) == {
        2: ("note", f"Merged into 700 (feedback #{original.pk})."),
        522: ("note", f"Merged into 700 (feedback #{original.pk})."),
    }


def test_a_fider_duplicate_of_a_post_not_in_the_file_is_noted_not_merged(pm):
    raw = ("\n".join([FIDER_HEADER, fider_post(1, "Dark mode", original="99")]) + "\n").encode()

    job = finish(pm.actor, upload_raw(pm.actor, raw, "fider.csv"))

    assert FeedbackItem.objects.get(external_id="1").duplicate_of is None
    assert report(job) == {2: ("note", "Not merged: 99 is not among the imported items.")}
