"""POST /api/v1/w/<slug>/feedback/ and the intake API around it: sources, accounts, contacts."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feedback.intake_item import IntakeItem
from feedback.models import Account, Channel, Contact, FeedbackItem, Source
from feedback.services import intake as intake_services
from feedback.services.processing import feedback_process_pending
from productops import services as platform
from productops.celery import app as celery_app
from productops.models import AuditEvent
from tests.conftest import signed_in

FEEDBACK = "/api/v1/w/alpha/feedback/"


def token_client(persona, *scopes: str) -> Client:
    _, raw = platform.token_create(
        actor=persona.actor, name=f"{'+'.join(scopes)} token", scopes=list(scopes)
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def intake(admin) -> Client:
    return token_client(admin, "intake")


def post(client: Client, body, key: str | None = None, url: str = FEEDBACK):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, body, content_type="application/json", headers=headers)


def test_an_intake_token_posts_one_item_and_gets_201(intake, workspace_a):
    response = post(
        intake,
        {
            "body": "The CSV export times out for our biggest project.",
            "title": "Export times out",
            "email": "Dana@Initech.com",
            "name": "Dana",
            "external_id": "zd-1001",
        },
    )

    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["result"] == "created"
    item = FeedbackItem.objects.get(pk=answer["id"])
    assert (item.title, item.external_id, item.submitter_email) == (
        "Export times out",
        "zd-1001",
        "dana@initech.com",
    )
    assert item.processed_at is None  # the background work is still to do
    assert (item.source.name, item.source.channel) == ("API", Channel.API)
    # An intake-only token reads nothing back: ids and results only.
    assert answer["source"] == {"id": item.source_id}
    assert item.contact.email == "dana@initech.com"
    assert item.account.domain == "initech.com"
    assert item.contact.account == item.account
    assert AuditEvent.objects.filter(verb="feedback.received").count() == 1


def test_the_same_external_id_sent_again_is_the_same_row(intake):
    first = post(intake, {"body": "Dark mode please", "external_id": "c-1", "source_name": "Canny"})
    same = post(intake, {"body": "Dark mode please", "external_id": "c-1", "source_name": "Canny"})
    changed = post(
        intake, {"body": "Dark mode, please!", "external_id": "c-1", "source_name": "Canny"}
    )

    assert (first.status_code, same.status_code, changed.status_code) == (201, 200, 200)
    assert [r.json()["result"] for r in (first, same, changed)] == [
        "created",
        "unchanged",
        "updated",
    ]
    assert len({r.json()["id"] for r in (first, same, changed)}) == 1
    item = FeedbackItem.objects.get()
    assert (item.body, item.version) == ("Dark mode, please!", 2)
    assert Source.objects.get().name == "Canny"


def test_the_same_external_id_in_another_source_is_another_item(intake):
    post(intake, {"body": "Same words", "external_id": "1", "source_name": "Zendesk"})
    post(intake, {"body": "Same words", "external_id": "1", "source_name": "Intercom"})

    assert FeedbackItem.objects.count() == 2


def test_an_update_keeps_the_received_time_when_none_is_sent(intake):
    first = post(intake, {"body": "v1", "external_id": "x", "received_at": "2025-01-02T03:04:05Z"})
    post(intake, {"body": "v2", "external_id": "x"})

    item = FeedbackItem.objects.get(pk=first.json()["id"])
    assert item.body == "v2"
    assert item.received_at.isoformat() == "2025-01-02T03:04:05+00:00"


def test_a_batch_stores_the_good_items_and_reports_the_bad_ones_by_index(intake):
    response = post(
        intake,
        {
            "source_name": "Typeform",
            "items": [
                {"body": "Love the new editor", "external_id": "t1"},
                {"body": "Search is slow", "email": "not-an-email"},
                {"title": "no body"},
                {"body": "Love the new editor (again)", "external_id": "t1"},
                {"body": "Please add SSO", "email": "it@globex.com"},
            ],
        },
    )

    assert response.status_code == 207
    answer = response.json()
    assert (answer["created"], answer["failed"]) == (2, 3)
    results = answer["results"]
    assert [r["result"] for r in results] == ["created", "error", "error", "error", "created"]
    assert "email" in results[1]["errors"]
    assert "body" in results[2]["errors"]
    assert "already given" in results[3]["errors"]["external_id"][0]
    assert sorted(FeedbackItem.objects.values_list("body", flat=True)) == [
        "Love the new editor",
        "Please add SSO",
    ]


def test_a_batch_where_every_item_is_bad_stores_nothing_and_answers_400(intake):
    response = post(intake, {"items": [{"body": ""}, {"email": "x@y.z"}]})

    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error["fields"]["items"]) == {"0", "1"}
    assert not FeedbackItem.objects.exists()
    assert not Source.objects.exists()  # nothing half-written, not even the "API" source


def test_a_batch_of_1000_is_taken_and_1001_is_refused_with_413(intake):
    thousand = [{"body": f"Item {n}", "external_id": f"b-{n}"} for n in range(1000)]

    accepted = post(intake, {"items": thousand})
    refused = post(intake, {"items": [*thousand, {"body": "one too many"}]})

    assert accepted.status_code == 200
    assert accepted.json()["created"] == 1000
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "too_many_items"
    assert "at most 1,000 items" in refused.json()["error"]["message"]
    assert FeedbackItem.objects.count() == 1000


def test_resending_a_batch_creates_nothing(intake):
    batch = {"items": [{"body": f"Idea {n}", "external_id": f"r-{n}"} for n in range(20)]}
    post(intake, batch)

    again = post(intake, batch)

    assert again.status_code == 200
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 20)
    assert FeedbackItem.objects.count() == 20


def test_an_intake_token_posts_but_cannot_read(intake):
    assert post(intake, {"body": "hello"}).status_code == 201
    assert intake.get(FEEDBACK).status_code == 403
    assert intake.get("/api/v1/w/alpha/sources/").status_code == 403
    assert intake.get("/api/v1/w/alpha/accounts/").status_code == 403


def test_a_read_token_cannot_post_feedback(admin):
    reader = token_client(admin, "read")

    assert post(reader, {"body": "hello"}).status_code == 403
    assert not FeedbackItem.objects.exists()


def test_members_who_may_submit_can_post_and_execs_cannot(pm, exec_):
    assert post(signed_in(pm), {"body": "From a PM's script"}).status_code == 201
    assert post(signed_in(exec_), {"body": "From an exec"}).status_code == 403
    assert FeedbackItem.objects.count() == 1


def test_a_token_of_another_workspace_gets_404(outsider):
    stranger = token_client(outsider, "intake")

    assert post(stranger, {"body": "probe"}).status_code == 404


def test_free_mail_senders_get_a_contact_but_never_an_account(intake):
    post(intake, {"body": "Nice app", "email": "someone@gmail.com"})
    post(intake, {"body": "Nice app too", "email": "other@outlook.com"})

    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        "other@outlook.com",
        "someone@gmail.com",
    ]
    assert not Account.objects.exists()
    assert not FeedbackItem.objects.exclude(account=None).exists()


def test_a_crm_account_id_links_the_item_and_the_contact(intake, workspace_a):
    crm = Account.objects.create(workspace=workspace_a, name="Globex", external_id="sf-42")

    answer = post(
        intake,
        {"body": "Need SAML", "email": "it@globex-corp.com", "account_external_id": "sf-42"},
    ).json()

    item = FeedbackItem.objects.get(pk=answer["id"])
    assert item.account == crm
    assert item.contact.account == crm
    assert Account.objects.count() == 1


def test_a_new_account_external_id_creates_the_account_with_its_name(intake):
    answer = post(
        intake,
        {
            "body": "Bulk edit",
            "email": "ana@umbrella.io",
            "account_external_id": "hs-7",
            "account_name": "Umbrella Corp",
        },
    ).json()

    account = FeedbackItem.objects.get(pk=answer["id"]).account
    assert (account.name, account.external_id, account.domain) == (
        "Umbrella Corp",
        "hs-7",
        "umbrella.io",
    )


def test_a_source_is_named_by_id_and_an_unknown_id_is_refused(intake, workspace_a, outsider):
    zendesk = Source.objects.create(workspace=workspace_a, name="Zendesk", channel="zendesk")
    theirs = Source.objects.create(workspace=outsider.membership.workspace, name="Z", channel="api")

    ok = post(intake, {"body": "x", "source": zendesk.pk})
    foreign = post(intake, {"body": "y", "source": theirs.pk})

    assert ok.status_code == 201
    assert FeedbackItem.objects.get().source == zendesk
    assert foreign.status_code == 400
    assert "source" in foreign.json()["error"]["fields"]


def test_a_source_that_is_turned_off_refuses_feedback(intake, workspace_a):
    Source.objects.create(workspace=workspace_a, name="Old", channel="api", is_active=False)

    response = post(intake, {"body": "x", "source_name": "old"})

    assert response.status_code == 400
    assert "turned off" in response.json()["error"]["fields"]["source"][0]


def test_fifty_simultaneous_posts_with_one_idempotency_key_make_one_row(transactional_db, personas):
    _, raw = platform.token_create(actor=personas["admin"].actor, name="race", scopes=["intake"])
    clients = [Client(HTTP_AUTHORIZATION=f"Bearer {raw}") for _ in range(50)]
    start = threading.Barrier(len(clients))
    payload = {"body": "Exactly once, please", "email": "race@initech.com"}

    def send(client: Client):
        try:
            start.wait(timeout=20)
            return post(client, payload, key="one-key")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        responses = list(pool.map(send, clients))

    assert [r.status_code for r in responses] == [201] * 50
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(1 for r in responses if r.get("Idempotent-Replayed") == "true") == 49
    assert FeedbackItem.objects.count() == 1
    assert Contact.objects.count() == 1
    assert Source.objects.count() == 1


@pytest.fixture
def broker_down():
    """Points the Celery app at a port where nothing listens, as if Redis were down."""
    broker_url = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        celery_app.conf.broker_url = broker_url
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def test_intake_answers_201_and_keeps_the_row_when_the_broker_is_down(
    transactional_db, personas, broker_down, caplog
):
    _, raw = platform.token_create(actor=personas["admin"].actor, name="t", scopes=["intake"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    response = post(client, {"body": "Redis is down but I still count"})

    assert response.status_code == 201
    item = FeedbackItem.objects.get(pk=response.json()["id"])
    assert item.processed_at is None  # the sweeper will find it
    assert "the sweeper will" in caplog.text


def test_the_sweeper_finds_unprocessed_items_whose_wake_up_call_was_lost(intake, workspace_a):
    from datetime import timedelta

    from django.utils import timezone

    from productops import lost_work

    post(intake, {"body": "lost message"})
    # Too fresh: its own wake-up call may still come.
    assert lost_work.find_all()["feedback_processing"] == []
    FeedbackItem.objects.update(created_at=timezone.now() - timedelta(minutes=10))

    assert lost_work.find_all()["feedback_processing"] == [workspace_a.pk]


# Accounts, contacts, sources ---------------------------------------------------------------


def test_crm_accounts_are_upserted_by_external_id(intake):
    crm = {
        "external_id": "sf-001",
        "name": "Initech",
        "domain": "www.Initech.com",
        "plan": "Enterprise",
        "segment": "Enterprise",
        "annual_revenue": "120000.00",
    }
    created = post(intake, crm, url="/api/v1/w/alpha/accounts/")
    updated = post(intake, {**crm, "annual_revenue": "150000"}, url="/api/v1/w/alpha/accounts/")

    assert (created.status_code, updated.status_code) == (201, 200)
    account = Account.objects.get()
    assert (account.domain, account.plan, str(account.annual_revenue)) == (
        "initech.com",
        "Enterprise",
        "150000.00",
    )
    assert updated.json()["id"] == created.json()["id"]


def test_a_crm_account_adopts_the_account_made_from_an_email_domain(intake):
    post(intake, {"body": "hi", "email": "bob@hooli.com"})
    guessed = Account.objects.get()

    response = post(
        intake,
        {"external_id": "sf-9", "name": "Hooli", "domain": "hooli.com"},
        url="/api/v1/w/alpha/accounts/",
    )

    assert response.status_code == 200
    guessed.refresh_from_db()
    assert (guessed.external_id, guessed.name) == ("sf-9", "Hooli")
    assert Account.objects.count() == 1


def test_an_account_needs_an_external_id_or_a_domain(intake):
    response = post(intake, {"name": "Nameless"}, url="/api/v1/w/alpha/accounts/")

    assert response.status_code == 400
    assert "external_id" in response.json()["error"]["fields"]


def test_accounts_and_contacts_are_listed_for_readers(admin, intake, workspace_a):
    post(intake, {"body": "x", "email": "a@acme-widgets.com"})
    reader = token_client(admin, "read")

    accounts = reader.get("/api/v1/w/alpha/accounts/").json()["results"]
    contacts = reader.get("/api/v1/w/alpha/contacts/").json()["results"]
    detail = reader.get(f"/api/v1/w/alpha/accounts/{accounts[0]['id']}/").json()
    sources = reader.get("/api/v1/w/alpha/sources/").json()["results"]

    assert [(a["domain"], a["item_count"], a["contact_count"]) for a in accounts] == [
        ("acme-widgets.com", 1, 1)
    ]
    assert detail["name"] == "Acme Widgets"
    assert [(c["email"], c["account_name"]) for c in contacts] == [
        ("a@acme-widgets.com", "Acme Widgets")
    ]
    assert [(s["name"], s["item_count"], s["webhook_url"]) for s in sources] == [("API", 1, None)]


def test_an_account_of_another_workspace_is_404(admin, workspace_b):
    theirs = Account.objects.create(workspace=workspace_b, name="Theirs")

    response = signed_in(admin).get(f"/api/v1/w/alpha/accounts/{theirs.pk}/")

    assert response.status_code == 404


@pytest.mark.parametrize("url", ["accounts/", "contacts/", "sources/"])
def test_list_endpoints_run_the_same_queries_for_10_and_60_rows(
    admin, workspace_a, url, count_queries
):
    client = signed_in(admin)

    def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            account = Account.objects.create(
                workspace=workspace_a, name=f"A{n}", domain=f"a{n}.test"
            )
            contact = Contact.objects.create(
                workspace=workspace_a, email=f"p{n}@a{n}.test", account=account
            )
            source = Source.objects.create(workspace=workspace_a, name=f"S{n}", channel="webhook")
            FeedbackItem.objects.create(
                workspace=workspace_a, source=source, body="x", account=account, contact=contact
            )

    add(0, 10)
    small = count_queries(client, f"/api/v1/w/alpha/{url}?limit=100")[0]
    add(10, 50)
    large = count_queries(client, f"/api/v1/w/alpha/{url}?limit=100")[0]

    assert small == large


LONG_TAG_ERROR = {"0": ["Ensure this field has no more than 60 characters."]}


def test_a_too_long_tag_is_named_with_its_message_alone_and_in_a_batch(intake):
    """A list field's errors keep their nesting by entry (they used to flatten to ["0"])."""
    item = {"body": "Tag me", "tags": ["x" * 61]}

    alone = post(intake, item)
    assert alone.status_code == 400
    assert alone.json()["error"]["fields"]["tags"] == LONG_TAG_ERROR

    batch = post(intake, {"items": [{"body": "Fine"}, item]})
    assert batch.status_code == 207
    assert batch.json()["results"][1]["errors"]["tags"] == LONG_TAG_ERROR
    assert not FeedbackItem.objects.filter(body="Tag me").exists()


def test_plain_errors_keeps_every_nested_list_fields_messages():
    from rest_framework import serializers

    from productops.api_errors import plain_errors

    class Nested(serializers.Serializer):
        tags = serializers.ListField(child=serializers.CharField(max_length=3))
        grid = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()))

    data = Nested(data={"tags": ["ok", "toolong"], "grid": [[1], [2, "x"]]})
    assert not data.is_valid()
    assert plain_errors(data.errors) == {
        "tags": {"1": ["Ensure this field has no more than 3 characters."]},
        "grid": {"1": {"1": ["A valid integer is required."]}},
    }


def test_a_star_rating_is_stored_read_back_and_checked_like_an_import(intake, admin):
    response = post(
        intake,
        {
            "items": [
                {"body": "Crashes on start", "external_id": "r1", "rating": 1},
                {"body": "Too many stars", "external_id": "r2", "rating": 6},
                {"body": "No stars given", "external_id": "r3"},
            ]
        },
    )

    assert response.status_code == 207
    results = response.json()["results"]
    assert results[1]["errors"] == {"rating": ["Ensure this value is less than or equal to 5."]}
    assert dict(FeedbackItem.objects.values_list("external_id", "rating")) == {
        "r1": 1,
        "r3": None,
    }
    item = FeedbackItem.objects.get(external_id="r1")
    read = signed_in(admin).get(f"{FEEDBACK}{item.pk}/").json()
    assert read["rating"] == 1
    listed = signed_in(admin).get(FEEDBACK).json()["results"]
    assert {r["external_id"]: r["rating"] for r in listed} == {"r1": 1, "r3": None}
    page = signed_in(admin).get(f"/w/alpha/feedback/{item.pk}/").content.decode()
    assert "1 of 5 stars" in page


def test_a_rating_alone_changing_updates_the_item_and_leaves_its_processing_done(
    intake, workspace_a
):
    post(intake, {"body": "Slow on start", "external_id": "r1", "rating": 2})
    feedback_process_pending(workspace_id=workspace_a.pk)
    before = FeedbackItem.objects.get()
    assert before.processed_at is not None

    corrected = post(intake, {"body": "Slow on start", "external_id": "r1", "rating": 4})
    left_out = post(intake, {"body": "Slow on start", "external_id": "r1"})

    assert corrected.json()["result"] == "updated"
    assert left_out.json()["result"] == "unchanged"  # no rating given: the stored one stays
    after = FeedbackItem.objects.get()
    assert (after.rating, after.version) == (4, before.version + 1)
    assert after.processed_at == before.processed_at  # processing never reads the rating


def test_ratings_cost_an_intake_no_extra_statement(intake, django_assert_num_queries):
    def batch(prefix: str, rating: int | None) -> dict:
        items = [{"body": f"Item {n}", "external_id": f"{prefix}{n}"} for n in range(5)]
        return {"items": [item | ({"rating": rating} if rating else {}) for item in items]}

    post(intake, batch("warm", None))  # the source, its first statements: out of the count
    with CaptureQueriesContext(connection) as plain:
        post(intake, batch("plain", None))
    with django_assert_num_queries(len(plain)):
        post(intake, batch("rated", 3))

    assert set(
        FeedbackItem.objects.filter(external_id__startswith="rated").values_list(
            "rating", flat=True
        )
    ) == {3}


def test_a_time_without_an_offset_is_the_workspace_wall_clock_and_answered_with_its_offset(
    admin, workspace_a
):
    workspace_a.time_zone = "Pacific/Auckland"
    workspace_a.save(update_fields=["time_zone"])
    client = token_client(admin, "intake", "read")

    naive = post(client, {"body": "Local", "received_at": "2024-06-01T09:00:00"})
    zoned = post(client, {"body": "Zoned", "received_at": "2024-06-01T09:00:00Z"})

    assert naive.status_code == zoned.status_code == 201, naive.json()
    # Auckland is UTC+12 in June: 09:00 there is 21:00 UTC the day before.
    local = FeedbackItem.objects.get(pk=naive.json()["id"])
    assert local.received_at == datetime(2024, 5, 31, 21, 0, tzinfo=UTC)
    assert FeedbackItem.objects.get(pk=zoned.json()["id"]).received_at == datetime(
        2024, 6, 1, 9, 0, tzinfo=UTC
    )
    answered = client.get(f"{FEEDBACK}{local.pk}/").json()["received_at"]
    assert answered == "2024-06-01T09:00:00+12:00"


def test_a_received_time_a_day_or_more_ahead_is_refused_and_nothing_stored(intake):
    ahead = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    response = post(intake, {"body": "From the future", "received_at": ahead.isoformat()})

    assert response.status_code == 400
    assert "is in the future" in str(response.json()["error"]["fields"]["received_at"])
    assert not FeedbackItem.objects.filter(body="From the future").exists()


def test_two_intakes_naming_one_new_sender_at_once_share_one_contact(transactional_db, personas):
    admin = personas["admin"]
    source = Source.objects.create(workspace=admin.membership.workspace, name="API", channel="api")
    first_stored, second_started = threading.Event(), threading.Event()

    def first() -> None:
        try:
            with transaction.atomic():
                intake_services.feedback_submit(
                    actor=admin.actor, source=source, items=[IntakeItem(body="A", email=SENDER)]
                )
                first_stored.set()
                second_started.wait(10)
                time.sleep(0.5)  # the second is waiting on the contact's unique email now
        finally:
            connection.close()

    def second() -> None:
        try:
            first_stored.wait(10)
            second_started.set()
            intake_services.feedback_submit(
                actor=admin.actor, source=source, items=[IntakeItem(body="B", email=SENDER)]
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(first), pool.submit(second)]:
            done.result(timeout=30)

    contact = Contact.objects.get(email=SENDER)  # one, not two
    assert set(FeedbackItem.objects.values_list("body", "contact_id")) == {
        ("A", contact.pk),
        ("B", contact.pk),
    }


SENDER = "dana@initech.com"


def test_a_product_area_name_as_long_as_its_column_is_stored_whole(intake):
    # Areas hold 80 characters; tags 60. Both were created cut to 60, so a new area of 61 to 80
    # characters was stored cut and the item was left without it.
    area = "Billing and invoicing for enterprise customers on annual contracts, EU"
    assert 60 < len(area) <= 80
    response = post(intake, {"body": "Invoices lack our VAT id.", "product_area": area})

    assert response.status_code == 201, response.json()
    item = FeedbackItem.objects.get(pk=response.json()["id"])
    assert item.product_area is not None and item.product_area.name == area
