"""The session hook that fails a run which leaves the checkout changed (tests/checkout_clean.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

CONFTEST = """
from tests import checkout_clean


def pytest_sessionstart(session):
    checkout_clean.record(session)


def pytest_sessionfinish(session):
    checkout_clean.check(session)
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A git checkout of its own, with the suite's hooks in its conftest and one commit."""
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.test", *command],
            cwd=tmp_path,
            check=True,
        )
    return tmp_path


def _pytest(checkout: Path, test: str) -> subprocess.CompletedProcess:
    (checkout / "test_it.py").write_text(test)
    subprocess.run(["git", "add", "test_it.py"], cwd=checkout, check=True)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:django", "-p", "no:cacheprovider"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_run_that_writes_into_the_checkout_fails_naming_the_file(checkout):
    result = _pytest(
        checkout,
        "from pathlib import Path\n"
        "def test_writes():\n"
        "    Path(__file__).with_name('stray.txt').write_text('x')\n"
        "    Path(__file__).with_name('conftest.py').write_text('# changed')\n",
    )

    assert result.returncode == 1, result.stdout
    assert "1 passed" in result.stdout
    assert "The test run changed the checkout" in result.stdout
    assert "?? stray.txt" in result.stdout
    assert " M conftest.py" in result.stdout


def test_a_run_that_leaves_the_checkout_alone_passes(checkout):
    result = _pytest(checkout, "def test_reads():\n    assert 1 + 1 == 2\n")

    assert result.returncode == 0, result.stdout
    assert "changed the checkout" not in result.stdout
