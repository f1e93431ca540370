from celery import shared_task

from productops import background, idempotency, imports, services


@shared_task
def send_email(email_id: int) -> bool:
    return services.email_send(email_id=email_id)


@shared_task
def sweep() -> dict[str, int]:
    return background.sweep_all()


@shared_task
def purge_idempotency_keys() -> int:
    return idempotency.purge_expired()


@shared_task
def run_import(job_id: int) -> str:
    outcome = imports.import_run(job_id=job_id)
    if outcome == "more":
        run_import.delay(job_id)
    return outcome


def requeue_stalled_imports() -> int:
    ids = imports.imports_left_behind()
    for job_id in ids:
        run_import.delay(job_id)
    return len(ids)


def requeue_unsent_emails() -> int:
    ids = services.emails_left_behind()
    for email_id in ids:
        send_email.delay(email_id)
    return len(ids)
