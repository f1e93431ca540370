"""CSV out: downloads that spreadsheets cannot execute. (Reading uploads: productops.imports.)"""

import csv
import re
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse

# A cell starting with one of these is a formula to Excel, Sheets and LibreOffice (a leading tab
# or carriage return is stripped by some, leaving what follows to be run).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# What a spreadsheet reads as a plain number even though it starts with + or -: "-5", "+1.25",
# "-3e4". A lone trigger ("-" for "none", "=") is text too. Neither runs anything.
_SIGNED_NUMBER = re.compile(r"[+-](?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: object) -> str:
    """The value as text, with a leading quote where a spreadsheet would run it as a formula.

    Quoted: a trigger followed by more ("=SUM(A1)", "+cmd", "-2+3", "@x", "\tx"). Left as it is:
    a lone "-" or "=", and a signed number ("-5", "+1.5"), which a spreadsheet shows unchanged.
    """
    text = "" if value is None else str(value)
    if len(text) < 2 or not text.startswith(FORMULA_TRIGGERS):
        return text
    return text if _SIGNED_NUMBER.fullmatch(text) else f"'{text}"


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
