"""A newcomer's first minutes, in real Chromium: sign in as each role and find their way."""

import pytest

from productops import demo
from productops.models import Membership
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def acme():
    return demo.seed_platform()


@pytest.mark.parametrize(
    ("email", "role", "sees_admin_areas"),
    [
        ("admin@acme.test", "Admin", True),
        ("ops@acme.test", "Ops lead", False),
        ("pm@acme.test", "PM", False),
        ("exec@acme.test", "Exec", False),
    ],
)
def test_each_demo_user_signs_in_and_sees_the_shell(
    page, live_server, acme, email, role, sees_admin_areas
):
    sign_in(page, live_server, email)
    assert page.locator("h1").first.inner_text() == "Acme Corp"
    assert page.locator(".user-menu .badge").inner_text() == role
    nav = page.locator("nav.sidebar").inner_text()
    assert "Members" in nav
    assert ("Audit log" in nav) is sees_admin_areas
    assert ("API tokens" in nav) is sees_admin_areas
    assert page.console_problems == []


def test_keyboard_shortcuts_open_the_help_and_move_between_areas(page, live_server, acme):
    sign_in(page, live_server, "admin@acme.test")
    page.keyboard.press("?")
    assert page.locator("dialog#shortcuts").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("dialog#shortcuts").is_visible()
    page.keyboard.press("g")
    page.keyboard.press("m")
    page.wait_for_url(f"{live_server.url}/w/acme/members/")
    assert page.locator("#members tbody tr").count() == 4


def test_an_admin_changes_a_role_without_a_page_reload(page, live_server, acme):
    sign_in(page, live_server, "admin@acme.test")
    page.goto(f"{live_server.url}/w/acme/members/")
    pm = Membership.objects.get(workspace=acme, user__email="pm@acme.test")
    page.evaluate("window.__stayed = true")
    with page.expect_response(lambda response: response.url.endswith(f"/{pm.pk}/role/")) as r:
        page.select_option(f"#member-{pm.pk} select[name=role]", "ops_lead")
    assert r.value.status == 200
    page.wait_for_selector(f"#member-{pm.pk} select[name=role]")
    assert page.evaluate("window.__stayed") is True
    assert page.locator(f"#member-{pm.pk} select[name=role]").input_value() == "ops_lead"
    pm.refresh_from_db()
    assert pm.role == "ops_lead"
    assert page.console_problems == []
