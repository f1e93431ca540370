"""Fixed-window counters in the cache (Redis in production): how often a key may be hit."""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The caller's address, looking past the trusted proxies in front of the app."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if hops and len(forwarded) >= hops and forwarded[-hops]:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def failures(key: str, window_seconds: int) -> int:
    return cache.get(_bucket(key, window_seconds), 0)


def record_failure(key: str, window_seconds: int) -> int:
    bucket = _bucket(key, window_seconds)
    cache.add(bucket, 0, timeout=window_seconds)
    return cache.incr(bucket)


def retry_after(window_seconds: int) -> int:
    return window_seconds - int(time.time()) % window_seconds


def _bucket(key: str, window_seconds: int) -> str:
    return f"ratelimit:{key}:{int(time.time()) // window_seconds}"
