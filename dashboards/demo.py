"""The demo's dashboards: every rollup recounted once the other seeders have written their rows."""

from dashboards import refresh
from productops.models import Workspace


def seed_dashboards(workspace: Workspace) -> int:
    outcome = refresh.rebuild_all(workspace_id=workspace.pk)
    return outcome.written
