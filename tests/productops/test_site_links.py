"""Links in emails use the address the app is served at (productops.site): the request's when
an email is sent while answering one, else SITE_URL, which `serve --addr` and `seed_demo --port`
set from their port (`make run PORT=8123` mails links on :8123)."""

import io
import os
import re
from pathlib import Path

from django.core.management import call_command
from django.test import Client

from productops import services
from productops.models import OutboundEmail
from productops.site import served_on
from tests.conftest import ROOT, manage, signed_in


def _links(email: OutboundEmail) -> list[str]:
    return re.findall(r"https?://\S+", email.body)


def test_emails_sent_answering_a_request_link_to_the_address_it_reached(personas):
    admin = signed_in(personas["admin"])
    admin.defaults["HTTP_HOST"] = "127.0.0.1:8123"
    invited = admin.post("/w/alpha/members/invite/", {"email": "new@alpha.test", "role": "pm"})
    reset = Client(HTTP_HOST="127.0.0.1:8123").post(
        "/accounts/password/reset/", {"email": "pm@alpha.test"}
    )

    assert invited.status_code == 302 and reset.status_code == 302
    invitation = OutboundEmail.objects.get(to="new@alpha.test")
    password = OutboundEmail.objects.get(to="pm@alpha.test")
    assert [link.split("/invitations/")[0] for link in _links(invitation)] == [
        "http://127.0.0.1:8123"
    ]
    assert [link.split("/accounts/")[0] for link in _links(password)] == ["http://127.0.0.1:8123"]


def test_emails_sent_outside_a_request_link_to_site_url(personas, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    services.invitation_create(actor=personas["admin"].actor, email="w@alpha.test", role="pm")

    (link,) = _links(OutboundEmail.objects.get(to="w@alpha.test"))
    assert link.startswith("http://127.0.0.1:8123/invitations/")


def test_the_served_address_becomes_site_url():
    """`serve --addr 127.0.0.1:8123` hands its children PRODUCTOPS_SERVED_AT; settings read it
    (a SITE_URL in the environment still wins)."""
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    shown = "from django.conf import settings; print(settings.SITE_URL)"
    served = served_on("127.0.0.1:8123")
    read = manage("shell", "-c", shown, env={**env, "PRODUCTOPS_SERVED_AT": served})
    named = manage(
        "shell",
        "-c",
        shown,
        env={**env, "PRODUCTOPS_SERVED_AT": served, "SITE_URL": "https://po.example"},
    )

    assert read.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8123", read.stderr
    assert named.stdout.strip().splitlines()[-1] == "https://po.example", named.stderr
    assert served_on("0.0.0.0:9000") == "http://127.0.0.1:9000"
    # That serve hands it to its worker and beat: tests/productops/test_serve.py.


def test_the_demo_seed_sends_no_invitation_to_its_own_members(db, settings):
    before = settings.SITE_URL
    call_command("seed_demo", port=8123, stdout=io.StringIO())

    assert not OutboundEmail.objects.filter(subject__contains="invited").exists()
    assert before == settings.SITE_URL  # the seed's address lasts while it runs only


def test_every_email_link_starts_from_productops_site():
    """No module but productops/site.py reads settings.SITE_URL (one place to get it right)."""
    readers = [
        str(path.relative_to(ROOT))
        for folder in ("productops", "feedback", "planning", "inventory", "dashboards")
        for path in Path(ROOT, folder).rglob("*.py")
        if ".SITE_URL" in path.read_text() and path.name != "site.py"
    ]
    assert readers == []
