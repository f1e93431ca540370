"""Logging filters named in settings.LOGGING."""

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """A refusal (a 4xx such as a 403 for a role without the capability) is an answer the app
    meant to give, not a fault: its `django.request` record keeps its one line ("Forbidden
    (Permission denied): /w/acme/tokens/") and drops the traceback Django attaches to it."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
