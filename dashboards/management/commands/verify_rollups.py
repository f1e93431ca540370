from django.core.management.base import CommandError

from dashboards import refresh
from dashboards.management.workspace_command import WorkspaceCommand


class Command(WorkspaceCommand):
    help = "Compares every dashboard rollup with a recount from the base tables."

    def handle(self, *args, workspace: str | None = None, **options) -> None:
        failed = []
        for each in self.workspaces(workspace):
            differences = refresh.verify(workspace_id=each.pk)
            if not differences:
                self.stdout.write(f"{each.slug}: every rollup equals a recount")
                continue
            failed.append(each.slug)
            pending = refresh.pending_count(workspace_id=each.pk)
            note = f" ({pending} change marks not applied yet)" if pending else ""
            self.stdout.write(f"{each.slug}: {len(differences)} differences{note}")
            for difference in differences:
                self.stdout.write(f"  {difference}")
        if failed:
            raise CommandError(f"Rollups differ from a recount in: {', '.join(failed)}")
