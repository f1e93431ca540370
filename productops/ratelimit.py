"""Fixed-window counters in the cache (Redis in production): how often a key may be hit."""

import time

from django.core.cache import cache


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
