"""Keyset pagination for pages, newest first on (created_at, id): no OFFSET on big tables."""

import base64
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from productops.validation import BAD_CURSOR, FILTER_DAY, ID


@dataclass(frozen=True)
class Page:
    rows: list
    next_cursor: str | None


def encode_position(*values: object) -> str:
    """A keyset position as an opaque cursor: each value's text (ISO 8601 for a datetime) joined
    by "|", in URL-safe base64. Every keyset list of the app (pages and selectors) uses it."""
    text = "|".join(v.isoformat() if isinstance(v, datetime) else str(v) for v in values)
    return base64.urlsafe_b64encode(text.encode()).decode()


def position_parts(cursor: str) -> list[str]:
    """The texts `encode_position` joined; ValueError (bad base64 or UTF-8 included) for a
    cursor it did not give out."""
    return base64.urlsafe_b64decode(cursor.encode()).decode().split("|")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The cursor's position; one this list did not give out is a ValidationError (a 400)."""
    if not cursor:
        return None
    try:
        moment, pk = position_parts(cursor)
        position = datetime.fromisoformat(moment), ID.clean(pk)
        FILTER_DAY.validate(position[0])
    except (ValueError, ValidationError):
        raise ValidationError({"cursor": [BAD_CURSOR]}) from None
    return position


def newest_first(
    queryset: QuerySet, *, cursor: str | None, limit: int = 50, field: str = "created_at"
) -> Page:
    """One page of `queryset` ordered by (`field` DESC, id DESC), after `cursor`."""
    position = decode_cursor(cursor)
    if position is not None:
        moment, pk = position
        queryset = queryset.filter(
            Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "pk__lt": pk})
        )
    rows = list(queryset.order_by(f"-{field}", "-pk")[: limit + 1])
    if len(rows) > limit:
        last = rows[limit - 1]
        return Page(rows=rows[:limit], next_cursor=encode_position(getattr(last, field), last.pk))
    return Page(rows=rows, next_cursor=None)
