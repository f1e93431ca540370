"""A fault met on every request (the cache unreachable) is logged once per interval, with its
traceback, not once per request: productops.rare_warning, used by ratelimit and stamps."""

import logging

from django.test import override_settings

from productops import ratelimit, stamps
from productops.rare_warning import RareWarning


def _fail_and_warn(warning: RareWarning, times: int) -> None:
    for _ in range(times):
        try:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6399")
        except ConnectionError:
            warning.warn("The cache is unreachable; %s counts in memory.", "rate limiting")


def test_a_fault_repeated_within_the_interval_is_logged_once_with_its_traceback(caplog):
    warning = RareWarning(logging.getLogger("tests.rare"), every_seconds=3600)
    with caplog.at_level(logging.WARNING, logger="tests.rare"):
        _fail_and_warn(warning, 5)
    assert [r.getMessage() for r in caplog.records] == [
        "The cache is unreachable; rate limiting counts in memory."
    ]
    assert caplog.records[0].exc_info is not None  # what failed, for whoever reads the log


def test_each_interval_logs_again_and_each_kind_of_fault_counts_on_its_own(caplog):
    every_time = RareWarning(logging.getLogger("tests.rare"), every_seconds=0)
    other = RareWarning(logging.getLogger("tests.rare"), every_seconds=3600)
    with caplog.at_level(logging.WARNING, logger="tests.rare"):
        _fail_and_warn(every_time, 3)
        _fail_and_warn(other, 2)
    assert len(caplog.records) == 3 + 1


# Nothing listens on port 1: every call to this cache fails at once with "connection refused".
UNREACHABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    },
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}


def test_with_the_cache_down_the_rate_limit_and_stamps_each_say_so_once(caplog, monkeypatch):
    for module in (ratelimit, stamps):  # as in a fresh process: nothing logged yet
        monkeypatch.setattr(module.CACHE_DOWN, "last_logged", None)
    with override_settings(CACHES=UNREACHABLE), caplog.at_level(logging.WARNING):
        counts = [ratelimit.record_failure("rare-warning-test", 60) for _ in range(5)]
        read = [stamps.read(["stamp:rare-warning-test"]) for _ in range(5)]
    assert counts == [1, 2, 3, 4, 5]  # counted in the process's memory instead
    assert read == [{}] * 5
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        (
            "productops.ratelimit",
            "The cache is unreachable; rate limiting counts in this process's memory.",
        ),
        ("productops.stamps", "The cache is unreachable; stamps read as missing."),
    ]
    assert all(r.exc_info is not None for r in caplog.records)
