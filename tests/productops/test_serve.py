"""`manage.py serve` from a clean data folder, with and without DATABASE_URL and REDIS_URL.

Each run starts the real supervisor (web server, Celery worker and beat) as a developer would,
with PRODUCTOPS_DATA_DIR pointing at an empty folder, and checks that all three come up and
stay up, that Ctrl-C stops all three, and that nothing was written into the checkout. One run
also kills the worker and beat: the supervisor starts them again and the web server stays up.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from productops import embedded
from tests.conftest import ROOT, free_port, subprocess_database_url

ADDR = f"127.0.0.1:{free_port()}"  # never a port another run or a developer uses
STARTED = re.compile(r"^(web|worker|beat) started \(pid (\d+)\)\.$")


def git_status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


class Serve:
    """A running `manage.py serve`, its output read line by line as it comes."""

    def __init__(self, env: dict[str, str]):
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--addr", ADDR],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        return "\n".join(self.lines)

    def pids(self) -> dict[str, int]:
        """The latest pid of each child, from the supervisor's own lines."""
        found = {}
        for line in list(self.lines):
            match = STARTED.match(line)
            if match:
                found[match[1]] = int(match[2])
        return found

    def wait_for(self, what: str, predicate, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate():
                return
            assert self.process.poll() is None, f"serve stopped:\n{self.output()}"
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}:\n{self.output()}")

    def ctrl_c(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            self._reader.join(timeout=5)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that exited but was not reaped yet is a zombie: dead for our purpose.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[1][0] != "Z"


def answers(path: str) -> int | None:
    try:
        with urllib.request.urlopen(f"http://{ADDR}{path}", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def worker_ready_count(serve: Serve) -> int:
    return sum(1 for line in list(serve.lines) if re.search(r"celery@\S+ ready\.", line))


def wait_until_all_three_are_up(serve: Serve, data_dir: Path) -> None:
    serve.wait_for("the web server", lambda: answers("/livez") == 200)
    serve.wait_for("the worker", lambda: worker_ready_count(serve) >= 1)
    serve.wait_for(
        "beat's schedule file", lambda: list(data_dir.glob("celerybeat-schedule*")), seconds=30
    )


def assert_all_three_stay_up(serve: Serve) -> None:
    time.sleep(2)  # beat failed within a second or two of starting when .data/ was missing
    assert "exited with" not in serve.output()
    pids = serve.pids()
    assert sorted(pids) == ["beat", "web", "worker"]
    assert all(alive(pid) for pid in pids.values()), serve.output()
    assert answers("/healthz") == 200, serve.output()


@pytest.fixture(scope="module")
def embedded_data_dir():
    """One data folder for the runs without DATABASE_URL, so the embedded PostgreSQL (slow to
    create) is made once; each run still finds every other folder missing. Under /tmp and open
    to all, since the embedded server runs as its own system user when we are root."""
    folder = Path(tempfile.mkdtemp(prefix="productops-serve-"))
    folder.chmod(0o755)
    yield folder
    embedded.stop_postgres(folder)
    shutil.rmtree(folder, ignore_errors=True)


def emptied_but_for_the_database(folder: Path) -> Path:
    for entry in folder.iterdir():
        if entry.name != "postgres":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return folder


def serve_env(data_dir: Path, *, database: bool, redis: bool) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # No XDG_RUNTIME_DIR, as in a container or over ssh without a login session.
        if key
        not in {"DATABASE_URL", "REDIS_URL", "CELERY_BEAT_SCHEDULE_FILENAME", "XDG_RUNTIME_DIR"}
    }
    env["PRODUCTOPS_DATA_DIR"] = str(data_dir)
    env["CELERY_QUEUE"] = f"serve-test-{uuid.uuid4().hex[:8]}"  # never another run's tasks
    env["PYTHONUNBUFFERED"] = "1"
    if database:
        env["DATABASE_URL"] = subprocess_database_url()
    if redis:
        env["REDIS_URL"] = settings.REDIS_URL
    return env


COMBINATIONS = [
    pytest.param(True, True, id="DATABASE_URL-and-REDIS_URL"),
    pytest.param(True, False, id="DATABASE_URL-only"),
    pytest.param(False, True, id="REDIS_URL-only"),
    pytest.param(False, False, id="neither"),
]


def kill_worker_and_beat_and_see_them_restarted(serve: Serve) -> None:
    first = serve.pids()
    os.kill(first["worker"], signal.SIGKILL)
    os.kill(first["beat"], signal.SIGKILL)
    serve.wait_for(
        "both to be started again",
        lambda: serve.pids()["worker"] != first["worker"] and serve.pids()["beat"] != first["beat"],
    )
    serve.wait_for("the new worker", lambda: worker_ready_count(serve) >= 2)
    output = serve.output()
    assert "worker exited with -9; restarting it in 1 s (restart 1)." in output
    assert "beat exited with -9; restarting it in 1 s (restart 1)." in output
    assert serve.pids()["web"] == first["web"]
    assert all(alive(pid) for pid in serve.pids().values())
    assert answers("/livez") == 200


@pytest.mark.parametrize(("database", "redis"), COMBINATIONS)
def test_serve_comes_up_from_a_clean_folder_and_stays_up(
    database, redis, db, tmp_path, embedded_data_dir
):
    if redis and not settings.REDIS_URL:
        pytest.fail("This test needs REDIS_URL for the runs with Redis (make test finds one).")
    data_dir = tmp_path / "data" if database else emptied_but_for_the_database(embedded_data_dir)
    before = git_status()

    serve = Serve(serve_env(data_dir, database=database, redis=redis))
    try:
        wait_until_all_three_are_up(serve, data_dir)
        # The links in the emails the worker and beat send name this address.
        worker_env = Path(f"/proc/{serve.pids()['worker']}/environ").read_bytes().split(b"\0")
        assert f"PRODUCTOPS_SERVED_AT=http://{ADDR}".encode() in worker_env
        assert_all_three_stay_up(serve)
        for folder in ["mail"] + ([] if redis else ["cache", "results", "broker/control"]):
            assert (data_dir / folder).is_dir(), folder
        if database and redis:  # one run is enough, and a start is slow
            kill_worker_and_beat_and_see_them_restarted(serve)
    finally:
        pids = serve.pids()
        serve.ctrl_c()

    assert serve.process.returncode == 0, serve.output()
    assert not any(alive(pid) for pid in pids.values()), "Ctrl-C left a process running"
    assert git_status() == before, "a run wrote into the checkout"
    # A first start says what it does, not platformdirs' or kombu's warnings (one per process).
    noise = [line for line in serve.lines if re.search(r"XDG_RUNTIME_DIR|No hostname", line)]
    assert noise == [], "\n".join(noise)


def make(*args: str) -> subprocess.CompletedProcess:
    """`make <args>` in the checkout with this interpreter's environment as its .venv."""
    venv = Path(sys.executable).parent.parent
    return subprocess.run(
        ["make", "--no-print-directory", *args, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_stop_stops_the_embedded_postgres_that_outlives_make_run(embedded_data_dir):
    embedded.postgres_url(embedded_data_dir)  # started as `make run` leaves it: running
    pid = int((embedded_data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
    assert alive(pid)

    stopped = make("stop", f"DATA={embedded_data_dir}")
    again = make("stop", f"DATA={embedded_data_dir}")

    assert stopped.returncode == 0, stopped.stderr
    assert "Stopped the embedded PostgreSQL" in stopped.stdout
    assert not (embedded_data_dir / "postgres" / "postmaster.pid").exists()
    assert not alive(pid)
    assert "No embedded PostgreSQL is running" in again.stdout


def run_a_client_of_the_embedded_postgres(data_dir: Path) -> subprocess.CompletedProcess:
    """A process that connects as the web server, worker and beat do, then exits; it prints its
    pid, then the database URL."""
    script = "import os, sys; from pathlib import Path; from productops import embedded; "
    script += "print(os.getpid()); print(embedded.postgres_url(Path(sys.argv[1])))"
    return subprocess.run(
        [sys.executable, "-c", script, str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_client_of_the_embedded_postgres_leaves_its_pid_list_alone_at_exit(embedded_data_dir):
    # Web server, worker and beat exit together on Ctrl-C; when each rewrote pgserver's pid list
    # at exit they raced, printed tracebacks and could leave the list empty (next test).
    client = run_a_client_of_the_embedded_postgres(embedded_data_dir)

    assert client.returncode == 0, client.stderr
    assert "Traceback" not in client.stderr
    pid = int(client.stdout.split()[0])
    handles = json.loads((embedded_data_dir / "postgres" / ".handle_pids.json").read_text())
    assert pid in handles, "written at start, not rewritten at exit"


def test_make_run_starts_after_a_run_left_the_embedded_postgres_pid_list_empty(
    embedded_data_dir,
):
    run_a_client_of_the_embedded_postgres(embedded_data_dir)
    (embedded_data_dir / "postgres" / ".handle_pids.json").write_text("")  # as Ctrl-C left it

    again = run_a_client_of_the_embedded_postgres(embedded_data_dir)

    assert again.returncode == 0, again.stderr
    assert again.stdout.split()[1].startswith("postgres://postgres@/productops?host=")


def test_make_clean_stops_the_embedded_postgres_before_deleting_its_folder():
    planned = make("-n", "clean").stdout.splitlines()  # what it would run, in order

    stop = next(i for i, line in enumerate(planned) if "productops.embedded stop" in line)
    delete = next(i for i, line in enumerate(planned) if line.startswith("rm -rf"))
    assert stop < delete and ".data" in planned[stop]


def test_make_run_serves_on_the_port_given():
    planned = make("-n", "run", "PORT=8123").stdout

    assert "manage.py serve --addr 127.0.0.1:8123" in planned
    assert "manage.py seed_demo --port 8123" in planned  # it prints the address to sign in at
