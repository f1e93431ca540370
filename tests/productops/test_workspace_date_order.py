"""The workspace's date order: the day/month order an import starts from when a column of
numeric dates cannot tell. Admins change it in the settings; it is audited and read by imports."""

from datetime import date

from inventory.models import Contract
from productops import imports
from productops.models import AuditEvent, Workspace
from tests.conftest import signed_in

SETTINGS = "/w/alpha/settings/"
FORM = {"name": "Alpha Inc", "currency": "USD", "time_zone": "UTC"}
# 03/04/2024 and 05/06/2024 read both ways: only the workspace's order can decide.
AMBIGUOUS = b"feedback,created at\nSlow exports,03/04/2024\nDark mode,05/06/2024\n"


def test_an_admin_sets_day_first_and_it_is_stored_and_audited(admin, workspace_a):
    client = signed_in(admin)
    page = client.get(SETTINGS).content.decode()
    response = client.post(SETTINGS, {**FORM, "date_order": "dmy"})

    assert 'value="mdy" selected' in page  # the current order, shown in the form
    assert response.status_code == 302
    assert Workspace.objects.get(pk=workspace_a.pk).date_order == "dmy"
    event = AuditEvent.objects.get(verb="workspace.updated")
    assert (event.before, event.after) == ({"date_order": "mdy"}, {"date_order": "dmy"})


def test_an_unknown_order_is_refused_naming_the_field_and_nothing_changes(admin, workspace_a):
    response = signed_in(admin).post(SETTINGS, {**FORM, "date_order": "ymd"})

    assert response.status_code == 400
    assert "date_order" in response.context["form"].errors
    assert Workspace.objects.get(pk=workspace_a.pk).date_order == "mdy"
    assert not AuditEvent.objects.filter(verb="workspace.updated").exists()


def test_a_pm_cannot_change_the_order(pm, workspace_a):
    response = signed_in(pm).post(SETTINGS, {**FORM, "date_order": "dmy"})

    assert response.status_code == 403
    assert Workspace.objects.get(pk=workspace_a.pk).date_order == "mdy"


def test_an_import_starts_from_the_workspace_s_order(admin, workspace_a):
    signed_in(admin).post(SETTINGS, {**FORM, "date_order": "dmy"})
    admin.actor.workspace.refresh_from_db()
    job = imports.import_upload(actor=admin.actor, kind="feedback", filename="f.csv", raw=AMBIGUOUS)
    preview = imports.import_preview(job=job, mapping=job.mapping)

    asked = {q["field"].name: q["value"] for q in preview.questions}
    assert asked == {"received_at": "dmy"}
    assert [r.stored["received_at"] for r in preview.rows] == [
        "2024-04-03T00:00:00+00:00",
        "2024-06-05T00:00:00+00:00",
    ]


def test_the_api_tells_the_workspace_s_order(pm, workspace_a):
    workspace_a.date_order = "dmy"
    workspace_a.save()

    assert signed_in(pm).get("/api/v1/w/alpha/").json()["date_order"] == "dmy"


def test_a_tool_renewal_that_reads_both_ways_follows_the_workspace_not_day_first(ops_lead):
    raw = (
        b"Tool,Category,Billing period,Cost,Start date,Renewal date\n"
        b"Figma,Design,annual,100,03/04/2026,03/04/2027\n"
    )
    job = imports.import_upload(actor=ops_lead.actor, kind="tools", filename="t.csv", raw=raw)
    imports.import_start(actor=ops_lead.actor, job=job, mapping=job.mapping)
    imports.import_run(job_id=job.pk)

    # The workspace writes month first (its default): 4 March, not 3 April read day first.
    contract = Contract.objects.get(tool__name="Figma")
    assert (contract.start_date, contract.renewal_date) == (date(2026, 3, 4), date(2027, 3, 4))


def test_a_column_that_reads_both_ways_follows_the_order_the_file_s_other_dates_settle(ops_lead):
    # Start dates read both ways; the renewal 31/01/2028 can only be day first, so the whole
    # file is: the question starts there, not at the workspace's month-first order.
    raw = (
        b"Tool,Category,Billing period,Cost,Start date,Renewal date\n"
        b"Miro,Design,annual,100,03/04/2027,31/01/2028\n"
        b"Loom,Video,annual,100,04/03/2027,04/03/2028\n"
    )
    job = imports.import_upload(actor=ops_lead.actor, kind="tools", filename="t.csv", raw=raw)
    preview = imports.import_preview(job=job, mapping=job.mapping)

    asked = {q["field"].name: q for q in preview.questions}
    assert asked["start_date"]["value"] == "dmy"
    assert "the file's other dates read day first" in asked["start_date"]["help"]
    imports.import_start(actor=ops_lead.actor, job=job, mapping=job.mapping)
    imports.import_run(job_id=job.pk)
    miro = Contract.objects.get(tool__name="Miro")
    assert (miro.start_date, miro.renewal_date) == (date(2027, 4, 3), date(2028, 1, 31))
    loom = Contract.objects.get(tool__name="Loom")
    assert (loom.start_date, loom.renewal_date) == (date(2027, 3, 4), date(2028, 3, 4))


def test_the_same_file_again_starts_from_the_answers_it_was_imported_with(ops_lead):
    # Both columns read both ways; the first import chose day first against the workspace.
    raw = (
        b"Tool,Category,Billing period,Cost,Start date,Renewal date\n"
        b"Miro,Design,annual,100,03/04/2027,03/04/2028\n"
    )
    first = imports.import_upload(actor=ops_lead.actor, kind="tools", filename="t.csv", raw=raw)
    answers = {"start_date": "dmy", "renewal_date": "dmy"}
    imports.import_start(actor=ops_lead.actor, job=first, mapping=first.mapping, choices=answers)
    imports.import_run(job_id=first.pk)

    again = imports.import_upload(actor=ops_lead.actor, kind="tools", filename="t.csv", raw=raw)
    preview = imports.import_preview(job=again, mapping=again.mapping)
    asked = {q["field"].name: q["value"] for q in preview.questions}

    assert {field: asked[field] for field in answers} == answers
    imports.import_start(actor=ops_lead.actor, job=again, mapping=again.mapping, choices=asked)
    imports.import_run(job_id=again.pk)
    again.refresh_from_db()
    assert again.created_rows == 0
    assert Contract.objects.filter(tool__name="Miro").count() == 1
