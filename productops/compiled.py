"""Reads whose SQL is compiled once per shape and kept in the process.

Building and compiling an ORM query costs the server about a millisecond of CPU for a query of
a few subqueries (the inbox page's rows, its pickers' UNION), more than Postgres spends
answering it; the pages that run such a query on every request send the same SQL with the
same parameters each time for the same workspace, user and filters. `values_rows` compiles a
values query once for a key that determines its SQL and parameters completely (the caller's
promise: no clock, no rows read while building it), keeps the SQL, and then only executes
it: a cursor, the SQL, the rows as dicts.

Kept per process, at most KEPT entries (the least recently used dropped first). The columns'
converters (an integer subquery's int(), say) are kept with the SQL and applied as the ORM
would.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

KEPT = 256  # about 26 KB each (the inbox page's SQL with its converters), 7 MB at most


@dataclass(frozen=True)
class _Compiled:
    using: str
    sql: str
    params: tuple
    names: tuple[str, ...]  # the columns, in the order the SQL selects them
    converters: tuple[tuple[int, tuple, object], ...]  # (column, functions, expression)


# A key's kept SQL; None: the query can match no row (Django's EmptyResultSet); UNKEPT: a
# query this module cannot keep (a column without a name of its own), read through the ORM.
UNKEPT = "unkept"
_kept: "OrderedDict[Hashable, _Compiled | str | None]" = OrderedDict()
_lock = threading.Lock()


def values_rows(key: Hashable, build: Callable[[], QuerySet]) -> list[dict]:
    """The rows of `build()` (a `.values()` query) as dicts: the SQL compiled on the first call
    for `key` and kept, the same SQL executed on every later one. `key` must determine
    everything `build` puts into the SQL and its parameters."""
    with _lock:
        missing = key not in _kept
        compiled = None if missing else _kept[key]
        if not missing:
            _kept.move_to_end(key)
    if missing:
        query = build()
        compiled = _compile(query)
        with _lock:
            _kept[key] = compiled
            if len(_kept) > KEPT:
                _kept.popitem(last=False)
        if compiled == UNKEPT:
            return list(query)
    elif compiled == UNKEPT:
        return list(build())
    if not isinstance(compiled, _Compiled):
        return []
    connection = connections[compiled.using]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, compiled.params)
        found = cursor.fetchall()
    names, converters = compiled.names, compiled.converters
    if not converters:
        return [dict(zip(names, row, strict=True)) for row in found]
    rows = []
    for row in found:
        values = list(row)
        for column, functions, expression in converters:
            for function in functions:
                values[column] = function(values[column], expression, connection)
        rows.append(dict(zip(names, values, strict=True)))
    return rows


def _compile(query: QuerySet) -> "_Compiled | str | None":
    compiler = query.query.get_compiler(using=query.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    names = tuple(alias for _, _, alias in compiler.select)
    if None in names or len(set(names)) != len(names):
        return UNKEPT
    converters = compiler.get_converters([column for column, _, _ in compiler.select])
    kept = tuple((column, tuple(functions), ex) for column, (functions, ex) in converters.items())
    return _Compiled(query.db, sql, tuple(params), names, kept)


def forget() -> None:
    """Drops every kept SQL."""
    with _lock:
        _kept.clear()
