"""The demo's dashboards: every rollup recounted once the other seeders have written their rows."""

from dashboards import refresh
from productops.models import Workspace


def seed_dashboards(workspace: Workspace) -> int:
    """Rebuilds the rollups when they disagree with the base tables; how many rows it wrote.

    A second run of the demo, which writes no row, finds them in agreement and writes nothing.
    """
    if not refresh.verify(workspace_id=workspace.pk):
        return 0
    return refresh.rebuild_all(workspace_id=workspace.pk).written
