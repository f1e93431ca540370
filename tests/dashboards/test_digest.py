"""The weekly digest: Monday morning in each workspace's own zone, to those who opted in, once."""

from datetime import UTC, datetime

from dashboards import digest, refresh
from productops.models import OutboundEmail, Workspace
from tests.conftest import signed_in
from tests.dashboards.writes import Writer


def test_members_opt_in_and_get_the_digest_on_monday_morning_in_their_zone_once(
    personas, admin, workspace_b
):
    workspace = admin.actor.workspace
    Workspace.objects.filter(pk=workspace.pk).update(time_zone="Pacific/Auckland")
    Workspace.objects.filter(pk=workspace_b.pk).update(time_zone="America/Los_Angeles")
    writer = Writer(admin.actor, 41)
    for _ in range(6):
        writer.intake()
    refresh.refresh_changed(workspace_id=workspace.pk)
    for persona in ("exec", "pm", "outsider"):
        response = signed_in(personas[persona]).post(
            f"/w/{'bravo' if persona == 'outsider' else 'alpha'}/dashboards/digest/",
            {"subscribed": "yes"},
        )
        assert response.status_code == 302
    signed_in(personas["pm"]).post("/w/alpha/dashboards/digest/", {"subscribed": "no"})

    # Sunday 18:00 UTC: Monday 07:00 in Auckland, Sunday 10:00 in Los Angeles.
    sunday_evening = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
    assert digest.digests_due_send(now=sunday_evening) == 1
    sent = OutboundEmail.objects.get()
    assert sent.to == "exec@alpha.test" and sent.workspace_id == workspace.pk
    assert "the week of 23 Nov" in sent.subject
    assert "Feedback volume" in sent.body and "Triage health" in sent.body
    assert "<h2>Feedback volume</h2>" in sent.html_body and "<script" not in sent.html_body
    assert "/w/alpha/dashboards/?range=custom&since=2026-11-23&until=2026-11-29" in sent.body

    # The next hourly runs send nothing more to Auckland; Los Angeles gets its own on its Monday.
    assert digest.digests_due_send(now=datetime(2026, 11, 29, 19, 3, tzinfo=UTC)) == 0
    assert digest.digests_due_send(now=datetime(2026, 11, 30, 15, 3, tzinfo=UTC)) == 1
    assert OutboundEmail.objects.filter(to="outsider@bravo.test").count() == 1
    assert digest.digests_due_send(now=datetime(2026, 11, 30, 16, 3, tzinfo=UTC)) == 0
    assert OutboundEmail.objects.count() == 2
