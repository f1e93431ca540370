from celery import shared_task
from django.conf import settings

from feedback.services import loop_closures, processing
from productops import queueing


@shared_task
def process_feedback(workspace_id: int) -> int:
    """Sentiment, contact/account matching and duplicate candidates for unprocessed items, for
    one stretch; the next stretch is queued behind whatever waits (another import, reminders,
    dashboards), and a wake-up during this one queues no second chain."""
    queueing.dequeued(process_feedback.name, workspace_id)
    run = processing.feedback_process_pending(
        workspace_id=workspace_id, budget_seconds=settings.BACKGROUND_STRETCH_SECONDS
    )
    if run.more:
        queueing.enqueue_once_now(process_feedback.name, workspace_id)
    return run.processed


@shared_task
def send_loop_closure(closure_id: int) -> int:
    """Queues one email per contact who asked for the idea; each contact once."""
    return loop_closures.loop_closure_send(closure_id=closure_id)
