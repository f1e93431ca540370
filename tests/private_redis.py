"""A redis-server of one test only, on a free port, that the test may stop and start again (the
shared Redis of the machine is never stopped); and this process's cache and Celery publisher on
it, as REDIS_URL would set them."""

import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import redis

from productops.celery import app as celery_app


class PrivateRedis:
    """A redis-server started and stopped at will on one port."""

    def __init__(self, folder: Path, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while not self._answers(client):
            if time.monotonic() > deadline:
                raise AssertionError(f"redis-server did not answer on port {self.port}")
            time.sleep(0.05)

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _reset_celery_pools() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def app_on(server: PrivateRedis, settings):
    """The cache and the Celery publisher of this process on `server` for the block."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "productops.cache.RedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "private-redis",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        },
    }
    saved = celery_app.conf.broker_url, celery_app.conf.broker_transport_options
    celery_app.conf.broker_url = server.url
    celery_app.conf.broker_transport_options = settings.REDIS_BROKER_TRANSPORT_OPTIONS
    _reset_celery_pools()
    try:
        yield server
    finally:
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved
        _reset_celery_pools()
