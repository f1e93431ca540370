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


def tile(*, workspace: Workspace, name: str, filters: DashboardFilters) -> Tile:
    found = TILES[name](workspace=workspace, filters=filters)
    found.filename_period = f"{filters.since.isoformat()}-{filters.until.isoformat()}"
    return found
