"""Reading an uploaded table: CSV in any of the usual encodings and dialects, or an .xlsx workbook.

What a file says is kept exactly: the dialect is the standard one (comma, double quote, quotes
doubled inside a quoted value) unless the file shows strong evidence of another, so a value like
`"The ""dark"" theme, please"` stays one cell. A row that cannot be read as the header says
(cut short, a quote never closed, a NUL character, a cell past the limit) is kept with its fault,
so the report names it; reading goes on from the next line instead of swallowing the file.
"""

import codecs
import csv
import io
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time

import clevercsv

MAX_IMPORT_BYTES = 60 * 1024 * 1024
MAX_CELL = 100_000
SAMPLE_CHARS = 64_000
DELIMITERS = ",;\t|"

# The csv module refuses cells over 128 kB with an error that names no row; we let it read
# any cell the file can hold and report a cell over MAX_CELL on its row instead.
csv.field_size_limit(MAX_IMPORT_BYTES)

_BINARY_SIGNATURES = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) workbook: save it as .xlsx or CSV",
}


class UnreadableFile(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class Layout:
    """How a file was read; kept on the job so every later read gives the same rows."""

    format: str = "csv"  # "csv" or "xlsx"
    encoding: str = "UTF-8"
    delimiter: str = ","
    quotechar: str = '"'
    escapechar: str = ""
    sheet: str = ""

    def describe(self) -> str:
        if self.format == "xlsx":
            return f"Excel workbook, sheet {self.sheet!r}"
        names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
        separator = names.get(self.delimiter, repr(self.delimiter))
        return f"{self.encoding} text, {separator} separated"

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> "Layout":
        return cls(**data) if data else cls()


@dataclass(frozen=True)
class Row:
    number: int  # as a spreadsheet shows it: the header is row 1, blank rows count
    cells: dict[str, str]
    fault: str = ""  # why the row cannot be read as the header says; "" when it can


@dataclass
class Table:
    header: list[str]
    rows: list[Row]
    layout: Layout
    text: str  # what the job keeps: the decoded CSV, or a workbook's sheet written as CSV
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, why), not data rows


def read_upload(raw: bytes, filename: str = "") -> Table:
    """The header and rows of an uploaded CSV or .xlsx file. Raises UnreadableFile."""
    if not raw.strip():
        raise UnreadableFile("The file is empty.")
    if raw.startswith(b"PK\x03\x04"):
        if not filename.lower().endswith((".xlsx", ".xlsm")) and b"xl/" not in raw[:4096]:
            raise UnreadableFile("This is a zip archive, not a CSV or Excel file.")
        return _read_workbook(raw)
    text, encoding = _decode(raw)
    layout = Layout(encoding=encoding, **_detect_dialect(text))
    return parse_text(text, layout)


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise UnreadableFile("The file says it is UTF-16 but is not.") from None
    for signature, what in _BINARY_SIGNATURES.items():
        if raw.startswith(signature):
            raise UnreadableFile(f"This is {what}, not a CSV file.")
    head = raw[:8192]
    if head.count(b"\x00") > max(8, len(head) // 100):
        raise UnreadableFile("This is a binary file, not a CSV or Excel file.")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        # Excel on Windows saves "CSV" (not "CSV UTF-8") in Windows-1252.
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise UnreadableFile(
            "The file is not text in UTF-8, UTF-16 or Windows-1252; export it as 'CSV UTF-8'."
        ) from None


def _lines(text: str) -> list[str]:
    if "\n" not in text and "\r" in text:  # classic Mac line ends
        text = text.replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line + "\n" for line in lines]


def _records(text: str, dialect: dict):
    """(first line index, cells or None, error) per record. After an error, reading starts
    again on the line after the one where the broken record began, so one stray quote costs
    one row, not the rest of the file."""
    lines: list[str] | None = None
    offset, source = 0, text
    while True:
        reader = csv.reader(
            io.StringIO(source, newline=""),
            delimiter=dialect["delimiter"],
            quotechar=dialect["quotechar"] or None,
            escapechar=dialect["escapechar"] or None,
            doublequote=True,
            strict=True,
        )
        consumed = 0  # lines of `source` read by the records before this one
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                start = offset + consumed
                yield start, None, str(error)
                lines = lines if lines is not None else _lines(text)
                offset = start + 1
                source = "".join(lines[offset:])
                break
            yield offset + consumed, cells, ""
            consumed = reader.line_num


def _fit(sample_lines: list[str], dialect: dict) -> tuple[int, float]:
    """(columns, share of rows with exactly that many cells) for a dialect on the sample."""
    widths = [len(cells) for _, cells, _ in _records("".join(sample_lines), dialect) if cells]
    if not widths:
        return 0, 0.0
    header, rows = widths[0], widths[1:]
    if not rows:
        return header, 1.0
    return header, sum(1 for w in rows if w == header) / len(rows)


def _detect_dialect(text: str) -> dict:
    """The dialect the sample proves: the standard one unless the evidence is strong.

    A separator that reads every row with the header's number of cells wins (the comma first,
    then the one giving the most columns). When no separator reads every row (one malformed row
    in a small file), the header line is the evidence: it names the columns, and names hardly
    ever hold a separator, so a separator that splits it is weighed by how many rows agree with
    it. Otherwise a UTF-16 tab-separated export whose texts hold commas would be read comma
    separated, the whole header one column. Only when fewer than half the rows agree is clevercsv
    asked, for quoting other than the standard (apostrophes, a backslash escape), and its answer
    taken when it reads the rows more consistently.
    """
    sample = text[:SAMPLE_CHARS]
    sample_lines = _lines(sample)
    if len(text) > SAMPLE_CHARS and len(sample_lines) > 2:
        sample_lines = sample_lines[:-1]  # the last line may be cut in the middle
    standard = {"delimiter": ",", "quotechar": '"', "escapechar": ""}
    fits = {d: _fit(sample_lines, {**standard, "delimiter": d}) for d in DELIMITERS}
    perfect = [d for d in DELIMITERS if fits[d][1] == 1.0 and fits[d][0] > 1]
    if perfect:
        chosen = "," if "," in perfect else max(perfect, key=lambda d: fits[d][0])
        return {**standard, "delimiter": chosen}
    splitting = [d for d in DELIMITERS if fits[d][0] > 1]  # separators that split the header
    if not splitting and fits[","][1] == 1.0:
        return standard  # one column: nothing to detect
    # Most rows agreeing with the header first, then the most columns; the order of DELIMITERS
    # (the comma first) breaks a tie.
    best = max(splitting, key=lambda d: (fits[d][1], fits[d][0]), default=",")
    best_share = fits[best][1] if splitting else 0.0
    if best_share >= 0.5:
        return {**standard, "delimiter": best}  # most rows read as the header: a few are bad
    found = clevercsv.Detector().detect("".join(sample_lines), delimiters=list(DELIMITERS))
    # An answer without quoting is never taken: it would cut every multi-line text (common in
    # feedback) into rows that may happen to have the header's width.
    if found is not None and found.delimiter and found.quotechar:
        candidate = {
            "delimiter": found.delimiter,
            "quotechar": found.quotechar or "",
            "escapechar": found.escapechar or "",
        }
        fit = _fit(sample_lines, candidate)
        if fit[0] > 1 and fit[1] > best_share:
            return candidate
    return {**standard, "delimiter": best}


def _clean_header(cells: list[str]) -> list[str]:
    header = [cell.strip().lstrip("\ufeff").strip() for cell in cells]
    if not any(header):
        raise UnreadableFile("The first line must name the columns.")
    named, seen = [], set()
    for index, name in enumerate(header, start=1):
        name = name or f"Column {index}"
        candidate, copy = name, 2
        while candidate.lower() in seen:  # forms repeat a question's title; keep both columns
            candidate, copy = f"{name} ({copy})", copy + 1
        seen.add(candidate.lower())
        named.append(candidate)
    return named


def _fault(cells: list[str], header: list[str]) -> str:
    if len(cells) < len(header):
        return (
            f"This row has {len(cells)} cells where the header has {len(header)}: "
            "it looks cut short."
        )
    if any(c.strip() for c in cells[len(header) :]):
        return (
            f"This row has {len(cells)} cells where the header has {len(header)}: "
            "a separator inside a value that is not in quotes?"
        )
    for name, cell in zip(header, cells, strict=False):
        if "\x00" in cell:
            return f"{name} holds a NUL character, which cannot be stored; remove it."
        if len(cell) > MAX_CELL:
            return f"{name} holds {len(cell):,} characters; a cell can hold at most {MAX_CELL:,}."
    return ""


def parse_text(text: str, layout: Layout) -> Table:
    dialect = {
        "delimiter": layout.delimiter,
        "quotechar": layout.quotechar,
        "escapechar": layout.escapechar,
    }
    records = _records(text, dialect)
    header: list[str] | None = None
    rows: list[Row] = []
    skipped: list[tuple[int, str]] = []
    header_key: list[str] = []
    for number, (start, cells, error) in enumerate(records, start=1):
        if header is None:
            if cells is None:
                raise UnreadableFile(f"The header line cannot be read: {error}.")
            header = _clean_header(cells)
            header_key = [c.strip().lower() for c in cells]
            continue
        if cells is None:
            rows.append(
                Row(
                    number,
                    {},
                    f"A quote opened on line {start + 1} of the file is not closed where it "
                    f"should be ({error}); the rows after it are read from the next line.",
                )
            )
            continue
        if not any(c.strip() for c in cells):
            continue
        if [c.strip().lower() for c in cells] == header_key:
            skipped.append((number, "The header again (some exports repeat it every few rows)."))
            continue
        values = {
            name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)
        }
        rows.append(Row(number, values, _fault(cells, header)))
    if header is None:
        raise UnreadableFile("The file is empty.")
    return Table(header=header, rows=rows, layout=layout, text=text, skipped=skipped)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_workbook(raw: bytes) -> Table:
    from openpyxl import load_workbook  # a large package: loaded by the first workbook only

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged or foreign zip
        raise UnreadableFile(f"This workbook cannot be opened ({error}).") from None
    try:
        sheet = workbook.worksheets[0]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for values in sheet.iter_rows(values_only=True):
            # Blank rows are written too, so row numbers stay the ones Excel shows.
            writer.writerow([_cell_text(v) for v in values])
        title = sheet.title
    finally:
        workbook.close()
    layout = Layout(format="xlsx", encoding="", sheet=title)
    return parse_text(out.getvalue(), layout)
