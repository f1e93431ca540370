"""Personas: admin, ops lead, PM and exec of workspace A, and an outsider who is admin of B."""

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from productops import demo
from productops.access import Actor
from productops.celery import app as celery_app
from productops.models import Membership, Role, User, Workspace
from tests import checkout_clean, open_connections
from tests.factories import PASSWORD, MembershipFactory, UserFactory, WorkspaceFactory
from tests.private_redis import PrivateRedis, app_on


def pytest_sessionstart(session: pytest.Session) -> None:
    checkout_clean.record(session)


def pytest_sessionfinish(session: pytest.Session) -> None:
    checkout_clean.check(session)


@pytest.fixture(scope="session", autouse=True)
def no_connection_left_open(request, django_db_blocker):
    """After the last test, before the test database is dropped (tests/open_connections.py);
    a run without database tests makes no test database for it."""
    if not any(map(open_connections.uses_database, request.session.items)):
        yield
        return
    request.getfixturevalue("django_db_setup")  # set up first, so dropped after this check
    yield
    with django_db_blocker.unblock():
        open_connections.check()


ROLES = ["admin", "ops_lead", "pm", "exec"]
PERSONAS = ["anonymous", *ROLES, "outsider"]


@dataclass
class Persona:
    name: str
    user: User | None
    membership: Membership | None

    @property
    def actor(self) -> Actor:
        assert self.membership is not None
        return Actor.for_membership(self.membership)


@pytest.fixture(autouse=True)
def isolated_cache(settings):
    """A fresh cache namespace per test, so rate-limit counters never leak between tests."""
    prefix = f"test-{uuid.uuid4().hex}"
    # Every cache, "local" too: rate limits fall back to it while Redis is down.
    settings.CACHES = {
        name: {**conf, "KEY_PREFIX": prefix} for name, conf in settings.CACHES.items()
    }


@pytest.fixture(scope="session", autouse=True)
def private_celery_queue():
    """Tasks enqueued by tests go to a queue of this run only, never a developer's worker."""
    queue = f"productops-test-{uuid.uuid4().hex[:8]}"
    celery_app.conf.task_default_queue = queue
    return queue


@pytest.fixture
def workspace_a(db) -> Workspace:
    return WorkspaceFactory(slug="alpha", name="Alpha Inc")


@pytest.fixture
def workspace_b(db) -> Workspace:
    return WorkspaceFactory(slug="bravo", name="Bravo Ltd")


def _member(workspace: Workspace, role: str, email: str) -> Membership:
    return MembershipFactory(workspace=workspace, role=role, user=UserFactory(email=email))


@pytest.fixture
def personas(workspace_a, workspace_b) -> dict[str, Persona]:
    people = {"anonymous": Persona("anonymous", None, None)}
    for role in ROLES:
        membership = _member(workspace_a, role, f"{role}@alpha.test")
        people[role] = Persona(role, membership.user, membership)
    outsider = _member(workspace_b, Role.ADMIN, "outsider@bravo.test")
    people["outsider"] = Persona("outsider", outsider.user, outsider)
    return people


@pytest.fixture
def admin(personas) -> Persona:
    return personas["admin"]


@pytest.fixture
def ops_lead(personas) -> Persona:
    return personas["ops_lead"]


@pytest.fixture
def pm(personas) -> Persona:
    return personas["pm"]


@pytest.fixture
def exec_(personas) -> Persona:
    return personas["exec"]


@pytest.fixture
def outsider(personas) -> Persona:
    return personas["outsider"]


def count_queries_of(
    client: Client, url: str, *, status: int = 200, warm: bool = True, **options
) -> tuple[int, object]:
    """What the count_queries fixture gives, for a test module's helper that has no fixtures."""
    if warm:
        warming = client.get(url, **options)
        if warming.streaming:
            b"".join(warming.streaming_content)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **options)
        if response.streaming:
            response.streaming_content = [b"".join(response.streaming_content)]
    assert response.status_code == status, f"GET {url}: {response.status_code}"
    return len(captured), response


@pytest.fixture
def count_queries(db):
    """count_queries(client, url, **get_options) -> (queries, response): the queries one GET
    runs, after checking it answered 200 (`status=` for another answer). Every list page and
    endpoint's query-count test uses it to show the count holds as rows grow. Counted as a
    member's pages run once their sign-in is kept in the cache (productops.signed_in): after
    one uncounted GET of the same URL, so a count never depends on which GET came first.

    `warm=False` counts the first GET instead, for an answer the warming GET would change (a
    poll that grants a lease, a room part kept once rendered): the test then prepares what the
    counted GET should find itself. A streamed answer (a CSV) is read inside the count, since
    its rows are queried as it streams; its body is then `b"".join(response.streaming_content)`
    as usual. A module helper without fixtures calls count_queries_of, the same function."""
    return count_queries_of


def downloaded(response) -> str:
    """The text of a (streamed) download, as a spreadsheet would read it."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def signed_in(persona: Persona) -> Client:
    client = Client()
    if persona.user is not None:
        client.force_login(persona.user)
    return client


@pytest.fixture
def client_as(personas):
    return lambda name: signed_in(personas[name])


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing, cheap cost: the default PBKDF2 work factor would dominate the suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


ROOT = Path(__file__).resolve().parents[1]


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`python manage.py <args>` in the checkout with `env`, its output captured."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def subprocess_database_url() -> str:
    """The server's URL, naming the test database (the worker must see the test's rows)."""
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


def start_celery_worker(
    queue: str, *, redis_url: str | None, loglevel: str = "WARNING", output=subprocess.PIPE, **env
) -> subprocess.Popen:
    """A real `celery worker` process on `queue`, using the test database."""
    env = {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "CELERY_QUEUE": queue,
        # The test's cache namespace (isolated_cache), so the marks that keep a task queued once
        # (productops.queueing) are the same keys on both sides.
        "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
        **env,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "productops",
            "worker",
            "--pool=solo",
            f"--loglevel={loglevel}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_celery_worker(process: subprocess.Popen) -> str:
    """Stops the worker as Ctrl-C would; its output when it was piped."""
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output or ""


def wait_until_worker_ready(log: Path, seconds: float = 90.0) -> None:
    """Waits for the worker's "ready" line (it logs at INFO): a busy machine takes a while."""
    wait_for(lambda: re.search(r"celery@\S+ ready\.", log.read_text()), seconds)


@pytest.fixture
def worker(private_celery_queue, tmp_path):
    """A real `celery worker` on this run's queue, using the test database; mail goes to files.
    Ready before the test starts, so a test's own wait measures the work, not the start. Its
    queue is the test's own: wake-up calls left by earlier tests (hundreds, after an import) would
    otherwise be worked through first."""
    queue = f"{private_celery_queue}-{uuid.uuid4().hex[:6]}"
    celery_app.conf.task_default_queue = queue
    log = tmp_path / "worker.log"
    process = start_celery_worker(
        queue,
        redis_url=settings.REDIS_URL,
        loglevel="INFO",
        output=log.open("w"),
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    try:
        wait_until_worker_ready(log)
        yield tmp_path / "mail"
    finally:
        celery_app.conf.task_default_queue = private_celery_queue
        stop_celery_worker(process)
        if "Traceback" in log.read_text():
            print(log.read_text())


def free_port() -> int:
    """A TCP port nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the worker")


__all__ = ["PASSWORD", "PERSONAS", "ROLES", "Persona", "downloaded", "signed_in", "wait_for"]


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test only (tests/private_redis.py): `.stop()` and `.start()`."""
    server = PrivateRedis(tmp_path, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app_on_private_redis(private_redis, settings):
    """This process's cache and Celery publisher use the private Redis, as REDIS_URL would."""
    with app_on(private_redis, settings):
        yield private_redis


@pytest.fixture
def acme_demo():
    """The demo workspace `acme` with every app's demo data, as `make run` seeds it (the test
    says which database marker it runs under)."""
    workspace = demo.seed_platform()
    for _, seed in demo.seeders():
        seed(workspace)
    return workspace
