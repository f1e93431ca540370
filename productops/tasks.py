from celery import shared_task

from productops import idempotency, imports, lost_work, queueing, services


@shared_task
def send_email(email_id: int) -> bool:
    return services.email_send(email_id=email_id)


@shared_task
def sweep() -> dict[str, int]:
    return lost_work.sweep_all()


@shared_task
def purge_idempotency_keys() -> int:
    return idempotency.purge_expired()


@shared_task
def run_import(job_id: int) -> str:
    queueing.dequeued(run_import.name, job_id)
    outcome = imports.import_run(job_id=job_id)
    if outcome == "more":  # the next stretch, behind whatever waits, so none runs long
        queueing.enqueue_once_now(run_import.name, job_id)
    return outcome
