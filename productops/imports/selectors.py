"""Every read of imports: lists, one job, its report, the preview and lost-work finding."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from productops.imports.reading import Layout
from productops.imports.registry import Importer, RowError, importer_for
from productops.imports.rows import RowReader, job_table, open_questions, repeats
from productops.models import ImportJob, ImportRowError, Workspace

# A queued or running job with no progress for this long was lost: the sweeper restarts it.
STALLED_AFTER = timedelta(minutes=2)


def import_jobs(*, workspace: Workspace) -> QuerySet[ImportJob]:
    return (
        ImportJob.objects.filter(workspace=workspace).defer("content").select_related("created_by")
    )


def import_job(*, workspace: Workspace, job_id: int) -> ImportJob | None:
    return (
        ImportJob.objects.filter(workspace=workspace, pk=job_id)
        .select_related("workspace")
        .defer("content")
        .first()
    )


def report_rows(*, job: ImportJob, limit: int | None = None) -> QuerySet[ImportRowError]:
    rows = job.row_errors.order_by("row_number", "pk")
    return rows[:limit] if limit else rows


@dataclass(frozen=True)
class PreviewRow:
    number: int
    values: dict[str, str]  # the text read, by field
    stored: dict[str, str]  # the value that will be stored, by field
    error: str | None
    note: str = ""


@dataclass(frozen=True)
class Preview:
    rows: list[PreviewRow]
    reading: str  # how the file was read: encoding and separator, or the workbook's sheet
    layout: str  # the export recognised, or ""
    questions: list[dict]  # date orders and decimal separators the file leaves open
    skipped: int  # repeated headers


def import_preview(*, job: ImportJob, mapping: dict[str, str], limit: int = 10) -> Preview:
    importer: Importer = importer_for(job.kind)
    table = job_table(job)
    reader = RowReader(importer, job, mapping)
    repeated = repeats(importer, mapping, table.rows[: limit * 5])
    shown, cleaned = [], []
    for row in table.rows[:limit]:
        values = reader.mapped(row)
        if row.number in repeated:
            shown.append(
                PreviewRow(row.number, values, {}, None, f"Same as row {repeated[row.number]}")
            )
            continue
        try:
            clean = reader.clean(row)
        except RowError as failure:
            shown.append(PreviewRow(row.number, values, {}, str(failure)))
            continue
        cleaned.append((row.number, clean))
        shown.append(PreviewRow(row.number, values, importer.stored(clean), None))
    notes = importer.preview_notes(cleaned, job=job) if cleaned else {}
    rows = [
        PreviewRow(r.number, r.values, r.stored, None, notes[r.number]) if r.number in notes else r
        for r in shown
    ]
    return Preview(
        rows=rows,
        reading=Layout.from_dict(job.options.get("reading")).describe(),
        layout=job.options.get("layout", ""),
        questions=open_questions(importer, job, mapping),
        skipped=job.skipped_rows,
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
    """The last finished import of the same bytes into the same kind, other than `job`."""
    return last_import_of(
        workspace_id=job.workspace_id, kind=job.kind, sha256=job.content_sha256, other_than=job.pk
    )


def last_import_of(
    *, workspace_id: int, kind: str, sha256: str, other_than: int | None = None
) -> ImportJob | None:
    done = ImportJob.objects.filter(
        workspace_id=workspace_id, kind=kind, content_sha256=sha256, status=ImportJob.Status.DONE
    )
    if other_than is not None:
        done = done.exclude(pk=other_than)
    return done.defer("content").order_by("-finished_at").first()
