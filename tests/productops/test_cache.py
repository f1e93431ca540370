"""The Redis cache backend (productops/cache.py): Django's, with one client per pool."""

import pytest
import redis
from django.core.cache import caches


def test_the_redis_cache_keeps_one_client_and_reads_and_writes_as_djangos(app_on_private_redis):
    cache = caches["default"]
    client = cache._cache.get_client()
    assert cache._cache.get_client("any key", write=True) is client
    cache.set("kept", {"a": 1}, timeout=30)
    cache.set("count", 3, timeout=30)
    assert cache.get("kept") == {"a": 1}
    assert cache.get_many(["kept", "count", "absent"]) == {"kept": {"a": 1}, "count": 3}
    assert cache.incr("count") == 4
    assert cache._cache.get_client() is client


def test_the_kept_client_reconnects_after_redis_restarts(app_on_private_redis):
    cache = caches["default"]
    cache.set("kept", "before", timeout=30)
    app_on_private_redis.stop()
    with pytest.raises(redis.ConnectionError):
        cache.get("kept")
    app_on_private_redis.start()
    assert cache.get("kept") is None  # a fresh server: nothing kept, and no error
    cache.set("kept", "after", timeout=30)
    assert cache.get("kept") == "after"
