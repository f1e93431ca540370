"""manage.py on a database that is missing or not running: one line saying what to do."""

import os
import subprocess
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from tests.conftest import free_port, manage


def _migrate(database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return manage("migrate", "--noinput", env=env)


def test_migrate_on_a_missing_database_says_how_to_create_it_in_one_line():
    parts = urlsplit(settings.DATABASE_URL)
    result = _migrate(urlunsplit(parts._replace(path="/po_no_such_database")))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith('The database "po_no_such_database" does not exist on ')
    assert "`createdb -h " in lines[0] and " po_no_such_database`" in lines[0]


def test_migrate_with_no_server_at_the_address_says_so_in_one_line():
    port = free_port()  # nothing listens there
    result = _migrate(f"postgres://postgres@127.0.0.1:{port}/po_anything")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"No PostgreSQL server answers at 127.0.0.1:{port}: start it, or set DATABASE_URL to a "
        "server that runs."
    )
