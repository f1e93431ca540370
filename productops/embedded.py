"""The embedded defaults used when DATABASE_URL / REDIS_URL are not set.

A real PostgreSQL from the pgserver wheel, kept under .data/postgres (it listens on a Unix socket
only and keeps running between commands), and a Celery broker on the file system under
.data/broker: nothing to install or start first, and nothing faked.
"""

from pathlib import Path


def postgres_url(data_dir: Path) -> str:
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir / "postgres", cleanup_mode=None)
    marker = data_dir / "postgres" / ".productops-created"
    if not marker.exists():
        found = server.psql("SELECT datname FROM pg_database WHERE datname = 'productops';")
        if "(1 row)" not in found:
            server.psql("CREATE DATABASE productops;")
        marker.touch()
    return f"postgres://postgres@/productops?host={server.pgdata}"


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
