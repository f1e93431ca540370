from celery import shared_task

from inventory.services import reminders


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def send_renewal_reminders() -> int:
    """Daily. Idempotent: each (contract, threshold) is claimed by a unique row before sending,
    so a repeated or concurrent run sends nothing twice, and a missed day is caught up."""
    return len(reminders.renewal_reminders_send())
