"""Every read of the dashboards: each tile from the rollup tables only, in a fixed number of
queries, so a tile costs the same at ten thousand or ten million feedback items.

A tile is one `Tile`: its headline figures (each linking to the list behind it), a chart spec
for Chart.js, a table of the same numbers and the freshness of the refresh it was read from.
The page, the CSV export, the digest and the API all render that one object.
"""

from dashboards.filters import DashboardFilters
from dashboards.selectors import feedback, ideas, planning, tools, triage
from dashboards.selectors.shared import Tile
from productops.models import Workspace

# The tile families are imported as modules, not their functions: a function named like its
# module (triage, tools) would hide the module from `from dashboards.selectors import triage`.
TILES = {
    "volume": feedback.volume,
    "sentiment": feedback.sentiment,
    "ideas": ideas.top_ideas,
    "triage": triage.triage,
    "loop": triage.loop_closure,
    "roadmap": planning.roadmap,
    "predictability": planning.predictability,
    "tools": tools.tools,
}


# The segment, source and area filters each tile applies (its rollups break down by these);
# every other chosen one the tile says it leaves out, and its links leave it out too.
NARROWED_BY: dict[str, tuple[str, ...]] = {
    "volume": ("segment", "source", "area"),
    "sentiment": ("segment", "source", "area"),
    "ideas": ("area",),
    "triage": (),
    "loop": (),
    "roadmap": (),
    "predictability": (),
    "tools": (),
}


def tile(*, workspace: Workspace, name: str, filters: DashboardFilters) -> Tile:
    """The tile `name` read from the rollups; its `covers` ends by naming the chosen filters
    it does not apply ("the segment and area filters do not apply here")."""
    found = TILES[name](workspace=workspace, filters=filters)
    found.filename_period = f"{filters.since.isoformat()}-{filters.until.isoformat()}"
    ignored = [f for f in filters.narrowing if f not in NARROWED_BY[name]]
    if ignored:
        names = ignored[0] if len(ignored) == 1 else f"{', '.join(ignored[:-1])} and {ignored[-1]}"
        found.covers += (
            f"; the {names} filter{'s' if len(ignored) > 1 else ''} "
            f"{'do' if len(ignored) > 1 else 'does'} not apply here"
        )
    return found
