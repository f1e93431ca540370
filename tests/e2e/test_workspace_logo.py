"""An admin gives the workspace a logo in real Chromium: it loads in the top bar and on the
public roadmap under the strict CSP, and a bad file is refused with a message beside the field."""

import pytest

from feedback.services import ideas as idea_services
from productops import demo
from productops.access import Actor
from productops.models import Membership, Role
from tests.e2e.conftest import assert_fits_phone, sign_in
from tests.productops.test_workspace_logo import png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _loaded(locator) -> bool:
    return locator.evaluate("img => img.complete && img.naturalWidth > 0")


def test_an_admin_uploads_a_logo_that_loads_in_the_header_and_on_the_public_roadmap(
    page, live_server
):
    workspace = demo.seed_platform()
    admin = Membership.objects.get(workspace=workspace, role=Role.ADMIN)
    idea_services.roadmap_update(
        actor=Actor(workspace=workspace, user=admin.user, role=Role.ADMIN), enabled=True
    )
    sign_in(page, live_server, "admin@acme.test")
    page.goto(f"{live_server.url}/w/acme/settings/")

    page.set_input_files(
        "input[name=logo]", {"name": "logo.txt", "mimeType": "image/png", "buffer": b"hello"}
    )
    page.click("#logo button[type=submit]")
    assert "not a whole PNG, JPEG, GIF or WebP image" in page.locator("#logo").inner_text()
    page.console_problems.clear()  # the refusal's own 400, which the browser logs

    page.set_input_files(
        "input[name=logo]", {"name": "logo.png", "mimeType": "image/png", "buffer": png(64, 32)}
    )
    page.click("#logo button[type=submit]")
    page.wait_for_url(f"{live_server.url}/w/acme/settings/")
    header_logo = page.locator(".switcher summary img.workspace-logo")
    header_logo.wait_for()
    assert _loaded(header_logo)
    assert_fits_phone(page)  # the logo beside the name leaves the top bar within 390 px

    page.goto(f"{live_server.url}/public/acme/roadmap/")
    public_logo = page.locator(".public-wordmark img.workspace-logo")
    assert public_logo.get_attribute("alt") == workspace.name
    assert _loaded(public_logo)
    assert_fits_phone(page)
    assert page.console_problems == []
