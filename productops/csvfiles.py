"""CSV in and out: reading uploads, and exports that spreadsheets cannot execute."""

import csv
import io
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


class UnreadableCsv(ValueError):
    pass


Rows = list[tuple[int, dict[str, str]]]  # (spreadsheet row number, values by column)


def read_csv(raw: bytes) -> tuple[list[str], Rows]:
    """Header and rows of an uploaded CSV (UTF-8, with or without BOM; , ; or tab separated)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableCsv("The file is not UTF-8 text; export it as 'CSV UTF-8'.") from None
    return parse_csv(text)


def parse_csv(text: str) -> tuple[list[str], Rows]:
    """Rows are numbered as a spreadsheet shows them: the header is row 1, blank rows count."""
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise UnreadableCsv("The file is empty.") from None
    if not any(header):
        raise UnreadableCsv("The first line must name the columns.")
    if len(set(header)) != len(header):
        raise UnreadableCsv("Two columns have the same name; rename one and upload again.")
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        cells = {
            name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(header)
        }
        rows.append((number, cells))
    return header, rows
