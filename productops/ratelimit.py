"""Fixed-window counters in the cache (Redis in production): how often a key may be hit.

Redis is never a dependency of a request: when the shared cache cannot be reached, counting
falls back to this process's own memory (the limit then holds per process, a little looser)
and a warning says so, at most once a minute per process.
"""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest

from productops.rare_warning import RareWarning

CACHE_DOWN = RareWarning(logging.getLogger(__name__))


def client_address(request: HttpRequest) -> str:
    """The caller's address, looking past the trusted proxies in front of the app."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if hops and len(forwarded) >= hops and forwarded[-hops]:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def with_fallback[T](use: Callable[[BaseCache], T], what: str) -> T:
    """`use(cache)` on the shared cache, or on the process's local cache when that fails."""
    try:
        return use(caches["default"])
    except Exception:  # any cache failure (Redis down, timeout): count locally instead
        CACHE_DOWN.warn("The cache is unreachable; %s counts in this process's memory.", what)
        return use(caches["local"])


def failures(key: str, window_seconds: int) -> int:
    bucket = _bucket(key, window_seconds)
    return with_fallback(lambda cache: cache.get(bucket, 0), "rate limiting")


def record_failure(key: str, window_seconds: int) -> int:
    bucket = _bucket(key, window_seconds)

    def count(cache) -> int:
        cache.add(bucket, 0, timeout=window_seconds)
        return cache.incr(bucket)

    return with_fallback(count, "rate limiting")


def retry_after(window_seconds: int) -> int:
    return window_seconds - int(time.time()) % window_seconds


def _bucket(key: str, window_seconds: int) -> str:
    return f"ratelimit:{key}:{int(time.time()) // window_seconds}"
