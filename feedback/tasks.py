from celery import shared_task

from feedback.services import ideas, intake


@shared_task
def process_feedback(workspace_id: int) -> int:
    """Sentiment, contact/account matching and duplicate candidates for unprocessed items."""
    return intake.feedback_process_pending(workspace_id=workspace_id)


@shared_task
def send_loop_closure(closure_id: int) -> int:
    """Queues one email per contact who asked for the idea; each contact once."""
    return ideas.loop_closure_send(closure_id=closure_id)
