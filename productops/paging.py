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


def encode_cursor(moment: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{pk}".encode()).decode()


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The cursor's position; one this list did not give out is a ValidationError (a 400)."""
    if not cursor:
        return None
    try:
        moment, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
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
        return Page(rows=rows[:limit], next_cursor=encode_cursor(getattr(last, field), last.pk))
    return Page(rows=rows, next_cursor=None)
