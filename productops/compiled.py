"""Reads whose SQL is compiled once and kept, for the paths that run on every page and keypress.

Building and compiling an ORM query costs the server about a millisecond of CPU for a query of
a few subqueries or joins (resolving each expression, each join, each column), more than
Postgres spends answering it. Two ways to pay that once:

- `values_rows(key, build)`: a `.values()` query whose SQL and parameters `key` fixes
  completely (the inbox page: the same workspace, user and filters give the same SQL and
  values; the caller's promise: no clock, no rows read while building it). The SQL is kept per
  process, at most KEPT entries (the least recently used dropped first); rows come as dicts.
- `instances(key, build, values)`: a model query whose values change on every call (the ids
  of a keypress). `build` makes it once per thread with marker values: negative integers no
  real value takes, each used once as a plain parameter (`filter(workspace_id=-7001,
  pk__in=[-7002])`), and nothing in it may depend on the time or the request. Each call sends
  the SQL with the markers' places filled, and its rows become model instances exactly as the
  ORM makes them (the compiler's select_related populators and annotations). With
  `prepare=True` a read outside a transaction runs as a statement prepared on the connection
  (PREPARE once per connection, then EXECUTE): Postgres then skips planning it, which for the
  item reads at 1M items cost more than running them (0.4 ms against 0.2 ms).

Both apply the columns' converters (an integer subquery's int(), say) as the ORM would.
"""

import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

# ---- values_rows: SQL and parameters kept per key, in the process

KEPT = 256  # about 26 KB each (the inbox page's SQL with its converters), 7 MB at most


@dataclass(frozen=True)
class _KeptValues:
    using: str
    sql: str
    params: tuple
    names: tuple[str, ...]  # the columns, in the order the SQL selects them
    converters: tuple[tuple[int, tuple, object], ...]  # (column, functions, expression)


# A key's kept SQL; None: the query can match no row (Django's EmptyResultSet); UNKEPT: a
# query this module cannot keep (a column without a name of its own), read through the ORM.
UNKEPT = "unkept"
_kept: "OrderedDict[Hashable, _KeptValues | str | None]" = OrderedDict()
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
        compiled = _compile_values(query)
        with _lock:
            _kept[key] = compiled
            if len(_kept) > KEPT:
                _kept.popitem(last=False)
        if compiled == UNKEPT:
            return list(query)
    elif compiled == UNKEPT:
        return list(build())
    if not isinstance(compiled, _KeptValues):
        return []
    connection = connections[compiled.using]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, compiled.params)
        found = cursor.fetchall()
    names, converters = compiled.names, compiled.converters
    if not converters:
        return [dict(zip(names, row, strict=True)) for row in found]
    return [dict(zip(names, _converted(row, converters, connection), strict=True)) for row in found]


def _compile_values(query: QuerySet) -> "_KeptValues | str | None":
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
    return _KeptValues(query.db, sql, tuple(params), names, kept)


def forget() -> None:
    """Drops every kept SQL."""
    with _lock:
        _kept.clear()


# ---- instances: SQL kept per thread and key, with markers for the values

_local = threading.local()


@dataclass
class _KeptModels:
    alias: str
    compiler: SQLCompiler
    sql: str
    params: list
    slots: list[tuple[int, int]]  # (position in params, marker)
    from_db: Callable[..., Model]
    init_list: list[str]
    model_start: int
    model_end: int
    populators: list
    annotations: dict[str, int]
    converters: list  # (column, functions, expression): what results_iter would apply


def _compile_models(queryset: QuerySet, markers: set[int]) -> _KeptModels:
    alias = queryset.db
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    slots = [(n, value) for n, value in enumerate(params) if value in markers]
    if sorted(marker for _, marker in slots) != sorted(markers):
        raise ValueError(f"each marker must appear once as a parameter: {slots} for {markers}")
    select, klass_info = compiler.select, compiler.klass_info
    assert klass_info is not None
    fetch_mode = queryset._fetch_mode  # type: ignore[attr-defined]  # as ModelIterable reads it
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    return _KeptModels(
        alias=alias,
        compiler=compiler,
        sql=sql,
        params=list(params),
        slots=slots,
        from_db=partial(klass_info["model"].from_db, fetch_mode=fetch_mode),
        init_list=[f[0].target.attname for f in select[start:end]],
        model_start=start,
        model_end=end,
        populators=get_related_populators(klass_info, select, alias, fetch_mode),
        annotations=dict(compiler.annotation_col_map or {}),
        converters=[
            (column, functions, expression)
            for column, (functions, expression) in compiler.get_converters(
                [s[0] for s in select[: compiler.col_count]]
            ).items()
        ],
    )


# Statements prepared on each database connection (PREPARE, by key): Postgres plans a read
# with a dozen subqueries in about 0.4 ms at 1M items, more than it takes to run it; a prepared
# statement is planned once per connection (connections live DB_CONN_MAX_AGE seconds).
_PLACEHOLDER = re.compile(r"%%|%s")


def _numbered(sql: str) -> str:
    """Django's SQL (%s placeholders, %% for a percent sign) with $1, $2... as PREPARE takes."""
    count = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(count)}", sql)


def _run(compiled: _KeptModels, key: str, params: list, prepare: bool) -> list[tuple]:
    connection = connections[compiled.alias]
    with connection.cursor() as cursor:
        # Only outside a transaction: a statement that fails to prepare (a parameter whose
        # type Postgres cannot infer) must not abort the caller's transaction; it is then
        # sent as plain SQL, as it is inside one.
        if prepare and not connection.in_atomic_block:
            prepared = getattr(_local, "prepared", None)  # this thread's connections only
            if prepared is None:
                prepared = _local.prepared = weakref.WeakKeyDictionary()
            names = prepared.setdefault(connection.connection, {})
            name = names.get(key)
            if name is None:
                name = f"compiled_{len(names)}"
                try:
                    cursor.execute(f"PREPARE {name} AS {_numbered(compiled.sql)}")
                except DatabaseError:
                    names[key] = ""
                    name = ""
                else:
                    names[key] = name
            if name:
                marks = ", ".join(["%s"] * len(params))
                try:
                    cursor.execute(
                        f"EXECUTE {name} ({marks})" if params else f"EXECUTE {name}", params
                    )
                    return cursor.fetchall()
                except DatabaseError:  # gone (a DISCARD ALL) or stale: plain SQL from now on
                    names[key] = ""
        cursor.execute(compiled.sql, params)
        return cursor.fetchall()


def instances(
    key: str, build: Callable[[], QuerySet], values: Mapping[int, Any], *, prepare: bool = False
) -> list[Any]:
    """The rows of `build()` with each marker (a key of `values`) replaced by its value, as
    model instances; `build` is called and compiled once per thread and `key`. `prepare`: run
    it as a statement prepared on the connection, when no transaction is open."""
    kept: dict[str, _KeptModels] = getattr(_local, "kept", None) or {}
    _local.kept = kept
    compiled = kept.get(key)
    if compiled is None:
        compiled = kept[key] = _compile_models(build(), set(values))
    params = list(compiled.params)
    for position, marker in compiled.slots:
        params[position] = values[marker]
    rows = _run(compiled, key, params, prepare)
    compiler, connection = compiled.compiler, connections[compiled.alias]
    found = []
    for fetched in rows:
        # without the columns only the ordering reads
        row = _converted(fetched[: compiler.col_count], compiled.converters, connection)
        obj = compiled.from_db(
            compiled.alias, compiled.init_list, row[compiled.model_start : compiled.model_end]
        )
        for populator in compiled.populators:
            populator.populate(row, obj)
        for name, position in compiled.annotations.items():
            setattr(obj, name, row[position])
        found.append(obj)
    return found


def _converted(row, converters, connection) -> list:
    """`row` with each column's converters applied, as the ORM's results_iter applies them."""
    values = list(row)
    for column, functions, expression in converters:
        for function in functions:
            values[column] = function(values[column], expression, connection)
    return values
