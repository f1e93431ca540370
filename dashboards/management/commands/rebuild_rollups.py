from django.core.management.base import BaseCommand, CommandError

from dashboards import refresh
from productops.models import Workspace


class Command(BaseCommand):
    help = "Recounts every dashboard rollup from the base tables (repair)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--workspace", help="A workspace slug; every workspace without it")

    def handle(self, *args, workspace: str | None = None, **options) -> None:
        workspaces = Workspace.objects.order_by("slug")
        if workspace:
            workspaces = workspaces.filter(slug=workspace)
            if not workspaces.exists():
                raise CommandError(f"No workspace {workspace!r}.")
        for each in workspaces:
            outcome = refresh.rebuild_all(workspace_id=each.pk)
            if not outcome.ran:
                raise CommandError(f"{each.slug}: another refresh holds the lease; try again.")
            self.stdout.write(
                f"{each.slug}: {outcome.written} rows written, {outcome.deleted} replaced, "
                f"{outcome.marks} change marks applied"
            )
