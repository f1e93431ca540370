"""Runs the web server, a Celery worker and Celery beat together until Ctrl-C stops all three.

A development supervisor: a worker or beat that dies is started again after a back-off (1 s,
doubling to 30 s while it keeps dying soon after each start), with a line saying so, and the web
server stays up. If the web server itself exits (its port taken, say) everything stops, since
nothing would answer.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand

from productops.site import served_on

FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
HEALTHY_AFTER_SECONDS = 60.0  # a run this long resets the back-off
RESTARTED = ("worker", "beat")


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = FIRST_BACKOFF_SECONDS
    restart_at: float | None = None
    restarts: int = 0

    def start(self, out) -> None:
        self.process = subprocess.Popen(self.command)
        self.started_at = time.monotonic()
        self.restart_at = None
        out.write(f"{self.name} started (pid {self.process.pid}).")
        out.flush()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Command(BaseCommand):
    help = "Serves productops on http://127.0.0.1:8000 with a Celery worker and beat."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr: str, **options) -> None:
        python = sys.executable
        # Links in the emails the worker and beat send (productops.site): this address.
        os.environ["PRODUCTOPS_SERVED_AT"] = served_on(addr)
        children = [
            Child("web", [python, "manage.py", "runserver", addr, "--noreload"]),
            Child(
                "worker",
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "productops",
                    "worker",
                    "--loglevel=INFO",
                    "--concurrency=2",
                    "--without-gossip",
                    "--without-mingle",
                ],
            ),
            Child(
                "beat",
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "productops",
                    "beat",
                    "--loglevel=INFO",
                    f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
                ],
            ),
        ]
        stopping = False

        def stop(*_) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for child in children:
            child.start(self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"productops: http://{addr}/ with a Celery worker and beat. Ctrl-C stops all three."
            )
        )
        self.stdout.flush()
        try:
            while not stopping:
                for child in children:
                    stopping = self._look_after(child) or stopping
                time.sleep(0.2)
        finally:
            self._stop_all(children)

    def _look_after(self, child: Child) -> bool:
        """Restarts a dead worker or beat when its back-off is over; True to stop everything."""
        now = time.monotonic()
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.restarts += 1
                child.start(self.stdout)
            return False
        if child.running():
            return False
        code = child.process.returncode if child.process else None
        if child.name not in RESTARTED:
            self.stderr.write(f"{child.name} exited with {code}; stopping.")
            return True
        if now - child.started_at > HEALTHY_AFTER_SECONDS:
            child.backoff = FIRST_BACKOFF_SECONDS
        self.stderr.write(
            f"{child.name} exited with {code}; restarting it in {child.backoff:g} s"
            f" (restart {child.restarts + 1})."
        )
        child.restart_at = now + child.backoff
        child.backoff = min(child.backoff * 2, MAX_BACKOFF_SECONDS)
        return False

    def _stop_all(self, children: list[Child]) -> None:
        running = [c.process for c in children if c.process is not None and c.running()]
        for process in running:
            process.terminate()
        for process in running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
