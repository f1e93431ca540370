"""Short notes a higher app adds to a lower app's page that loads no fragments (the public
roadmap carries no script): the lower page asks for the notes of its rows by a key, and the
higher app registers what it knows in its AppConfig.ready(). So feedback's roadmap can say
"Planned for Q4 2026" from planning's decisions without importing planning (DESIGN.md's import
direction). Pages with htmx load the higher app's fragment instead.

A provider takes the workspace and the row ids and answers {row id: note}, in a constant
number of queries; the notes of every provider registered under the key are collected.
"""

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from productops.models import Workspace

PUBLIC_ROADMAP_IDEA = "public_roadmap.idea"  # ids of ideas on the public roadmap

NoteProvider = Callable[[Workspace, Sequence[int]], Mapping[int, str]]

_providers: dict[str, list[NoteProvider]] = defaultdict(list)


def register(key: str, provider: NoteProvider) -> None:
    if provider not in _providers[key]:
        _providers[key].append(provider)


def notes(key: str, *, workspace: Workspace, ids: Sequence[int]) -> dict[int, list[str]]:
    """Every registered provider's note per row id (rows without a note are absent)."""
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return {}
    for provider in _providers.get(key, []):
        for row_id, note in provider(workspace, ids).items():
            found[row_id].append(note)
    return dict(found)
