"""A worker whose process the dashboards' tests hold (to kill it mid-refresh)."""

from contextlib import contextmanager

from django.conf import settings

from tests.conftest import start_celery_worker, stop_celery_worker


@contextmanager
def worker_process(queue: str, redis_url: str | None = None):
    """A real celery worker on `queue`; yields the process so a test can kill it."""
    process = start_celery_worker(queue, redis_url=redis_url or settings.REDIS_URL)
    try:
        yield process
    finally:
        if process.poll() is None:
            output = stop_celery_worker(process)
            if "Traceback" in output:
                print(output)
