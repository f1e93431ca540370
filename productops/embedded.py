"""The embedded defaults used when DATABASE_URL / REDIS_URL are not set.

A real PostgreSQL from the pgserver wheel, kept under .data/postgres (it listens on a Unix socket
only and keeps running between commands), and a Celery broker on the file system under
.data/broker: nothing to install or start first, and nothing faked.
"""

import atexit
import json
import os
import sys
import warnings
from pathlib import Path
from types import ModuleType


def _pgserver() -> ModuleType:
    """pgserver, imported without platformdirs' "XDG_RUNTIME_DIR is not set" warning.

    Its import asks platformdirs for the user's runtime folder (for its lock file); where no
    login session set XDG_RUNTIME_DIR (a container, a CI runner, ssh without systemd)
    platformdirs falls back to /run/user/<uid> or <tmp>/runtime-<uid> and warns, once in every
    process `make run` starts. The folder is left as platformdirs picks it, so every process,
    and a server started before this, still shares the one lock.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
        import pgserver
    return pgserver


def postgres_url(data_dir: Path) -> str:
    pgserver = _pgserver()
    data_dir.mkdir(parents=True, exist_ok=True)
    forget_unreadable_handle_list(data_dir / "postgres")
    server = pgserver.get_server(data_dir / "postgres", cleanup_mode=None)
    # pgserver's exit hook rewrites its list of client pids (.handle_pids.json), which only
    # matters when the last client stops the server; ours outlives every client. On Ctrl-C the
    # web server, worker and beat exit together and their rewrites raced: tracebacks at exit,
    # and a list left empty that stopped the next `make run` with a JSONDecodeError.
    atexit.unregister(server._cleanup)
    marker = data_dir / "postgres" / ".productops-created"
    if not marker.exists():
        found = server.psql("SELECT datname FROM pg_database WHERE datname = 'productops';")
        if "(1 row)" not in found:
            server.psql("CREATE DATABASE productops;")
        marker.touch()
    return f"postgres://postgres@/productops?host={server.pgdata}"


def forget_unreadable_handle_list(pgdata: Path) -> None:
    """Deletes pgserver's list of client pids under `pgdata` when it is not a JSON list (an
    empty file, as the exit race above left it): pgserver cannot start with it, and starts a new
    list when there is none. Nothing depends on it for a server that outlives its clients."""
    server_class = _pgserver().PostgresServer
    handles = pgdata / ".handle_pids.json"
    with server_class._lock:  # the lock pgserver writes the list under, across processes
        try:
            if isinstance(json.loads(handles.read_text()), list):
                return
        except FileNotFoundError:
            return
        except (ValueError, OSError):
            pass
        handles.unlink(missing_ok=True)


def stop_postgres(data_dir: Path) -> bool:
    """Stops the embedded PostgreSQL kept under `data_dir` if it is running; True when it was.

    It outlives every command that started it (pgserver's cleanup_mode=None), so deleting its
    folder while it runs would leave a server holding deleted files: `make clean` stops it first.
    """
    pgserver = _pgserver()
    pgdata = data_dir / "postgres"
    if not (pgdata / "postmaster.pid").exists():
        return False
    # Under root pgserver runs the server as its own `pgserver` user; pg_ctl must be that user.
    user = "pgserver" if os.geteuid() == 0 else None
    # pgserver makes one function per bundled binary at import time (a module's attribute, Any).
    pgserver.pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
    return True


def broker_folders(data_dir: Path) -> dict[str, str]:
    """Every folder of kombu's file-system broker, under the data folder: its defaults are
    relative to the working directory (a `control/` folder in the checkout)."""
    queue = data_dir / "broker"
    return {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "control_folder": str(queue / "control"),
        "processed_folder": str(queue / "processed"),
    }


def make_folders(*folders: str | Path) -> None:
    """Creates the folders the app writes to at run time, so no process finds one missing (beat
    cannot create its schedule file in a folder that does not exist)."""
    for folder in folders:
        Path(folder).mkdir(parents=True, exist_ok=True)


if __name__ == "__main__":
    # `python -m productops.embedded stop [data folder]`: `make stop` (no Django, no settings,
    # so nothing starts the server it is about to stop).
    if sys.argv[1:2] != ["stop"]:
        sys.exit("usage: python -m productops.embedded stop [data folder]")
    folder = Path(sys.argv[2] if len(sys.argv) > 2 else ".data")
    stopped = stop_postgres(folder)
    print(
        f"Stopped the embedded PostgreSQL under {folder}/postgres."
        if stopped
        else f"No embedded PostgreSQL is running under {folder}/postgres."
    )
