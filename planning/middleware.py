"""The unchanged planning poll, answered from its lease before the rest of the stack runs.

Every open room page polls once a second, and nearly every poll finds nothing changed: the
lease in the cache says so (planning/poll_lease.py, one cache read). Answering that 204 needs
none of what the rest of the middleware and the URL resolver do (load a session, set up CSRF,
auth, messages and htmx, search the URL patterns: together more CPU than the lease's cache
read), so this middleware, placed after the security headers (SecurityMiddleware, the CSP) and
the edge's refusal of unstorable text and before the session, answers it. The answer is the
view's 204 exactly: the same headers (no-store, Vary: Cookie, X-Frame-Options, a
Content-Length of 0), the Host checked as CommonMiddleware checks it. Anything else, and every
poll the lease does not vouch for, goes on through the stack to the view
(planning.views.room.session_poll), the full way.
"""

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date

from planning import poll_lease

# The path of "planning_poll" (planning/urls.py under productops/urls.py's w/<slug:slug>/):
# slug and int as Django's converters match them; a test holds the two together.
POLL_PATH = re.compile(r"/w/(?P<slug>[-a-zA-Z0-9_]+)/planning/(?P<session_id>[0-9]+)/poll/")


def seen_version(request: HttpRequest) -> int:
    """The version the page shows (`?v=`); 0 when absent or not a whole number."""
    try:
        return int(request.GET.get("v", ""))
    except ValueError:
        return 0


def unchanged() -> HttpResponse:
    """The poll's 204 with the headers the view's answer gets on its way out (never_cache, the
    session's Vary, X-Frame-Options, CommonMiddleware's Content-Length), written directly:
    Django's header helpers parse and merge, which cost more than the lease's read here."""
    return HttpResponse(
        status=204,
        headers={
            "Expires": http_date(),
            "Cache-Control": "max-age=0, no-cache, no-store, must-revalidate, private",
            "Vary": "Cookie",
            "X-Frame-Options": settings.X_FRAME_OPTIONS,
            "Content-Length": "0",
        },
    )


class UnchangedPoll:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET":
            match = POLL_PATH.fullmatch(request.path_info)
            if match is not None:
                request.get_host()  # an unknown Host is refused (400), as CommonMiddleware does
                if poll_lease.holds(
                    request,
                    slug=match["slug"],
                    session_id=int(match["session_id"]),
                    seen=seen_version(request),
                ):
                    return unchanged()
        return self.get_response(request)
