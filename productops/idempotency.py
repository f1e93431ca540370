"""Idempotency-Key for any API write: a repeat gets the first answer, never a second effect.

The key is claimed by inserting its row inside the request's transaction. A concurrent repeat's
INSERT waits on that uncommitted row, then finds it and replays the stored answer; if the first
request fails, its transaction rolls back and releases the key for the next try.
"""

import json
from functools import wraps

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from productops.api_errors import error_body
from productops.models import IdempotencyRecord
from productops.tokens import sha256

HEADER = "Idempotency-Key"
# How the schema shows the header on every idempotent write.
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Any value up to 255 characters, one per logical operation: a repeat gets the "
    "first answer and changes nothing; the same key with another request answers 422.",
)
REPLAYED_HEADER = "Idempotent-Replayed"


def _principal(request) -> str:
    actor = request.actor
    return f"token:{actor.token.pk}" if actor.token is not None else f"user:{actor.user.pk}"


def _fingerprint(request) -> str:
    data = request.data
    if hasattr(data, "lists"):
        data = dict(data.lists())
    body = json.dumps(data, sort_keys=True, default=str)
    return sha256(f"{request.method} {request.path}\n{body}")


def claim(*, workspace_id: int, principal: str, key: str, fingerprint: str = "") -> bool:
    """Claims `key` for `principal` inside the caller's transaction; False when it was claimed
    already (a repeat). A claim older than the key lifetime is released first. Used by the API's
    Idempotency-Key and by stores of other one-time keys, such as webhook deliveries."""
    cutoff = timezone.now() - settings.IDEMPOTENCY_KEY_LIFETIME
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM productops_idempotencyrecord WHERE workspace_id = %s AND principal = %s"
            " AND key = %s AND created_at < %s",
            [workspace_id, principal, key, cutoff],
        )
        cursor.execute(
            "INSERT INTO productops_idempotencyrecord"
            " (workspace_id, principal, key, fingerprint, status_code, response_body, created_at)"
            " VALUES (%s, %s, %s, %s, 0, NULL, %s)"
            " ON CONFLICT (workspace_id, principal, key) DO NOTHING RETURNING id",
            [workspace_id, principal, key, fingerprint, timezone.now()],
        )
        return cursor.fetchone() is not None


def idempotent(handler):
    """Decorates a DRF view method that writes."""

    @wraps(handler)
    def wrapped(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if not key:
            return handler(view, request, *args, **kwargs)
        if len(key) > 255:
            return Response(
                error_body(
                    400,
                    "invalid",
                    "Some fields are not valid.",
                    {HEADER: ["Use at most 255 characters."]},
                ),
                status=400,
            )
        workspace_id = request.actor.workspace.pk
        principal = _principal(request)
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            if not claim(
                workspace_id=workspace_id, principal=principal, key=key, fingerprint=fingerprint
            ):
                first = IdempotencyRecord.objects.get(
                    workspace_id=workspace_id, principal=principal, key=key
                )
                if first.fingerprint != fingerprint:
                    return Response(
                        error_body(
                            422,
                            "idempotency_key_reused",
                            "This Idempotency-Key was used with a different request.",
                        ),
                        status=422,
                    )
                return Response(
                    first.response_body, status=first.status_code, headers={REPLAYED_HEADER: "true"}
                )
            response = handler(view, request, *args, **kwargs)
            IdempotencyRecord.objects.filter(
                workspace_id=workspace_id, principal=principal, key=key
            ).update(status_code=response.status_code, response_body=response.data)
            return response

    return extend_schema(parameters=[IDEMPOTENCY_PARAMETER])(wrapped)


def purge_expired() -> int:
    cutoff = timezone.now() - settings.IDEMPOTENCY_KEY_LIFETIME
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
