from django.core.management.base import CommandError

from dashboards import refresh
from dashboards.management.workspace_command import WorkspaceCommand


class Command(WorkspaceCommand):
    help = "Recounts every dashboard rollup from the base tables (repair)."

    def handle(self, *args, workspace: str | None = None, **options) -> None:
        for each in self.workspaces(workspace):
            outcome = refresh.rebuild_all(workspace_id=each.pk)
            if not outcome.ran:
                raise CommandError(f"{each.slug}: another refresh holds the lease; try again.")
            self.stdout.write(
                f"{each.slug}: {outcome.written} rows written, {outcome.deleted} replaced, "
                f"{outcome.marks} change marks applied"
            )
