"""What the console (the `serve` log) shows for a refused request: one line, no traceback."""

import io
import logging

import pytest

from tests.conftest import signed_in


@pytest.fixture
def console(settings):
    """Every stream handler a `django.request` record reaches, writing into one buffer, with
    DEBUG on as under `serve` (Django's own console handler only prints then)."""
    settings.DEBUG = True
    buffer = io.StringIO()
    logger: logging.Logger | None = logging.getLogger("django.request")
    restore = []
    while logger is not None:
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:  # the settings' (pytest adds its own)
                restore.append((handler, handler.setStream(buffer)))
        logger = logger.parent if logger.propagate else None
    yield buffer
    for handler, stream in restore:
        handler.setStream(stream)


def test_a_403_logs_one_line_without_a_traceback(pm, workspace_a, console):
    response = signed_in(pm).get(f"/w/{workspace_a.slug}/tokens/")

    assert response.status_code == 403
    lines = console.getvalue().splitlines()
    assert len(lines) == 1, console.getvalue()
    assert lines[0].endswith(
        f"WARNING django.request Forbidden (Permission denied): /w/{workspace_a.slug}/tokens/"
    )


def test_a_server_error_keeps_its_traceback(console):
    # Logged as Django logs a 500 (django.utils.log.log_response): the one case a traceback is for.
    try:
        raise RuntimeError("the audit log is broken")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: %s",
            "/w/alpha/audit/",
            exc_info=True,
            extra={"status_code": 500},
        )

    text = console.getvalue()
    assert text.count("ERROR django.request Internal Server Error: /w/alpha/audit/") == 1
    assert text.count("Traceback") == 1
    assert "RuntimeError: the audit log is broken" in text
