"""What an uploaded image is, read from its bytes: the workspace logo's one check.

A browser's Content-Type and a file's name are the sender's claims, so the type is read from
the file's signature, and only raster formats every browser shows are taken: PNG, JPEG, GIF and
WebP. SVG is refused: it is a document that can carry script. The file must also be whole (a
PNG ends with its IEND chunk, a JPEG with its end-of-image marker, a GIF with its trailer, a
WebP's RIFF header states its length), so a truncated upload is refused rather than stored.
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse

from productops.models import Workspace, WorkspaceLogo

LOGO_MAX_BYTES = 256 * 1024
LOGO_TYPES = "PNG, JPEG, GIF or WebP"


def _png(data: bytes) -> bool:
    return (
        data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and b"IEND" in data[-12:]
    )


def _jpeg(data: bytes) -> bool:
    return data.startswith(b"\xff\xd8\xff") and data.rstrip(b"\x00").endswith(b"\xff\xd9")


def _gif(data: bytes) -> bool:
    return data[:6] in (b"GIF87a", b"GIF89a") and data.rstrip(b"\x00").endswith(b"\x3b")


def _webp(data: bytes) -> bool:
    declared = int.from_bytes(data[4:8], "little") + 8 if len(data) >= 12 else -1
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP" and declared == len(data)


SIGNATURES = (
    ("image/png", _png),
    ("image/jpeg", _jpeg),
    ("image/gif", _gif),
    ("image/webp", _webp),
)


def logo_type(data: bytes) -> str:
    """The content type of a logo upload (`image/png`, `image/jpeg`, `image/gif` or
    `image/webp`). Raises ValidationError on `logo` when the file is empty, larger than
    LOGO_MAX_BYTES (256 KiB), or not a whole image of those types."""
    if not data:
        raise ValidationError({"logo": "The file is empty: choose an image."})
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(
            {
                "logo": f"The image is {len(data) // 1024:,} KB; a logo may be at most "
                f"{LOGO_MAX_BYTES // 1024} KB. Export it smaller (a logo shows at 32 px high)."
            }
        )
    for content_type, looks_like in SIGNATURES:
        if looks_like(data):
            return content_type
    if data.lstrip()[:5].lower() in (b"<?xml", b"<svg ") or b"<svg" in data[:1024].lower():
        raise ValidationError(
            {"logo": f"SVG is not accepted (it can carry script); upload a {LOGO_TYPES} image."}
        )
    raise ValidationError(
        {"logo": f"That file is not a whole {LOGO_TYPES} image; choose another file."}
    )


def logo_response(
    request: HttpRequest, workspace: Workspace, logo: WorkspaceLogo | None, *, public: bool
) -> HttpResponse:
    """The logo as its own type, never sniffed as anything else (nosniff, and a CSP that lets
    it run nothing). Asked for with the current `?v=` (pages always link that way) it may be
    kept for a year: a new logo is a new URL; `public` lets shared caches keep it too (the
    public pages' copy), else only the member's browser. 404 when the workspace has none."""
    if logo is None or not workspace.logo_version:
        raise Http404
    response = HttpResponse(bytes(logo.content), content_type=logo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = 'inline; filename="logo"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    current = request.GET.get("v") == workspace.logo_version
    scope = "public" if public else "private"
    response["Cache-Control"] = f"{scope}, max-age=31536000, immutable" if current else "no-cache"
    return response
