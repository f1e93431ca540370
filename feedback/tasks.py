from celery import shared_task

from feedback.services import ideas, processing
from productops import queueing

# Under the task time limit with room to spare, and short enough that work queued meanwhile
# (another import, reminders, dashboards) starts within about this long.
PROCESS_BUDGET_SECONDS = 10


@shared_task
def process_feedback(workspace_id: int) -> int:
    """Sentiment, contact/account matching and duplicate candidates for unprocessed items."""
    run = processing.feedback_process_pending(
        workspace_id=workspace_id, budget_seconds=PROCESS_BUDGET_SECONDS
    )
    if run.more:
        queueing.enqueue_now(process_feedback.name, workspace_id)
    return run.processed


@shared_task
def send_loop_closure(closure_id: int) -> int:
    """Queues one email per contact who asked for the idea; each contact once."""
    return ideas.loop_closure_send(closure_id=closure_id)
