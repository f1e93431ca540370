"""The Redis cache backend (CACHES["default"] when REDIS_URL is set): Django's, keeping one
client per connection pool.

Django's RedisCacheClient makes a new `redis.Redis` for every cache call, and each one builds
its table of about 170 response callbacks: measured at 0.1-0.2 ms of CPU a call on our 2-core
machine, as much as the round trip to Redis itself, paid by every cache read in a request (the
planning poll's lease, rate limits, stamps). A `redis.Redis` on a connection pool is safe to
share between threads (each command takes a connection from the pool), and the pool already
lives as long as the backend, so the client does too. Behaviour is otherwise Django's: same
keys, same serializer, same errors.
"""

from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}  # id of a pool in self._pools -> its redis.Redis

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # not in the stubs
        client = self._clients.get(id(pool))
        if client is None:
            make = self._client  # type: ignore[attr-defined]  # redis.Redis; not in the stubs
            client = self._clients[id(pool)] = make(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
