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
    queue = data_dir / "broker"
    queue.mkdir(parents=True, exist_ok=True)
    return {"data_folder_in": str(queue), "data_folder_out": str(queue)}
