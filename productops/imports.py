"""CSV imports for any app: upload, map columns, preview, then a Celery job with progress.

An app plugs in an Importer (register it in AppConfig.ready()):

    class ToolImporter(Importer):
        kind = "tools"; label = "Tools"; capability = Capability.MANAGE_TOOLS
        fields = [ImportField("name", "Name", required=True, aliases=("tool", "app"))]

        def clean_row(self, values: dict[str, str], *, job: ImportJob) -> dict:
            ...  # raise RowError("why") for a bad row; return the cleaned values
        def save_rows(self, rows: list[tuple[int, dict]], *, actor: Actor, job: ImportJob)
                -> BatchOutcome:
            ...  # upsert by a natural key, so importing the same file again creates nothing

The job row is the work: it holds the file, the mapping and how far it got. Each batch is
committed with the job's progress in one transaction, so a killed worker resumes where it
stopped, and two workers on one job take turns batch by batch instead of importing twice.
"""

import hashlib
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from productops import background
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.csvfiles import Rows, UnreadableCsv, parse_csv, read_csv
from productops.models import ImportJob, ImportRowError, Membership

BATCH_SIZE = 500
MAX_IMPORT_BYTES = 60 * 1024 * 1024
STALLED_AFTER = timedelta(minutes=2)


class RowError(ValueError):
    """A row that cannot be imported; the message is the reason shown in the report."""


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


class Importer:
    kind: str
    label: str
    capability: Capability
    fields: list[ImportField]

    def clean_row(self, values: dict[str, str], *, job: ImportJob) -> dict:
        raise NotImplementedError

    def save_rows(
        self, rows: list[tuple[int, dict]], *, actor: Actor, job: ImportJob
    ) -> BatchOutcome:
        raise NotImplementedError


_importers: dict[str, Importer] = {}


def register(importer: Importer) -> None:
    _importers[importer.kind] = importer


def importer_for(kind: str) -> Importer:
    try:
        return _importers[kind]
    except KeyError:
        raise ValidationError({"kind": f"There is no importer for {kind!r}."}) from None


def importers() -> list[Importer]:
    return sorted(_importers.values(), key=lambda i: i.label)


def _normalise(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def guess_mapping(importer: Importer, header: list[str]) -> dict[str, str]:
    """Matches columns to fields by name, label or a known alias (the usual exports' names)."""
    by_key = {_normalise(column): column for column in header}
    mapping = {}
    for f in importer.fields:
        for candidate in (f.name, f.label, *f.aliases):
            column = by_key.get(_normalise(candidate))
            if column and column not in mapping.values():
                mapping[f.name] = column
                break
    return mapping


def mapped(values: dict[str, str], mapping: dict[str, str]) -> dict[str, str]:
    return {name: values.get(column, "") for name, column in mapping.items()}


@transaction.atomic
def import_upload(
    *, actor: Actor, kind: str, filename: str, raw: bytes, options: dict | None = None
) -> ImportJob:
    """Stores an uploaded CSV as a draft job with a guessed column mapping."""
    require(actor, Capability.RUN_IMPORTS)
    importer = importer_for(kind)
    require(actor, importer.capability)
    if len(raw) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": f"The file is over {MAX_IMPORT_BYTES // 2**20} MB."})
    try:
        header, rows = read_csv(raw)
    except UnreadableCsv as error:
        raise ValidationError({"file": str(error)}) from None
    if not rows:
        raise ValidationError({"file": "The file has a header but no rows."})
    content = raw.decode("utf-8-sig")
    job = ImportJob.objects.create(
        workspace=actor.workspace,
        kind=kind,
        created_by=actor.user,
        filename=filename[:255],
        content=content,
        content_sha256=hashlib.sha256(raw).hexdigest(),
        header=header,
        mapping=guess_mapping(importer, header),
        options=options or {},
        total_rows=len(rows),
    )
    audit(actor, "import.uploaded", job, after={"kind": kind, "file": filename, "rows": len(rows)})
    return job


def job_rows(job: ImportJob) -> Rows:
    return parse_csv(job.content)[1]


@dataclass(frozen=True)
class PreviewRow:
    number: int
    values: dict[str, str]
    error: str | None


def import_preview(*, job: ImportJob, mapping: dict[str, str], limit: int = 10) -> list[PreviewRow]:
    importer = importer_for(job.kind)
    preview = []
    for number, values in job_rows(job)[:limit]:
        row = mapped(values, mapping)
        try:
            importer.clean_row(row, job=job)
            error = None
        except RowError as failure:
            error = str(failure)
        preview.append(PreviewRow(number, row, error))
    return preview


def validate_mapping(importer: Importer, header: list[str], mapping: dict[str, str]) -> dict:
    mapping = {name: column for name, column in mapping.items() if column}
    known = {f.name for f in importer.fields}
    errors = {}
    for name, column in mapping.items():
        if name not in known:
            errors[name] = f"{name!r} is not a field of this import."
        elif column not in header:
            errors[name] = f"The file has no column {column!r}."
    for f in importer.fields:
        if f.required and f.name not in mapping:
            errors[f.name] = f"Choose the column that holds {f.label.lower()}."
    if errors:
        raise ValidationError(errors)
    return mapping


@transaction.atomic
def import_start(*, actor: Actor, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    importer = importer_for(job.kind)
    require(actor, importer.capability)
    job = ImportJob.objects.select_for_update().get(pk=job.pk, workspace=actor.workspace)
    if job.status != ImportJob.Status.DRAFT:
        raise ValidationError("This import has started already.")
    job.mapping = validate_mapping(importer, job.header, mapping)
    job.status = ImportJob.Status.QUEUED
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["mapping", "status", "heartbeat_at"])
    audit(actor, "import.started", job, after={"mapping": job.mapping})
    background.enqueue_on_commit("productops.tasks.run_import", job.pk)
    return job


def _actor_of(job: ImportJob) -> Actor | None:
    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace_id=job.workspace_id, user_id=job.created_by_id)
        .first()
    )
    return Actor.for_membership(membership) if membership else None


def import_run(*, job_id: int, budget_seconds: float = 120) -> str:
    """Imports the rest of a queued or running job, batch by batch. Safe to run twice at once.

    Stops after `budget_seconds` with "more", so one task never runs into its time limit; the
    task then queues the next stretch.
    """
    deadline = time.monotonic() + budget_seconds
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or not job.is_active:
        return "nothing to do"
    importer = importer_for(job.kind)
    actor = _actor_of(job)
    if actor is None or not actor.can(importer.capability):
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            finished_at=timezone.now(),
            failure="The person who started this import can no longer import here.",
        )
        return "failed"
    rows = job_rows(job)
    while time.monotonic() < deadline:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().defer("content").get(pk=job_id)
            if not job.is_active:
                return job.status
            batch = rows[job.processed_rows : job.processed_rows + BATCH_SIZE]
            if not batch:
                _finish(job, actor)
                return job.status
            outcome = _import_batch(importer, job, actor, batch)
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.RUNNING,
                started_at=job.started_at or timezone.now(),
                heartbeat_at=timezone.now(),
                processed_rows=F("processed_rows") + len(batch),
                created_rows=F("created_rows") + outcome.created,
                updated_rows=F("updated_rows") + outcome.updated,
                unchanged_rows=F("unchanged_rows") + outcome.unchanged,
                error_rows=F("error_rows") + len(outcome.errors),
            )
    return "more"


def _import_batch(importer: Importer, job: ImportJob, actor: Actor, batch: Rows) -> BatchOutcome:
    cleaned, errors = [], []
    raw_by_number = dict(batch)
    for number, values in batch:
        try:
            cleaned.append((number, importer.clean_row(mapped(values, job.mapping), job=job)))
        except RowError as failure:
            errors.append((number, str(failure)))
    outcome = importer.save_rows(cleaned, actor=actor, job=job) if cleaned else BatchOutcome()
    outcome.errors = errors + outcome.errors
    ImportRowError.objects.bulk_create(
        ImportRowError(
            job=job, row_number=number, reason=reason, values=raw_by_number.get(number, {})
        )
        for number, reason in outcome.errors
    )
    return outcome


def _finish(job: ImportJob, actor: Actor) -> None:
    job.status = ImportJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    audit(
        actor,
        "import.finished",
        job,
        after={
            "rows": job.total_rows,
            "created": job.created_rows,
            "updated": job.updated_rows,
            "unchanged": job.unchanged_rows,
            "errors": job.error_rows,
        },
    )


def imports_left_behind(*, older_than: timedelta = STALLED_AFTER) -> list[int]:
    """Queued or running jobs with no progress for a while: their worker or message was lost."""
    return list(
        ImportJob.objects.filter(
            status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING],
            heartbeat_at__lt=timezone.now() - older_than,
        ).values_list("pk", flat=True)[:100]
    )


def earlier_import_of_same_file(job: ImportJob) -> ImportJob | None:
    return (
        ImportJob.objects.filter(
            workspace_id=job.workspace_id,
            kind=job.kind,
            content_sha256=job.content_sha256,
            status=ImportJob.Status.DONE,
        )
        .exclude(pk=job.pk)
        .order_by("-finished_at")
        .first()
    )
