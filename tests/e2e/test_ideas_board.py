"""The ideas board in real Chromium: a card dragged to another column takes that column's status,
a status chosen with the keyboard in the card's own select moves it too and keeps the focus on
that select once the board is redrawn; no inline script or style is refused by the CSP."""

import pytest

from feedback.models import Idea
from feedback.selectors import ideas as idea_selectors
from feedback.services import ideas as idea_services
from productops import demo
from tests.e2e.conftest import settled
from tests.e2e.test_planning import _actor, open_as

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_card_moves_by_drag_and_drop_and_by_keyboard(browser, live_server):
    acme = demo.seed_platform()
    pm = _actor(acme, "pm@acme.test")
    first, second, third = idea_selectors.statuses(workspace=acme)[:3]
    idea = idea_services.idea_create(actor=pm, title="Offline mode", status=first)
    page = open_as(browser, live_server, "pm@acme.test", f"{live_server.url}/w/acme/ideas/board/")
    card = f"#card-{idea.pk}[draggable=true]"
    page.wait_for_selector(card)

    with page.expect_response(
        lambda r: f"/ideas/{idea.pk}/move/" in r.url and r.request.method == "POST", timeout=8000
    ) as moved:
        page.drag_and_drop(card, f".board-column[data-status='{second.pk}']")
    assert moved.value.status == 200
    assert Idea.objects.get(pk=idea.pk).status_id == second.pk
    page.wait_for_selector(f".board-column[data-status='{second.pk}'] #card-{idea.pk}")
    settled(page)  # the swapped board's move fields listen for change only once processed

    with page.expect_response(lambda r: f"/ideas/{idea.pk}/move/" in r.url) as moved:
        page.select_option(f"#move-{idea.pk}", str(third.pk))
    assert moved.value.status == 200
    assert Idea.objects.get(pk=idea.pk).status_id == third.pk
    page.wait_for_selector(f".board-column[data-status='{third.pk}'] #card-{idea.pk}")
    page.wait_for_function(f"document.activeElement?.id === 'move-{idea.pk}'", timeout=5000)
    assert not [p for p in page.problems if "Content Security Policy" in p]
