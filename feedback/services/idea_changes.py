"""What the writers of ideas share (feedback.services.ideas and loop_closures): the dashboards'
change mark for ideas and the check that what is named belongs to the actor's workspace."""

from django.core.exceptions import ValidationError

from productops.access import Actor
from productops.audit import mark_buckets
from productops.models import Workspace


def mark_ideas(workspace: Workspace, *idea_ids: int) -> None:
    """Change marks for dashboards: the "ideas" topic is bucketed by idea id."""
    mark_buckets(workspace, "ideas", [str(idea_id) for idea_id in idea_ids] or [""])


def check_workspace(actor: Actor, *objects) -> None:
    for obj in objects:
        if obj is not None and obj.workspace_id != actor.workspace.pk:
            raise ValidationError("That belongs to another workspace.")
