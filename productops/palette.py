"""The command palette (Ctrl/Cmd-K): jump to any item, idea, account, tool or page by number or
by words.

Domain apps register a finder per kind in AppConfig.ready() (productops imports no app, as with
the navigation). A finder answers at most `limit` hits with one query, or none when the text
cannot name its kind, so the palette runs a constant number of queries however big the
workspace is. A finder runs only for an actor holding its capability: the palette never shows
what the role may not open (the same gate as the pages it links to).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from productops import navigation
from productops.access import Actor
from productops.capabilities import Capability
from productops.models import Workspace

LIMIT = 5  # hits per kind: enough to pick from, few enough to read at a glance


@dataclass(frozen=True)
class Hit:
    kind: str  # what it is, as the palette labels it: "Item", "Idea", "Page"...
    title: str
    url: str
    detail: str = ""


Finder = Callable[[Workspace, str, int], list[Hit]]


@dataclass(frozen=True)
class Kind:
    name: str
    capability: Capability
    find: Finder  # (workspace, the typed text stripped, limit) -> hits, best first
    order: int


_kinds: list[Kind] = []


def register(kind: Kind) -> None:
    _kinds.append(kind)
    _kinds.sort(key=lambda k: k.order)


def number(text: str) -> int | None:
    """The number in "123" or "#123" (how items and ideas are named), else None."""
    digits = text.removeprefix("#")
    return int(digits) if digits.isdigit() and len(digits) < 19 else None


def pages(actor: Actor, text: str) -> list[Hit]:
    """The workspace's areas the actor may open whose name holds the text (no query)."""
    wanted = text.casefold()
    return [
        Hit("Page", item.label, reverse(item.url_name, args=[actor.workspace.slug]))
        for item in navigation.items()
        if actor.can(item.capability) and wanted in item.label.casefold()
    ]


def search(*, actor: Actor, text: str, limit: int = LIMIT) -> list[Hit]:
    """Pages, then each registered kind the actor may see, for what was typed."""
    text = " ".join(text.split())  # the view refused more than FILTER_TEXT allows
    hits = pages(actor, text)
    if not text:
        return hits
    for kind in _kinds:
        if actor.can(kind.capability):
            hits += kind.find(actor.workspace, text, limit)
    return hits
