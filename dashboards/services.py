"""Every write of the dashboards app: a manual refresh and the digest opt-in."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from dashboards.models import DigestSubscription, RefreshState
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.queueing import enqueue_on_commit

MANUAL_REFRESH_EVERY = timedelta(seconds=60)
REBUILD_TASK = "dashboards.tasks.rebuild_rollups"


@dataclass(frozen=True)
class Throttled(Exception):
    retry_after: int  # seconds

    def __str__(self) -> str:
        return f"A refresh was asked for moments ago; try again in {self.retry_after} seconds."


@transaction.atomic
def refresh_request(*, actor: Actor) -> RefreshState:
    """Recounts every rollup of the workspace in the background. At most once a minute per
    workspace, whoever asks (the claim is one conditional upsert, so two clicks at once queue
    one rebuild)."""
    require(actor, Capability.REFRESH_DASHBOARDS)
    workspace = actor.workspace
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO dashboards_refreshstate AS s
                   (workspace_id, holder, last_error, manual_requested_at)
            VALUES (%(ws)s, '', '', now())
            ON CONFLICT (workspace_id) DO UPDATE SET manual_requested_at = now()
             WHERE s.manual_requested_at IS NULL
                OR s.manual_requested_at < now() - make_interval(secs => %(every)s)
            RETURNING id
            """,
            {"ws": workspace.pk, "every": MANUAL_REFRESH_EVERY.total_seconds()},
        )
        claimed = cursor.fetchone()
    state = RefreshState.objects.get(workspace=workspace)
    if not claimed:
        # Not claimed: a recent request holds the claim, so the time is set.
        waited = timezone.now() - (state.manual_requested_at or timezone.now())
        raise Throttled(retry_after=max(1, int((MANUAL_REFRESH_EVERY - waited).total_seconds())))
    audit(actor, "dashboards.refresh_requested", state)
    enqueue_on_commit(REBUILD_TASK, workspace.pk)
    return state


@transaction.atomic
def digest_subscribe(*, actor: Actor, subscribed: bool) -> bool:
    """Opts the member in to (or out of) the weekly digest. Returns the new setting."""
    require(actor, Capability.RECEIVE_DIGEST)
    membership_id = actor.membership_id
    if membership_id is None:  # a token: RECEIVE_DIGEST is a member's
        raise PermissionDenied("Only a member receives the digest.")
    if subscribed:
        row, created = DigestSubscription.objects.get_or_create(
            workspace=actor.workspace, membership_id=membership_id
        )
        if created:
            audit(actor, "dashboards.digest_subscribed", row)
    else:
        existing = DigestSubscription.objects.filter(
            workspace=actor.workspace, membership_id=membership_id
        ).first()
        if existing is not None:
            audit(actor, "dashboards.digest_unsubscribed", existing)
            existing.delete()
    return subscribed
