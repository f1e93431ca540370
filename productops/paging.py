"""Keyset pagination, the one mechanism every list pages with: pages (newest first on
(created_at, id), the ideas list on a demand figure) and the API's lists
(`api_paging.KeysetPagination`). A page is the rows after the last row's (sort value..., id):
no OFFSET, so a page is right at any size and however many rows share a value."""

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q, QuerySet

from productops.validation import BAD_CURSOR, BIGINT_MAX, FILTER_DAY, NUL


@dataclass(frozen=True)
class Page:
    rows: list
    next_cursor: str | None


def encode_position(*values: object) -> str:
    """A keyset position as an opaque cursor: each value's text (ISO 8601 for a datetime) joined
    by "|", in URL-safe base64. Every keyset list of the app (pages and selectors) uses it."""
    text = "|".join(v.isoformat() if isinstance(v, datetime) else str(v) for v in values)
    return base64.urlsafe_b64encode(text.encode()).decode()


def position_parts(cursor: str, count: int | None = None) -> list[str]:
    """The texts `encode_position` joined; ValueError (bad base64 or UTF-8 included) for a
    cursor it did not give out. With `count`, exactly that many, split from the right so the
    first (a name, say) may hold "|" itself."""
    text = base64.urlsafe_b64decode(cursor.encode()).decode()
    if count is None:
        return text.split("|")
    parts = text.rsplit("|", count - 1)
    if len(parts) != count:
        raise ValueError(cursor)
    return parts


def _column(queryset: QuerySet, name: str) -> Any:
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return annotation.output_field
    if name in ("pk", "id"):
        return queryset.model._meta.pk
    return queryset.model._meta.get_field(name)


def _names(ordering: Sequence[str]) -> list[str]:
    return [key.lstrip("-") for key in ordering]


def decode_position(queryset: QuerySet, ordering: Sequence[str], cursor: str) -> list:
    """The cursor's values, each read by its column as the ORM would (an annotation by its
    output field); a cursor this list did not give out, or a value its column cannot hold, is a
    ValidationError on `cursor` (a 400)."""
    try:
        values = []
        for name, text in zip(_names(ordering), position_parts(cursor, len(ordering)), strict=True):
            if NUL in text:
                raise ValueError(text)
            value = _column(queryset, name).to_python(text)
            if value is None:
                raise ValueError(text)
            if isinstance(value, int) and abs(value) > BIGINT_MAX:
                raise ValueError(value)
            if isinstance(value, date | datetime):
                FILTER_DAY.validate(value)
            values.append(value)
    except (ValidationError, ValueError, TypeError, ArithmeticError, FieldDoesNotExist):
        raise ValidationError({"cursor": [BAD_CURSOR]}) from None
    return values


def after(ordering: Sequence[str], values: Sequence) -> Q:
    """The rows after the position `values` in `ordering` (each key "-name" descending): the
    first key past its value, or equal to it and the next past, and so on. A range on the
    leading key comes first so Postgres starts the index scan at the cursor."""
    names = _names(ordering)
    ops = ["lt" if key.startswith("-") else "gt" for key in ordering]
    past = Q()
    for i in range(len(ordering)):
        step = Q(**{f"{names[j]}": values[j] for j in range(i)}) & Q(
            **{f"{names[i]}__{ops[i]}": values[i]}
        )
        past |= step
    return Q(**{f"{names[0]}__{ops[0]}e": values[0]}) & past


def keyset_page(
    queryset: QuerySet, *, ordering: Sequence[str], cursor: str | None, limit: int
) -> Page:
    """One page of `queryset` in `ordering` (its last key unique, the id), after `cursor`.

    Every key must be NOT NULL: SQL's comparisons skip a NULL."""
    if cursor:
        queryset = queryset.filter(after(ordering, decode_position(queryset, ordering, cursor)))
    rows = list(queryset.order_by(*ordering)[: limit + 1])
    if len(rows) <= limit:
        return Page(rows=rows, next_cursor=None)
    last = rows[limit - 1]
    return Page(
        rows=rows[:limit],
        next_cursor=encode_position(*(getattr(last, name) for name in _names(ordering))),
    )


def newest_first(
    queryset: QuerySet, *, cursor: str | None, limit: int = 50, field: str = "created_at"
) -> Page:
    """One page of `queryset` ordered by (`field` DESC, id DESC), after `cursor`."""
    return keyset_page(queryset, ordering=(f"-{field}", "-pk"), cursor=cursor, limit=limit)
