"""Who may do what: the one table that views, API permissions and templates all read.

Each capability names the roles that hold it and the API token scope that grants it (None: no
token can, only a signed-in member).
"""

from enum import StrEnum

from productops.models import Role, TokenScope


class Capability(StrEnum):
    VIEW_WORKSPACE = "view_workspace"
    VIEW_MEMBERS = "view_members"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_WORKSPACE = "manage_workspace"
    MANAGE_TOKENS = "manage_tokens"
    VIEW_AUDIT = "view_audit"


EVERYONE = frozenset(Role)
ADMINS = frozenset({Role.ADMIN})

ROLES_FOR: dict[Capability, frozenset[Role]] = {
    Capability.VIEW_WORKSPACE: EVERYONE,
    Capability.VIEW_MEMBERS: EVERYONE,
    Capability.MANAGE_MEMBERS: ADMINS,
    Capability.MANAGE_WORKSPACE: ADMINS,
    Capability.MANAGE_TOKENS: ADMINS,
    Capability.VIEW_AUDIT: ADMINS,
}

SCOPE_FOR: dict[Capability, TokenScope | None] = {
    Capability.VIEW_WORKSPACE: TokenScope.READ,
    Capability.VIEW_MEMBERS: TokenScope.READ,
    Capability.MANAGE_MEMBERS: None,
    Capability.MANAGE_WORKSPACE: None,
    Capability.MANAGE_TOKENS: None,
    Capability.VIEW_AUDIT: TokenScope.READ,
}


def role_has(role: str, capability: Capability) -> bool:
    return role in ROLES_FOR[capability]


def scopes_grant(scopes: list[str], capability: Capability) -> bool:
    scope = SCOPE_FOR[capability]
    return scope is not None and scope in scopes
