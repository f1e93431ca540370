"""Querysets compiled once per thread and run many times with new values.

Compiling a queryset with annotations and joins into SQL costs the ORM milliseconds of CPU on
every read (resolving each expression, each join, each column: a triage keypress spent most of
its CPU there), while Postgres answers the statement in a fraction of that. A hot read that only
changes a few values (a workspace, the ids) is built here once per thread with marker values,
compiled once, and then sent as plain SQL with the markers' places filled in; its rows become
model instances exactly as the ORM makes them (the same compiler's converters, select_related
populators and annotations), so callers see no difference.

Markers are negative integers no real value takes; `build` must use each of them once, as a
plain parameter (`filter(workspace_id=-7001, pk__in=[-7002])`), and nothing in the queryset may
depend on the time or the request (it is kept for the life of the thread).

With `prepare=True` a read outside a transaction runs as a statement prepared on the database
connection (PREPARE once per connection, then EXECUTE): Postgres then skips planning it, which
for the item reads at 1M items cost more than running them (0.4 ms against 0.2 ms).

productops.compiled keeps `.values()` SQL per key with its parameters (the inbox page: the same
workspace and filters, the same SQL and values); this module keeps one SQL for reads whose
values change on every call (the ids of a keypress) and answers with model instances.
"""

import re
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import DatabaseError, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

_local = threading.local()


@dataclass
class _Compiled:
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


def _compile(queryset: QuerySet, markers: set[int]) -> _Compiled:
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
    return _Compiled(
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


def _run(compiled: _Compiled, key: str, params: list, prepare: bool) -> list[tuple]:
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
                name = f"prebuilt_{len(names)}"
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
    kept: dict[str, _Compiled] = getattr(_local, "kept", None) or {}
    _local.kept = kept
    compiled = kept.get(key)
    if compiled is None:
        compiled = kept[key] = _compile(build(), set(values))
    params = list(compiled.params)
    for position, marker in compiled.slots:
        params[position] = values[marker]
    rows = _run(compiled, key, params, prepare)
    compiler, connection = compiled.compiler, connections[compiled.alias]
    found = []
    for fetched in rows:
        row = list(fetched[: compiler.col_count])  # without columns only the ordering reads
        for column, functions, expression in compiled.converters:
            for function in functions:
                row[column] = function(row[column], expression, connection)
        obj = compiled.from_db(
            compiled.alias, compiled.init_list, row[compiled.model_start : compiled.model_end]
        )
        for populator in compiled.populators:
            populator.populate(row, obj)
        for name, position in compiled.annotations.items():
            setattr(obj, name, row[position])
        found.append(obj)
    return found
