"""A database that is missing or not running, told in one line of what to do, not a traceback."""

import re

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import OperationalError

# libpq's wording (psycopg passes it through): the server answers, the database is not there.
MISSING_DATABASE = re.compile(r'database "(?P<name>[^"]+)" does not exist')
# No server at the address: refused, or no such socket file.
NO_SERVER = re.compile(r"Connection refused|No such file or directory")


def explain(error: OperationalError) -> str | None:
    """What to do about `error`, in one line, when it means the database cannot be reached at
    all (missing, or no server); None for any other error, which keeps its traceback."""
    database = connections[DEFAULT_DB_ALIAS].settings_dict
    where = f"{database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}"
    text = str(error)
    missing = MISSING_DATABASE.search(text)
    if missing:
        name = missing["name"]
        user = f" -U {database['USER']}" if database.get("USER") else ""
        host, _, port = where.partition(":")
        return (
            f'The database "{name}" does not exist on {where}: create it with '
            f"`createdb -h {host} -p {port}{user} {name}`, or set DATABASE_URL to one that exists."
        )
    if NO_SERVER.search(text):
        return (
            f"No PostgreSQL server answers at {where}: start it, or set DATABASE_URL to a "
            "server that runs."
        )
    return None
