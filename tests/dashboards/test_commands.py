"""manage.py verify_rollups and rebuild_rollups: every workspace, or the one named."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dashboards import refresh
from dashboards.models import FeedbackDaily
from tests.dashboards.writes import Writer

pytestmark = pytest.mark.django_db(transaction=True)


def _run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def test_verify_names_the_workspace_whose_rollups_differ_and_rebuild_repairs_it(admin):
    workspace = admin.actor.workspace
    writer = Writer(admin.actor, 3)
    for _ in range(5):
        writer.intake()
    refresh.refresh_changed(workspace_id=workspace.pk)
    assert _run("verify_rollups", "--workspace", workspace.slug) == (
        f"{workspace.slug}: every rollup equals a recount\n"
    )
    counted = _daily(workspace)
    row = FeedbackDaily.objects.filter(workspace=workspace).first()
    FeedbackDaily.objects.filter(pk=row.pk).update(items=row.items + 2)

    with pytest.raises(CommandError, match=f"Rollups differ from a recount in: {workspace.slug}"):
        _run("verify_rollups")

    rebuilt = _run("rebuild_rollups", "--workspace", workspace.slug)
    assert rebuilt.startswith(f"{workspace.slug}: ")
    assert "rows written" in rebuilt
    assert f"{workspace.slug}: every rollup equals a recount" in _run("verify_rollups")
    assert _daily(workspace) == counted


def _daily(workspace) -> list[tuple]:
    rows = FeedbackDaily.objects.filter(workspace=workspace)
    return sorted(rows.values_list("day", "source_id", "area_id", "segment", "items", "spam"))


@pytest.mark.parametrize("command", ["verify_rollups", "rebuild_rollups"])
def test_an_unknown_workspace_slug_is_a_clear_error(admin, command):
    with pytest.raises(CommandError, match=r"No workspace 'nowhere'\."):
        _run(command, "--workspace", "nowhere")
