"""The intake pages: sources, secrets and mappings, manual entry, and the public feedback form."""

import time

import pytest
from django.test import Client

from feedback.forms.intake import started_token
from feedback.models import Account, Channel, FeedbackItem, Source
from feedback.services import sources as source_services
from feedback.views import intake as views
from productops.models import AuditEvent
from tests.conftest import signed_in

SCRIPT = '<script>alert("x")</script>'
PUBLIC = "/public/alpha/feedback/"


# Sources ---------------------------------------------------------------------------------------


def test_an_ops_lead_adds_a_webhook_source_and_sees_its_secret_once(ops_lead):
    client = signed_in(ops_lead)

    created = client.post("/w/alpha/feedback/sources/", {"name": "Help desk", "channel": "webhook"})
    source = Source.objects.get()
    shown = client.get(created["Location"])
    later = client.get(f"/w/alpha/feedback/sources/{source.pk}/")  # a reload: GET, nothing new

    assert created.status_code == 302
    assert created["Location"] == f"/w/alpha/feedback/sources/{source.pk}/"
    assert source.webhook_secret.encode() in shown.content
    assert b"Source Help desk created." in shown.content
    assert f"/api/v1/w/alpha/sources/{source.pk}/webhook/".encode() in shown.content
    assert later.status_code == 200 and Source.objects.count() == 1
    assert source.webhook_secret.encode() not in later.content
    assert source.webhook_secret[:10].encode() in later.content  # a hint, to tell secrets apart


def test_a_webhook_source_says_how_its_dates_are_read(ops_lead, workspace_a):
    workspace_a.date_order, workspace_a.time_zone = "dmy", "Pacific/Auckland"
    workspace_a.save(update_fields=["date_order", "time_zone"])
    source, _ = source_services.source_create(
        actor=ops_lead.actor, name="Help desk", channel=Channel.WEBHOOK
    )

    page = signed_in(ops_lead).get(f"/w/alpha/feedback/sources/{source.pk}/").content.decode()

    assert "the workspace's date order, day first (31/01/2027)" in page
    assert "the workspace's time zone, Pacific/Auckland" in page


def test_rotating_shows_the_new_secret_once_and_audits_it(admin):
    source, old = source_services.source_create(actor=admin.actor, name="Hook", channel="webhook")

    client = signed_in(admin)
    response = client.post(f"/w/alpha/feedback/sources/{source.pk}/rotate-secret/")
    shown, reloaded = client.get(response["Location"]), client.get(response["Location"])

    source.refresh_from_db()
    assert response.status_code == 302
    assert source.webhook_secret != old
    assert source.webhook_secret.encode() in shown.content
    assert source.webhook_secret.encode() not in reloaded.content
    assert AuditEvent.objects.filter(verb="source.secret_rotated").count() == 1
    assert old not in str(AuditEvent.objects.values_list("after", flat=True))


def test_the_mapping_editor_saves_paths_and_explains_bad_ones(admin):
    source, _ = source_services.source_create(actor=admin.actor, name="Hook", channel="webhook")
    client = signed_in(admin)
    form = {
        "name": "Hook",
        "is_active": "on",
        "map_body": "data.message",
        "map_email": "user.email",
    }

    saved = client.post(f"/w/alpha/feedback/sources/{source.pk}/", form)
    refused = client.post(f"/w/alpha/feedback/sources/{source.pk}/", {**form, "map_title": "a..b"})

    assert saved.status_code == 302
    source.refresh_from_db()
    assert source.field_mapping == {"body": "data.message", "email": "user.email"}
    assert refused.status_code == 400
    assert b"is not a path" in refused.content


def test_a_source_can_name_a_tool_of_its_workspace_only(admin, workspace_a, workspace_b):
    from inventory.models import Tool

    ours = Tool.objects.create(workspace=workspace_a, name="Zendesk", category="Support")
    theirs = Tool.objects.create(workspace=workspace_b, name="Intercom", category="Support")
    source, _ = source_services.source_create(actor=admin.actor, name="Tickets", channel="zendesk")
    client = signed_in(admin)

    ok = client.post(
        f"/w/alpha/feedback/sources/{source.pk}/", {"name": "Tickets", "tool": ours.pk}
    )
    bad = client.post(
        f"/w/alpha/feedback/sources/{source.pk}/", {"name": "Tickets", "tool": theirs.pk}
    )

    source.refresh_from_db()
    assert (ok.status_code, bad.status_code) == (302, 400)
    assert source.tool == ours


def test_the_sources_page_lists_counts_with_constant_queries(admin, workspace_a, count_queries):
    client = signed_in(admin)

    def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            source = Source.objects.create(workspace=workspace_a, name=f"S{n}", channel="api")
            FeedbackItem.objects.create(workspace=workspace_a, source=source, body="x")

    def queries() -> int:
        return count_queries(client, "/w/alpha/feedback/sources/")[0]

    add(0, 10)
    small = queries()
    add(10, 50)
    assert queries() == small


def test_a_pm_cannot_manage_sources(pm):
    assert signed_in(pm).get("/w/alpha/feedback/sources/").status_code == 403
    assert (
        signed_in(pm).post("/w/alpha/feedback/sources/web-form/", {"enabled": "on"}).status_code
        == 403
    )


# Manual entry ----------------------------------------------------------------------------------


def test_a_pm_writes_down_feedback_by_hand(pm, workspace_a):
    account = Account.objects.create(workspace=workspace_a, name="Initech")

    response = signed_in(pm).post(
        "/w/alpha/feedback/new/",
        {
            "title": "Wants SSO",
            "body": "Told me on the QBR call they need Okta SSO",
            "email": "cto@initech.com",
            "account": account.pk,
        },
    )

    assert response.status_code == 302
    item = FeedbackItem.objects.get()
    assert (item.title, item.source.channel, item.account) == ("Wants SSO", Channel.MANUAL, account)
    assert item.contact.email == "cto@initech.com"
    assert AuditEvent.objects.filter(verb="feedback.created").count() == 1


def test_manual_entry_needs_a_body_and_keeps_what_was_typed(pm):
    response = signed_in(pm).post("/w/alpha/feedback/new/", {"title": "Half typed", "body": ""})

    assert response.status_code == 400
    assert b"Half typed" in response.content
    assert not FeedbackItem.objects.exists()


def test_an_exec_cannot_enter_feedback(exec_):
    assert signed_in(exec_).post("/w/alpha/feedback/new/", {"body": "x"}).status_code == 403


# The public form -------------------------------------------------------------------------------


@pytest.fixture
def open_form(admin):
    return source_services.web_form_set(actor=admin.actor, enabled=True)


def send(client: Client, body="The mobile app logs me out every day", **extra):
    data = {
        "body": body,
        "email": "visitor@stark.com",
        "started": started_token("alpha", time.time() - 30),
        **extra,
    }
    return client.post(PUBLIC, data)


def test_a_closed_form_answers_404(admin):
    assert Client().get(PUBLIC).status_code == 404
    source_services.web_form_set(actor=admin.actor, enabled=True)
    source_services.web_form_set(actor=admin.actor, enabled=False)
    assert Client().get(PUBLIC).status_code == 404
    assert Client().post(PUBLIC, {"body": "x"}).status_code == 404
    assert Client().get("/public/nowhere/feedback/").status_code == 404


def test_the_toggle_on_the_sources_page_opens_the_form(admin):
    response = signed_in(admin).post("/w/alpha/feedback/sources/web-form/", {"enabled": "on"})

    assert response.status_code == 302
    assert Source.objects.get().channel == Channel.WEB_FORM
    assert Client().get(PUBLIC).status_code == 200


def test_a_visitor_sends_feedback_without_signing_in(open_form):
    client = Client()
    page = client.get(PUBLIC)

    response = send(client)

    assert page.status_code == 200
    assert b"Feedback for Alpha Inc" in page.content
    assert response.status_code == 302
    assert client.get(response["Location"]).content.count(b"Thank you") == 1
    item = FeedbackItem.objects.get()
    assert (item.status, item.source, item.submitter_email) == (
        "new",
        open_form,
        "visitor@stark.com",
    )
    assert item.contact.email == "visitor@stark.com"
    assert item.account is None  # anyone can type any address: the form never makes accounts


def test_the_form_matches_an_existing_account_by_domain(open_form, workspace_a):
    stark = Account.objects.create(workspace=workspace_a, name="Stark", domain="stark.com")

    send(Client())

    assert FeedbackItem.objects.get().account == stark


def test_a_filled_honeypot_is_kept_as_spam_and_thanked_alike(open_form):
    response = send(Client(), website="http://cheap-pills.example")

    assert response.status_code == 302
    item = FeedbackItem.objects.get()
    assert item.status == "spam"
    assert item.contact is None


def test_a_form_sent_back_too_fast_is_spam(open_form):
    send(Client(), started=started_token("alpha", time.time()))

    assert FeedbackItem.objects.get().status == "spam"


def test_a_forged_or_missing_timestamp_is_spam(open_form):
    send(Client(), started="1700000000:forged")

    assert FeedbackItem.objects.get().status == "spam"


def test_a_visitor_gets_429_with_retry_after_beyond_the_limit(open_form):
    client = Client()
    answers = [send(client, body=f"Message {n}").status_code for n in range(6)]

    assert answers == [302] * 5 + [429]
    blocked = send(client, body="one more")
    assert int(blocked["Retry-After"]) > 0
    assert b"try again" in blocked.content
    assert FeedbackItem.objects.count() == 5


def test_another_address_is_not_limited(open_form):
    for n in range(5):
        send(Client(REMOTE_ADDR="10.0.0.1"), body=f"Message {n}")

    assert send(Client(REMOTE_ADDR="10.0.0.2")).status_code == 302


def test_a_body_over_the_limit_is_refused_with_413(open_form):
    response = send(Client(), body="x" * (views.PUBLIC_MAX_BODY_CHARS + 1))

    assert response.status_code == 413
    assert not FeedbackItem.objects.exists()


def test_an_empty_body_is_explained(open_form):
    response = send(Client(), body="")

    assert response.status_code == 400
    assert b"This field is required" in response.content


def test_the_public_form_keeps_to_the_strict_csp(open_form):
    response = Client().get(PUBLIC)

    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert " style=" not in html
    assert "<script>" not in html
    assert 'name="viewport"' in html


# Script payloads are inert --------------------------------------------------------------------


def test_script_payloads_are_inert_on_intake_pages(admin, open_form, workspace_a):
    source, _ = source_services.source_create(actor=admin.actor, name=SCRIPT, channel="webhook")
    Account.objects.create(workspace=workspace_a, name=SCRIPT)
    client = signed_in(admin)

    pages = [
        client.get("/w/alpha/feedback/sources/"),
        client.get(f"/w/alpha/feedback/sources/{source.pk}/"),
        client.get("/w/alpha/feedback/new/"),
        client.get("/w/alpha/feedback/import/"),
        client.post("/w/alpha/feedback/new/", {"title": SCRIPT, "body": ""}),
        send(Client(), body="", title=SCRIPT),
    ]

    for response in pages:
        assert SCRIPT.encode() not in response.content
    assert b"&lt;script&gt;" in pages[0].content
    assert b"&lt;script&gt;" in pages[4].content


def test_a_source_without_a_secret_is_created_with_a_redirect_and_keeps_nothing(ops_lead):
    client = signed_in(ops_lead)

    created = client.post("/w/alpha/feedback/sources/", {"name": "Calls", "channel": "manual"})
    shown = client.get(created["Location"])

    assert created.status_code == 302 and b"Source Calls created." in shown.content
    assert b"Copy the signing secret now" not in shown.content
    assert "shown_once" not in client.session
