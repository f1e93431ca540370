"""CSV out: downloads that spreadsheets cannot execute. (Reading uploads: productops.imports.)"""

import csv
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse

# A cell starting with one of these is a formula to Excel, Sheets and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The value as text, with a leading quote where a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]):
    """Streams a CSV download, each cell made safe; rows may be a lazy iterator."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # so Excel opens UTF-8 as UTF-8
        yield writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            yield writer.writerow([safe_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
