"""What the inventory API's modules share: the money field, the versioned patch, reading a
validated body and resolving an owner's membership id."""

from typing import Any

from rest_framework import serializers

from inventory.selectors import tools as tool_selectors
from productops.validation import (
    VERSION,
)


def money(**options: Any) -> serializers.DecimalField:
    """An amount as the models hold it: up to 16 digits, 2 after the point."""
    return serializers.DecimalField(max_digits=16, decimal_places=2, **options)


class VersionedPatch(serializers.Serializer):
    """A partial update: every field optional but the version the client read (409 if stale)."""

    version = VERSION.serializer_field(help_text="The version you read; 409 when it changed since")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "version":
                field.required = False


def validated(serializer_class, request) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def resolve_owner(workspace, data: dict) -> None:
    """Turns the owner's membership id into the membership (404 outside the workspace)."""
    if data.get("owner") is not None:
        data["owner"] = tool_selectors.owner(workspace=workspace, membership_id=data["owner"])
