"""Secrets that are handed out once and kept only as hashes (API tokens, invitation links)."""

import hashlib
import secrets


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """A fresh secret and its hash."""
    secret = secrets.token_urlsafe(32)
    return secret, sha256(secret)


def split_api_token(raw: str) -> tuple[str, str] | None:
    """`po_<prefix>_<secret>` -> (prefix, secret), or None when it is not shaped like one."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "po" or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]
