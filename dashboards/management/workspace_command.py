"""What the rollup commands share: run for every workspace, or for the one `--workspace` names."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from productops.models import Workspace


class WorkspaceCommand(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", help="A workspace slug; every workspace without it")

    def workspaces(self, slug: str | None) -> QuerySet[Workspace]:
        """Every workspace by slug, or the one `slug` names; CommandError for a slug of none."""
        workspaces = Workspace.objects.order_by("slug")
        if slug:
            workspaces = workspaces.filter(slug=slug)
            if not workspaces.exists():
                raise CommandError(f"No workspace {slug!r}.")
        return workspaces
