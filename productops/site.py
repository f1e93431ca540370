"""The address the app is served at: the one place every absolute link in an email starts from.

`absolute_url(path)` is `site_url() + path`. `site_url()` is, in this order:
- SITE_URL when the environment sets it (production names its address: never a request's host);
- during a request (`ServedAt`, a middleware), that request's scheme and host, as the browser
  reached the app (the host already checked against ALLOWED_HOSTS);
- else (a worker, beat, a command) settings.SITE_URL, which `manage.py serve --addr` sets for
  its children from its address and `seed_demo --port` from its port (so `make run PORT=8123`
  mails links on :8123).
"""

import os
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_request: ContextVar[HttpRequest | None] = ContextVar("served_request", default=None)


def site_url() -> str:
    if not os.environ.get("SITE_URL"):
        request = _request.get()
        if request is not None:
            return request.build_absolute_uri("/").rstrip("/")
    return settings.SITE_URL


def absolute_url(path: str) -> str:
    """`path` (from reverse(), with its leading slash) as a full link."""
    return site_url() + path


def served_on(addr: str) -> str:
    """The site URL for a `host:port` the development server listens on (0.0.0.0: 127.0.0.1)."""
    host, _, port = addr.rpartition(":")
    if host in ("", "0.0.0.0", "[::]"):
        host = "127.0.0.1"
    return f"http://{host}:{port}"


class ServedAt:
    """Keeps the request being answered for `site_url()` (a context variable: per thread and
    per task); reading it costs nothing until an email asks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
