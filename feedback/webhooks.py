"""Inbound webhooks: checking a sender's signature and mapping its JSON onto feedback fields.

The sender signs `"<timestamp>.<raw body>"` with HMAC-SHA256 and the source's secret, and sends
`X-Productops-Timestamp: <unix seconds>` and `X-Productops-Signature: sha256=<hex>`. A delivery
is accepted within five minutes of its timestamp, and only once (claim_delivery).
"""

import hashlib
import hmac
import re
import secrets
import time
from typing import Any

from productops import idempotency

TIMESTAMP_HEADER = "X-Productops-Timestamp"
SIGNATURE_HEADER = "X-Productops-Signature"
WINDOW_SECONDS = 5 * 60

# What a mapping may fill, and the JSON path used when a source does not say.
MAPPABLE_FIELDS = [
    ("body", "Feedback text", True),
    ("title", "Title", False),
    ("email", "Customer email", False),
    ("name", "Customer name", False),
    ("external_id", "External id", False),
    ("received_at", "Received at", False),
    ("account_external_id", "Account external id", False),
    ("account_name", "Account name", False),
]
DEFAULT_MAPPING = {name: name for name, _, _ in MAPPABLE_FIELDS}

_SEGMENT = r"[A-Za-z0-9_\-$@]+(?:\[(?:\d*)\])?"
PATH = re.compile(rf"^{_SEGMENT}(?:\.{_SEGMENT})*$")


class BadSignature(Exception):
    """The delivery is not from the holder of the secret, or not now: the message says why."""


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def claim_delivery(*, workspace_id: int, source_id: int, signature: str) -> bool:
    """Remembers a delivery by its signature inside the caller's transaction; False when it was
    received before (a replay).

    Kept as productops idempotency claims, which the hourly purge deletes after 24 hours: far
    longer than the window in which a signature is accepted at all, so a replay is always
    recognised.
    """
    return idempotency.claim(
        workspace_id=workspace_id, principal=f"webhook:{source_id}", key=signature[:255]
    )


def signature_for(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(*, secret: str, timestamp: str | None, signature: str | None, body: bytes) -> None:
    """Raises BadSignature unless `signature` signs `body` at `timestamp`, within the window."""
    if not timestamp or not signature:
        raise BadSignature(
            f"Sign the request: send {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers."
        )
    if not timestamp.isdigit():
        raise BadSignature(f"{TIMESTAMP_HEADER} must be a unix time in whole seconds.")
    if abs(time.time() - int(timestamp)) > WINDOW_SECONDS:
        raise BadSignature(
            f"{TIMESTAMP_HEADER} is more than {WINDOW_SECONDS // 60} minutes from our clock;"
            " sign each delivery when you send it (and check the sender's clock)."
        )
    if not hmac.compare_digest(signature_for(secret, timestamp, body), signature.strip()):
        raise BadSignature(
            f"{SIGNATURE_HEADER} does not match: sign '<timestamp>.<raw body>' with HMAC-SHA256"
            " and the source's secret, and send sha256=<hex digest>."
        )


def clean_mapping(mapping: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(mapping without blanks, errors by field) for a field mapping a person typed."""
    known = {name for name, _, _ in MAPPABLE_FIELDS}
    cleaned, errors = {}, {}
    for name, path in mapping.items():
        path = (path or "").strip()
        if name not in known:
            errors[name] = f"{name!r} is not a field feedback can be mapped to."
        elif path and not PATH.match(path):
            errors[name] = (
                f"{path!r} is not a path: use names joined by dots, e.g. data.user.email."
            )
        elif path:
            cleaned[name] = path
    if "body" not in cleaned and "body" not in errors:
        errors["body"] = "Say where the feedback text is, e.g. data.message."
    array_prefixes = {p.split("[]", 1)[0] for p in cleaned.values() if "[]" in p}
    if len(array_prefixes) > 1:
        errors["body"] = "Only one array may be split into items ([] in one place)."
    elif array_prefixes and "[]" not in cleaned.get("body", "[]"):
        errors["body"] = "When other fields read from an array ([]), the body must too."
    return cleaned, errors


def _resolve(value: Any, path: str) -> Any:
    if not path:
        return value
    for segment in path.split("."):
        name, _, index = segment.partition("[")
        if name:
            if not isinstance(value, dict):
                return None
            value = value.get(name)
        if index:
            position = index.rstrip("]")
            if not isinstance(value, list) or not position.isdigit():
                return None
            number = int(position)
            value = value[number] if number < len(value) else None
        if value is None:
            return None
    return value


def _text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def extract(payload: Any, mapping: dict[str, str]) -> list[dict[str, str]]:
    """The items a delivery holds, as {field: text}.

    One item per delivery, or one per element when the body's path goes through an array
    ("items[].text"): paths under the same array read from each element, others from the whole
    delivery (so "account.id" can apply to every item of it).
    """
    body_path = mapping.get("body", "body")
    if "[]" not in body_path:
        return [{name: _text(_resolve(payload, path)) for name, path in mapping.items()}]
    prefix = body_path.split("[]", 1)[0]
    elements = _resolve(payload, prefix)
    if not isinstance(elements, list):
        return []
    items = []
    for element in elements:
        values = {}
        for name, path in mapping.items():
            if path.startswith(prefix + "[]"):
                values[name] = _text(_resolve(element, path[len(prefix) + 2 :].lstrip(".")))
            else:
                values[name] = _text(_resolve(payload, path))
        items.append(values)
    return items
