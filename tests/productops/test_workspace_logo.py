"""An admin's workspace logo: checked by its bytes, stored in Postgres, served as its own type,
shown in the top bar and on the public roadmap and form; the name stays the wordmark without."""

import re
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from feedback.services import ideas as idea_services
from feedback.services import sources as source_services
from productops.images import LOGO_MAX_BYTES
from productops.models import AuditEvent, Workspace, WorkspaceLogo
from tests.conftest import signed_in

SETTINGS = "/w/alpha/settings/"
UPLOAD = "/w/alpha/settings/logo/"


def png(width: int = 2, height: int = 1, pad: int = 0) -> bytes:
    """A real, whole PNG of `width` x `height` grey pixels (`pad` bytes of text chunk added)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    text = chunk(b"tEXt", b"c\x00" + b"x" * pad) if pad else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + text
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _upload(client: Client, data: bytes, name: str = "logo.png", kind: str = "image/png"):
    return client.post(UPLOAD, {"logo": SimpleUploadedFile(name, data, content_type=kind)})


@pytest.fixture
def public_pages(admin):
    idea_services.roadmap_update(actor=admin.actor, enabled=True, title="Next up")
    source_services.web_form_set(actor=admin.actor, enabled=True)


def test_an_admin_uploads_a_logo_that_the_header_shows_and_the_audit_log_records(
    admin, pm, workspace_a
):
    image = png()

    response = _upload(signed_in(admin), image)

    assert response.status_code == 302
    workspace_a.refresh_from_db()
    stored = WorkspaceLogo.objects.get(workspace=workspace_a)
    assert (bytes(stored.content), stored.content_type) == (image, "image/png")
    event = AuditEvent.objects.get(workspace=workspace_a, verb="workspace.logo_set")
    assert event.after == {
        "logo": workspace_a.logo_version,
        "type": "image/png",
        "bytes": len(image),
    }
    page = signed_in(pm).get("/w/alpha/").content.decode()
    src = f"/w/alpha/logo/?v={workspace_a.logo_version}"
    assert f'<img class="workspace-logo" src="{src}" alt="">Alpha Inc' in page
    served = signed_in(pm).get(src)
    assert served.status_code == 200 and served.content == image
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in served["Cache-Control"] and "private" in served["Cache-Control"]


def test_the_public_roadmap_and_form_show_the_logo_named_for_screen_readers(
    admin, workspace_a, public_pages
):
    _upload(signed_in(admin), png())
    version = Workspace.objects.get(pk=workspace_a.pk).logo_version
    src = f"/public/alpha/logo/?v={version}"
    visitor = Client()

    for page in ("/public/alpha/roadmap/", "/public/alpha/feedback/"):
        html = visitor.get(page).content.decode()
        assert f'<img class="workspace-logo" src="{src}" alt="Alpha Inc">' in html, page
    served = visitor.get(src)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served.content == png()


def test_without_a_logo_the_public_pages_show_the_name_as_a_wordmark(workspace_a, public_pages):
    for page in ("/public/alpha/roadmap/", "/public/alpha/feedback/"):
        html = Client().get(page).content.decode()
        assert re.search(r'class="public-wordmark">Alpha Inc<', html), page
        assert "workspace-logo" not in html
    assert Client().get("/public/alpha/logo/").status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "kind", "says"),
    [
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "logo.svg",
            "image/svg+xml",
            "SVG is not accepted",
        ),
        (b"MZ\x90\x00 not an image at all", "logo.png", "image/png", "not a whole PNG, JPEG"),
        (png()[:-12], "logo.png", "image/png", "not a whole PNG, JPEG"),  # cut short
        (png(pad=LOGO_MAX_BYTES), "big.png", "image/png", "a logo may be at most 256 KB"),
    ],
    ids=["svg", "not-an-image", "truncated", "too-large"],
)
def test_a_bad_file_gets_a_clear_error_and_the_logo_stays(
    admin, workspace_a, data, name, kind, says
):
    client = signed_in(admin)
    _upload(client, png(3, 3))
    before = Workspace.objects.get(pk=workspace_a.pk).logo_version

    response = _upload(client, data, name, kind)

    assert response.status_code == 400
    assert says in response.content.decode()
    assert Workspace.objects.get(pk=workspace_a.pk).logo_version == before
    assert bytes(WorkspaceLogo.objects.get(workspace=workspace_a).content) == png(3, 3)
    assert AuditEvent.objects.filter(workspace=workspace_a, verb="workspace.logo_set").count() == 1


def test_removing_the_logo_brings_the_wordmark_back_and_is_audited(admin, workspace_a):
    client = signed_in(admin)
    _upload(client, png())
    old = Workspace.objects.get(pk=workspace_a.pk).logo_version

    response = client.post("/w/alpha/settings/logo/remove/")

    assert response.status_code == 302
    assert not WorkspaceLogo.objects.filter(workspace=workspace_a).exists()
    page = client.get("/w/alpha/").content.decode()
    assert "workspace-logo" not in page
    assert client.get(f"/w/alpha/logo/?v={old}").status_code == 404
    assert AuditEvent.objects.filter(workspace=workspace_a, verb="workspace.logo_removed").exists()


def test_only_admins_set_the_logo_and_other_workspaces_cannot_read_it(
    ops_lead, admin, outsider, workspace_a
):
    assert _upload(signed_in(ops_lead), png()).status_code == 403
    assert not WorkspaceLogo.objects.exists()
    _upload(signed_in(admin), png())
    version = Workspace.objects.get(pk=workspace_a.pk).logo_version
    # Public pages are off: the logo is the members' only, and the slug is not given away.
    assert signed_in(outsider).get(f"/w/alpha/logo/?v={version}").status_code == 404
    assert Client().get(f"/public/alpha/logo/?v={version}").status_code == 404
