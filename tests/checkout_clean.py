"""The checkout stays as the suite found it: no run and no test writes into it.

Compared is `git status --porcelain --untracked-files=all` at the start and the end of a session
(ignored paths such as `.data/`, where the embedded Postgres, broker and mail files live, do not
count). A difference fails the run, naming the files.
"""

import subprocess
from pathlib import Path

import pytest

STATUS_KEY = pytest.StashKey[str | None]()


def git_status(root: Path) -> str | None:
    """The status lines of the checkout at `root`; None outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout


def changed_lines(before: str, after: str) -> list[str]:
    """The status lines that appeared or went away between two `git status` outputs."""
    old, new = set(before.splitlines()), set(after.splitlines())
    return sorted(new - old) + sorted(f"(no longer) {line}" for line in old - new)


def record(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # once, in the main process
        session.stash[STATUS_KEY] = git_status(session.config.rootpath)


def check(session: pytest.Session) -> None:
    before = session.stash.get(STATUS_KEY, None)
    if before is None:
        return
    after = git_status(session.config.rootpath)
    if after is None or after == before:
        return
    lines = changed_lines(before, after)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    message = (
        "The test run changed the checkout (git status differs from the start); tests must write "
        "under tmp_path or the data folder:\n  " + "\n  ".join(lines) + "\n(Edited or committed "
        "these yourself while the tests ran? Run them again.)"
    )
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_sep("=", "checkout changed", red=True, bold=True)
        reporter.write_line(message)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
