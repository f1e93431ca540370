"""Every write of an import: upload, start, and the batches of the background run.

The job row is the work: it holds the file, the mapping and how far it got. Each batch is
committed with the job's progress in one transaction, so a killed worker resumes where it
stopped, and two workers on one job take turns batch by batch instead of importing twice. A run
stops after its budget and queues the next stretch, so one import never holds a worker past the
task time limit and other work (another import, reminders, dashboards) gets through between.
"""

import hashlib
import json
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from productops import queueing
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.imports import selectors
from productops.imports.reading import MAX_IMPORT_BYTES, Row, UnreadableFile, read_upload
from productops.imports.registry import (
    BatchOutcome,
    FieldKind,
    Importer,
    RowError,
    guess_mapping,
    importer_for,
    layout_named,
    recognise,
)
from productops.imports.rows import (
    CHOICES_OPTION,
    COLUMNS_OPTION,
    RowReader,
    job_table,
    repeats,
)
from productops.imports.values import DateOrder, Decimals, column_rule
from productops.models import ApiToken, ImportJob, ImportRowError, Membership

BATCH_SIZE = 500
TOKEN_OPTION = "token_id"


@transaction.atomic
def import_upload(
    *, actor: Actor, kind: str, filename: str, raw: bytes, options: dict | None = None
) -> ImportJob:
    """Stores an uploaded CSV or workbook as a draft job with a guessed column mapping."""
    require(actor, Capability.RUN_IMPORTS)
    importer = importer_for(kind)
    require(actor, importer.capability)
    if len(raw) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": f"The file is over {MAX_IMPORT_BYTES // 2**20} MB."})
    try:
        table = read_upload(raw, filename)
    except UnreadableFile as error:
        raise ValidationError({"file": str(error)}) from None
    if not table.rows:
        raise ValidationError({"file": "The file has a header but no rows."})
    if "\x00" in table.text:
        # The job keeps the file as text, which Postgres cannot hold with a NUL in it; a file
        # that decodes to text with NUL (not a UTF-16 file, which decodes without) is refused
        # whole, naming the first row that holds one.
        first = next(
            (r.number for r in table.rows if any("\x00" in c for c in r.cells.values())), 1
        )
        raise ValidationError(
            {"file": f"Row {first} holds a NUL character, which cannot be stored; remove it."}
        )
    columns = {
        column: column_rule([row.cells.get(column, "") for row in table.rows]).as_dict()
        for column in table.header
    }
    layout = recognise(importer, table.header)
    sha256 = hashlib.sha256(raw).hexdigest()
    # The same file again starts from the columns and answers it was imported with, so that
    # importing it again really adds nothing new (another answer would store other values).
    earlier = selectors.last_import_of(workspace_id=actor.workspace.pk, kind=kind, sha256=sha256)
    job = ImportJob.objects.create(
        workspace=actor.workspace,
        kind=kind,
        created_by=actor.user,
        filename=filename[:255],
        content=table.text,
        content_sha256=sha256,
        header=table.header,
        mapping=earlier.mapping
        if earlier
        else guess_mapping(importer, table.header, [r.cells for r in table.rows[:200]]),
        options={
            **({CHOICES_OPTION: earlier.options.get(CHOICES_OPTION)} if earlier else {}),
            **(options or {}),
            "reading": table.layout.as_dict(),
            "layout": layout.name if layout else "",
            COLUMNS_OPTION: columns,
            **({TOKEN_OPTION: actor.token.pk} if actor.token is not None else {}),
        },
        total_rows=len(table.rows),
        skipped_rows=len(table.skipped),
    )
    ImportRowError.objects.bulk_create(
        ImportRowError(job=job, row_number=n, reason=why, kind=ImportRowError.Kind.SKIPPED)
        for n, why in table.skipped
    )
    audit(
        actor,
        "import.uploaded",
        job,
        after={"kind": kind, "file": filename, "rows": len(table.rows)},
    )
    return job


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


def validate_choices(importer: Importer, choices: dict[str, str]) -> dict[str, str]:
    """The date orders and decimal separators chosen in the mapping step, by field."""
    clean, errors = {}, {}
    for name, value in (choices or {}).items():
        if not value:
            continue
        f = next((f for f in importer.fields if f.name == name), None)
        if f is None:
            errors[name] = f"{name!r} is not a field of this import."
        elif (
            (f.kind in (FieldKind.DAY, FieldKind.MOMENT) and value in DateOrder)
            or (f.kind == FieldKind.MONEY and value in Decimals)
            or value in dict(f.choices)
        ):
            clean[name] = value
        else:
            errors[name] = f"{value!r} is not one of the choices for {f.label}."
    if errors:
        raise ValidationError(errors)
    return clean


def _locked_draft(actor: Actor, job: ImportJob) -> tuple[Importer, ImportJob]:
    """The job's importer and the job read again under a row lock, once `actor` may run that
    importer (PermissionDenied otherwise); ValidationError when the import has left its draft.
    Inside the caller's transaction."""
    importer = importer_for(job.kind)
    require(actor, importer.capability)
    job = ImportJob.objects.select_for_update().get(pk=job.pk, workspace=actor.workspace)
    if job.status != ImportJob.Status.DRAFT:
        raise ValidationError("This import has started already.")
    return importer, job


@transaction.atomic
def import_choose(
    *, actor: Actor, job: ImportJob, mapping: dict[str, str], choices: dict[str, str]
) -> ImportJob:
    """Keeps a draft's mapping and choices (the mapping step's "update preview")."""
    importer, job = _locked_draft(actor, job)
    job.mapping = {k: v for k, v in mapping.items() if v and v in job.header}
    job.options = {**job.options, CHOICES_OPTION: validate_choices(importer, choices)}
    job.save(update_fields=["mapping", "options"])
    return job


@transaction.atomic
def import_start(
    *,
    actor: Actor,
    job: ImportJob,
    mapping: dict[str, str],
    choices: dict[str, str] | None = None,
) -> ImportJob:
    importer, job = _locked_draft(actor, job)
    job.mapping = validate_mapping(importer, job.header, mapping)
    if choices is not None:
        job.options = {**job.options, CHOICES_OPTION: validate_choices(importer, choices)}
    job.status = ImportJob.Status.QUEUED
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["mapping", "options", "status", "heartbeat_at"])
    audit(actor, "import.started", job, after={"mapping": job.mapping})
    queueing.enqueue_once_on_commit("productops.tasks.run_import", job.pk)
    return job


def _actor_of(job: ImportJob) -> Actor | None:
    token_id = (job.options or {}).get(TOKEN_OPTION)
    if token_id:
        token = (
            ApiToken.objects.select_related("workspace")
            .filter(pk=token_id, workspace_id=job.workspace_id, revoked_at=None)
            .first()
        )
        return Actor(workspace=token.workspace, token=token) if token else None
    if job.created_by_id is None:  # its author's account was deleted
        return None
    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace_id=job.workspace_id, user_id=job.created_by_id)
        .first()
    )
    return Actor.for_membership(membership) if membership else None


def import_run(*, job_id: int, budget_seconds: float | None = None) -> str:
    """Imports the rest of a queued or running job, batch by batch. Safe to run twice at once.

    Stops after `budget_seconds` (by default `settings.BACKGROUND_STRETCH_SECONDS`) with "more",
    so one task never runs into its time limit; the task then queues the next stretch behind
    whatever else is waiting.
    """
    if budget_seconds is None:
        budget_seconds = settings.BACKGROUND_STRETCH_SECONDS
    job = ImportJob.objects.select_related("workspace").defer("content").filter(pk=job_id).first()
    if job is None or not job.is_active:
        return "nothing to do"
    importer = importer_for(job.kind)
    actor = _actor_of(job)
    if actor is None or not actor.can(importer.capability):
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            finished_at=timezone.now(),
            failure="The person or token that started this import can no longer import here.",
        )
        return "failed"
    rows, repeated = _read_once(importer, job)
    # The budget is for batches, after the reading: a file that takes longer to read than a
    # stretch still moves on by a stretch of batches each time.
    deadline = time.monotonic() + budget_seconds
    try:
        return _run_stretch(importer, job_id, actor, rows, repeated, deadline)
    finally:
        importer.stretch_done(job=job)


# The rows of the job this process read last, with their repeats: the stretches of one import
# read its file once per worker process instead of once a stretch (100,000 rows take 5-12 s to
# read on a busy 2-core machine, longer than a stretch). One entry, so memory stays one file's.
_last_read: dict[tuple, tuple[list[Row], dict[int, int]]] = {}


def _read_once(importer: Importer, job: ImportJob) -> tuple[list[Row], dict[int, int]]:
    options = job.options or {}
    key = (
        job.pk,
        job.content_sha256,
        json.dumps(options.get("reading"), sort_keys=True),
        json.dumps(job.mapping, sort_keys=True),
    )
    if key not in _last_read:
        rows = job_table(job).rows  # loads the deferred content
        _last_read.clear()
        _last_read[key] = (rows, repeats(importer, job.mapping, rows))
    return _last_read[key]


def _run_stretch(
    importer: Importer,
    job_id: int,
    actor: Actor,
    rows: list[Row],
    repeated: dict[int, int],
    deadline: float,
) -> str:
    while True:  # at least one batch a stretch, however long the reading took
        with transaction.atomic():
            job = (
                ImportJob.objects.select_for_update(of=("self",))
                .select_related("workspace")
                .defer("content")
                .get(pk=job_id)
            )
            if not job.is_active:
                return job.status
            batch = rows[job.processed_rows : job.processed_rows + BATCH_SIZE]
            if not batch:
                _finish(importer, job, actor, rows, repeated)
                return job.status
            outcome = _import_batch(importer, job, actor, batch, repeated)
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.RUNNING,
                started_at=job.started_at or timezone.now(),
                heartbeat_at=timezone.now(),
                processed_rows=F("processed_rows") + len(batch),
                created_rows=F("created_rows") + outcome.created,
                updated_rows=F("updated_rows") + outcome.updated,
                unchanged_rows=F("unchanged_rows") + outcome.unchanged,
                error_rows=F("error_rows") + len(outcome.errors),
                skipped_rows=F("skipped_rows") + len(outcome.skipped),
                noted_rows=F("noted_rows") + len(outcome.notes),
            )
        if time.monotonic() >= deadline:
            return "more"


def _import_batch(
    importer: Importer,
    job: ImportJob,
    actor: Actor,
    batch: list[Row],
    repeated: dict[int, int],
) -> BatchOutcome:
    reader = RowReader(importer, job, job.mapping)
    cleaned, errors, skipped = [], [], []
    layout = layout_named(importer, job.options.get("layout", ""))
    key_column = job.mapping.get(importer.repeat_key, "")
    for row in batch:
        if row.number in repeated:
            reason = (layout.repeat_reason if layout and layout.repeat_reason else "") or (
                "Another row for {id}: row {first} is the one imported."
            )
            skipped.append(
                (
                    row.number,
                    reason.format(id=row.cells.get(key_column, ""), first=repeated[row.number]),
                )
            )
            continue
        try:
            cleaned.append((row.number, reader.clean(row)))
        except RowError as failure:
            errors.append((row.number, str(failure)))
    outcome = importer.save_rows(cleaned, actor=actor, job=job) if cleaned else BatchOutcome()
    outcome.errors = errors + outcome.errors
    outcome.skipped = skipped + outcome.skipped
    cells = {row.number: row.cells for row in batch}
    kinds = (
        (ImportRowError.Kind.ERROR, outcome.errors),
        (ImportRowError.Kind.SKIPPED, outcome.skipped),
        (ImportRowError.Kind.NOTE, outcome.notes),
    )
    ImportRowError.objects.bulk_create(
        ImportRowError(
            job=job, row_number=number, reason=reason, kind=kind, values=cells.get(number, {})
        )
        for kind, listed in kinds
        for number, reason in listed
    )
    return outcome


def _link(
    importer: Importer, job: ImportJob, actor: Actor, rows: list[Row], repeated: dict[int, int]
) -> int:
    """The links between rows (importer.link_field), once all are stored; returns the notes
    written to the report. Only rows that give a link are read again."""
    column = job.mapping.get(importer.link_field) if importer.link_field else None
    if not column:
        return 0
    reader = RowReader(importer, job, job.mapping)
    linking = []
    for row in rows:
        if row.number in repeated or not row.cells.get(column, "").strip():
            continue
        try:
            linking.append((row.number, reader.clean(row)))
        except RowError:
            continue  # reported as a bad row by its batch
    notes = importer.link_rows(linking, actor=actor, job=job) if linking else []
    cells = {row.number: row.cells for row in rows}
    ImportRowError.objects.bulk_create(
        ImportRowError(
            job=job,
            row_number=number,
            reason=reason,
            kind=ImportRowError.Kind.NOTE,
            values=cells.get(number, {}),
        )
        for number, reason in notes
    )
    return len(notes)


def _finish(
    importer: Importer, job: ImportJob, actor: Actor, rows: list[Row], repeated: dict[int, int]
) -> None:
    job.noted_rows += _link(importer, job, actor, rows, repeated)
    job.status = ImportJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at", "noted_rows"])
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
            "skipped": job.skipped_rows,
        },
    )
