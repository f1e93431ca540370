from celery import shared_task

from productops import background, idempotency, services


@shared_task
def send_email(email_id: int) -> bool:
    return services.email_send(email_id=email_id)


@shared_task
def sweep() -> dict[str, int]:
    return background.sweep_all()


@shared_task
def purge_idempotency_keys() -> int:
    return idempotency.purge_expired()


def requeue_unsent_emails() -> int:
    ids = services.emails_left_behind()
    for email_id in ids:
        send_email.delay(email_id)
    return len(ids)
