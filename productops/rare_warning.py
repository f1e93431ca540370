"""A warning for a fault that repeats on every request (the shared cache unreachable): logged
at most once per interval in each process, so the log says it once instead of once a poll.

    CACHE_DOWN = RareWarning(logging.getLogger(__name__))
    ...
    except Exception:
        CACHE_DOWN.warn("The cache is unreachable; %s counts in memory.", what)
"""

import logging
import time

EVERY_SECONDS = 60


class RareWarning:
    """`warn(message, *args)` logs `message % args` with the exception being handled
    (`exc_info`) on `logger`, unless this instance logged less than `every_seconds` seconds
    ago (monotonic clock; one instance per kind of fault, each counted on its own)."""

    def __init__(self, logger: logging.Logger, every_seconds: float = EVERY_SECONDS):
        self.logger = logger
        self.every_seconds = every_seconds
        self.last_logged: float | None = None

    def warn(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if self.last_logged is None or now - self.last_logged >= self.every_seconds:
            self.last_logged = now
            self.logger.warning(message, *args, exc_info=True)
