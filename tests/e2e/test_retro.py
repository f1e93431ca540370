"""The retro board in real Chromium: a card dragged onto another makes a group, a card moved by
the keyboard's Move list joins it, and the other participant's page shows the group at its next
poll; no inline script or style is refused by the CSP on the way."""

import pytest

from planning.models import ParticipantRole, Reflection, ReflectionGroup
from planning.services import participants as participant_services
from planning.services import retro as retro_services
from planning.services import sessions as services
from productops import demo
from tests.e2e.test_planning import _actor, open_as

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def retro():
    acme = demo.seed_platform()
    pm, lead = _actor(acme, "pm@acme.test"), _actor(acme, "ops@acme.test")
    session = services.session_create(
        actor=lead,
        kind="retrospective",
        settings=services.SessionSettings(title="Sprint 9 retro", team="Core"),
    )
    participant_services.participant_join(actor=pm, session=session, role=ParticipantRole.VOTER)
    services.session_start(actor=lead, session=session)
    session.refresh_from_db()
    services.session_move_phase(actor=lead, session=session, step=1)  # reflect
    session.refresh_from_db()
    cards = [
        retro_services.reflection_add(actor=pm, session=session, position=1, text=text)
        for text in ("Builds are slow", "Flaky tests", "Too many meetings")
    ]
    services.session_move_phase(actor=lead, session=session, step=1)  # group
    session.refresh_from_db()
    return session, cards


def test_cards_are_grouped_by_drag_and_drop_and_by_keyboard(browser, live_server, retro):
    session, (slow, flaky, meetings) = retro
    url = f"{live_server.url}/w/acme/planning/{session.pk}/"
    pm = open_as(browser, live_server, "pm@acme.test", url)
    lead = open_as(browser, live_server, "ops@acme.test", url)

    pm.wait_for_selector(f"#card-{flaky.pk}[draggable=true]")
    with pm.expect_response(
        lambda r: "/move/" in r.url and r.request.method == "POST", timeout=8000
    ) as moved:
        pm.drag_and_drop(f"#card-{flaky.pk} p", f"#card-{slow.pk} p")
    assert moved.value.status == 200
    group = ReflectionGroup.objects.get(session=session)
    assert set(Reflection.objects.filter(group=group).values_list("pk", flat=True)) == {
        slow.pk,
        flaky.pk,
    }

    pm.wait_for_selector(f"[data-drop='group:{group.pk}']")
    pm.select_option(f"#move-{meetings.pk}", f"group:{group.pk}")
    with pm.expect_response(lambda r: "/move/" in r.url and r.request.method == "POST") as moved:
        pm.press(f"#move-{meetings.pk}", "Tab")
        pm.keyboard.press("Enter")
    assert moved.value.status == 200
    assert Reflection.objects.filter(group=group).count() == 3

    # The facilitator's page shows the group of three at its next poll.
    lead.wait_for_function(
        "id => document.querySelectorAll(`[data-drop='group:${id}'] .retro-card`).length === 3",
        arg=group.pk,
        timeout=5000,
    )
    assert not [p for p in pm.problems + lead.problems if "Content Security Policy" in p]
