from celery import shared_task

from dashboards import digest, refresh, wake


@shared_task(bind=True, acks_late=True, soft_time_limit=150, time_limit=170, max_retries=20)
def refresh_rollups(self, workspace_id: int) -> dict:
    """Applies the workspace's change marks. Idempotent; one worker at a time per workspace."""
    # Marks written from now on wake another run; those already written are this run's.
    wake.release_claim(workspace_id)
    outcome = refresh.refresh_changed(workspace_id=workspace_id)
    if not outcome.ran:
        # Another worker holds the lease; come back after it, in case marks arrived too late
        # for its last round. A run that finds nothing to do costs one small query.
        raise self.retry(countdown=wake.COALESCE_SECONDS * 2)
    return {"marks": outcome.marks, "written": outcome.written, "deleted": outcome.deleted}


@shared_task(acks_late=True, soft_time_limit=150, time_limit=170)
def rebuild_rollups(workspace_id: int) -> dict:
    outcome = refresh.rebuild_all(workspace_id=workspace_id)
    return {"ran": outcome.ran, "written": outcome.written}


@shared_task(acks_late=True)
def rebuild_tools_nightly() -> int:
    """Month windows move with the calendar, which writes no change mark: recount the (small)
    tools rollups of every workspace each night."""
    return refresh.mark_tools_everywhere()


@shared_task(acks_late=True)
def send_weekly_digests() -> int:
    return digest.digests_due_send()
