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


# A file of up to this many rows is checked whole at the mapping step, so the import button can
# say how many rows will be imported; a bigger one has its first rows checked (about 0.3 ms a
# row: a second at most for each preview).
CHECKED_WHOLE_UP_TO = 2_000


@dataclass(frozen=True)
class PreviewColumn:
    name: str  # the field
    label: str
    column: str  # the file's column it is read from; "" when the import fills it in


@dataclass(frozen=True)
class PreviewRow:
    number: int
    values: dict[str, str]  # the text read, by field
    stored: dict[str, str]  # the value that will be stored, by field
    error: str | None
    note: str = ""
    cells: tuple[str, ...] = ()  # by Preview.columns: the stored value, else the text read


@dataclass(frozen=True)
class Preview:
    rows: list[PreviewRow]
    reading: str  # how the file was read: encoding and separator, or the workbook's sheet
    layout: str  # the export recognised, or ""
    questions: list[dict]  # date orders and decimal separators the file leaves open
    skipped: int  # repeated headers
    # The fields the rows show: those read from a column first, in the importer's order, then
    # those the import fills in (an answer, a derived value); fields empty in every row and in
    # no column are left out, so the stored values stay in view on a laptop's screen.
    columns: list[PreviewColumn]
    notes: list[str]  # values the file leaves out that the import fills in on its own
    total: int  # the file's rows
    checked: int  # rows checked for the counts below: all, up to CHECKED_WHOLE_UP_TO
    bad: int  # checked rows that cannot be imported (a value that fails its rules)
    repeats: int  # checked rows that repeat an earlier row's key (not imported on their own)

    @property
    def whole(self) -> bool:
        return self.checked == self.total

    @property
    def importable(self) -> int:
        """Rows that will be imported, when the whole file was checked."""
        return self.total - self.bad - self.repeats


def import_preview(*, job: ImportJob, mapping: dict[str, str], limit: int = 10) -> Preview:
    importer: Importer = importer_for(job.kind)
    table = job_table(job)
    reader = RowReader(importer, job, mapping)
    checked = table.rows[:CHECKED_WHOLE_UP_TO]
    repeated = repeats(importer, mapping, checked)
    shown, cleaned = [], []
    bad = 0
    for index, row in enumerate(checked):
        values = reader.mapped(row) if index < limit else {}
        if row.number in repeated:
            if index < limit:
                note = f"Same as row {repeated[row.number]}"
                shown.append(PreviewRow(row.number, values, {}, None, note))
            continue
        try:
            clean = reader.clean(row)
        except RowError as failure:
            bad += 1
            if index < limit:
                shown.append(PreviewRow(row.number, values, {}, str(failure)))
            continue
        if index < limit:
            cleaned.append((row.number, clean))
            shown.append(PreviewRow(row.number, values, importer.stored(clean), None))
    notes = importer.preview_notes(cleaned, job=job) if cleaned else {}
    columns = _preview_columns(importer, mapping, shown)
    rows = [
        PreviewRow(
            r.number,
            r.values,
            r.stored,
            r.error,
            notes.get(r.number, r.note),
            tuple(_shown(r, c.name) for c in columns),
        )
        for r in shown
    ]
    return Preview(
        rows=rows,
        reading=Layout.from_dict(job.options.get("reading")).describe(),
        layout=job.options.get("layout", ""),
        questions=open_questions(importer, job, mapping),
        skipped=job.skipped_rows,
        columns=columns,
        notes=importer.mapping_notes(mapping),
        total=len(table.rows),
        checked=len(checked),
        bad=bad,
        repeats=len(repeated),
    )


def _shown(row: PreviewRow, name: str) -> str:
    """The value a row will store for a field, else the text read (a row that fails shows
    what the file holds)."""
    return row.stored.get(name) or row.values.get(name, "")


def _preview_columns(
    importer: Importer, mapping: dict[str, str], rows: list[PreviewRow]
) -> list[PreviewColumn]:
    mapped = [f for f in importer.fields if mapping.get(f.name)]
    filled = [
        f
        for f in importer.fields
        if not mapping.get(f.name) and any(_shown(r, f.name) for r in rows)
    ]
    return [PreviewColumn(f.name, f.label, mapping.get(f.name, "")) for f in mapped + filled]


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
