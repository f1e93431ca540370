"""The report of an import's rows as CSV: the rows not imported, not items, or imported with a
note, each with the cells the file gave it, so the person can fix them and import those again.

productops.csvfiles.csv_download streams it and makes every cell safe to open in a spreadsheet.
"""

from collections.abc import Iterable, Iterator

from productops.models import ImportJob, ImportRowError

LEADING_COLUMNS = ["row", "outcome", "reason"]


def report_columns(job: ImportJob) -> list[str]:
    """The report's header: row, outcome and reason, then the file's own columns."""
    return [*LEADING_COLUMNS, *job.header]


def report_rows(job: ImportJob, rows: Iterable[ImportRowError]) -> Iterator[list]:
    """One line per reported row: its spreadsheet row number, outcome, reason and cells."""
    header = list(job.header)
    for row in rows:
        yield [
            row.row_number,
            row.get_kind_display(),
            row.reason,
            *(row.values.get(column, "") for column in header),
        ]
