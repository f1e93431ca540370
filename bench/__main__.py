"""`make bench`: runs every report in bench/ and prints one line per figure.

Reports run against their own database, `productops_bench` on the same server as DATABASE_URL
(or BENCH_DATABASE_URL when set), created and migrated here, so a developer's data is untouched.
"""

import importlib
import os
import pkgutil
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SKIP = {"__main__", "figures", "feedback_data"}


def bench_database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    base = os.environ.get("DATABASE_URL")
    if base is None:
        from productops import embedded

        base = embedded.postgres_url(Path(os.environ.get("PRODUCTOPS_DATA_DIR", ROOT / ".data")))
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/productops_bench"))


def ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=config["USER"],
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    connection.close()


def set_up() -> None:
    """Django on the bench database, created and migrated: before any report is imported."""
    url = bench_database_url()
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "productops.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def main() -> int:
    set_up()
    reports = [
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name not in SKIP
    ]
    if not reports:
        print("bench: no reports yet (each domain app adds its own under bench/)")
        return 0
    for name in sorted(reports):
        module = importlib.import_module(f"bench.{name}")
        for figure in module.run():
            print(figure.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
