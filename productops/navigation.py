"""The workspace's areas in the navigation. Domain apps add theirs in AppConfig.ready()."""

from dataclasses import dataclass

from productops.capabilities import Capability


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capability: Capability
    key: str  # the keyboard shortcut after "g"
    order: int


_items: list[NavItem] = [
    NavItem("Home", "workspace_home", Capability.VIEW_WORKSPACE, "h", 0),
    NavItem("Imports", "import_list", Capability.RUN_IMPORTS, "u", 75),
    NavItem("Members", "member_list", Capability.VIEW_MEMBERS, "m", 80),
    NavItem("API tokens", "token_list", Capability.MANAGE_TOKENS, "t", 85),
    NavItem("Audit log", "audit_log", Capability.VIEW_AUDIT, "l", 90),
    NavItem("Settings", "workspace_settings", Capability.MANAGE_WORKSPACE, "s", 95),
]


def register(item: NavItem) -> None:
    _items.append(item)
    _items.sort(key=lambda i: i.order)


def items() -> list[NavItem]:
    return list(_items)
