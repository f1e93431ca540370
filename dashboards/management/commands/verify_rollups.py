from django.core.management.base import BaseCommand, CommandError

from dashboards import refresh
from productops.models import Workspace


class Command(BaseCommand):
    help = "Compares every dashboard rollup with a recount from the base tables."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--workspace", help="A workspace slug; every workspace without it")

    def handle(self, *args, workspace: str | None = None, **options) -> None:
        workspaces = Workspace.objects.order_by("slug")
        if workspace:
            workspaces = workspaces.filter(slug=workspace)
            if not workspaces.exists():
                raise CommandError(f"No workspace {workspace!r}.")
        failed = []
        for each in workspaces:
            differences = refresh.verify(workspace_id=each.pk)
            pending = refresh.pending_count(workspace_id=each.pk)
            if not differences:
                self.stdout.write(f"{each.slug}: every rollup equals a recount")
                continue
            failed.append(each.slug)
            note = f" ({pending} change marks not applied yet)" if pending else ""
            self.stdout.write(f"{each.slug}: {len(differences)} differences{note}")
            for difference in differences:
                self.stdout.write(f"  {difference}")
        if failed:
            raise CommandError(f"Rollups differ from a recount in: {', '.join(failed)}")
