"""Reading uploads: dialects, encodings, workbooks and the rows that cannot be read as the header
says. Each test asserts the cells read, not only how many rows."""

import csv
import io
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from productops.imports.reading import UnreadableFile, read_upload

DOUBLED_QUOTES = (
    b'id,title,description,votes\n1,Dark mode,"The ""dark"" theme, please",3\n2,SSO,Okta SAML,5\n'
)


def cells(raw: bytes, filename: str = "f.csv") -> list[tuple[int, dict, str]]:
    table = read_upload(raw, filename)
    return [(row.number, row.cells, row.fault) for row in table.rows]


def test_doubled_quotes_inside_a_quoted_value_stay_one_cell():
    assert cells(DOUBLED_QUOTES) == [
        (
            2,
            {
                "id": "1",
                "title": "Dark mode",
                "description": 'The "dark" theme, please',
                "votes": "3",
            },
            "",
        ),
        (3, {"id": "2", "title": "SSO", "description": "Okta SAML", "votes": "5"}, ""),
    ]


@pytest.mark.parametrize(
    ("raw", "separator", "expected"),
    [
        (b"name;cost\nMiro;1.234,56\nFigma;99,00\n", ";", {"name": "Miro", "cost": "1.234,56"}),
        (b"name\tcost\nMiro\t1,234.56\n", "\t", {"name": "Miro", "cost": "1,234.56"}),
        (b"name|cost\nMiro|12\n", "|", {"name": "Miro", "cost": "12"}),
        (
            b'name,note\r\nMiro,"two\r\nlines, one cell"\r\n',
            ",",
            {"name": "Miro", "note": "two\r\nlines, one cell"},
        ),
        (
            b"\xef\xbb\xbfname,note\nMiro,caf\xc3\xa9 \xe2\x98\x95\n",
            ",",
            {"name": "Miro", "note": "café ☕"},
        ),
        (
            b'name;note\nMiro;"a, b and c"\nSlack;"x; y"\n',
            ";",
            {"name": "Miro", "note": "a, b and c"},
        ),
        (b"email\nana@alpha.test\n", ",", {"email": "ana@alpha.test"}),
    ],
    ids=[
        "semicolon",
        "tab",
        "bar",
        "crlf-multiline",
        "bom-utf8",
        "semicolon-with-commas",
        "one-column",
    ],
)
def test_the_usual_dialects_are_read_cell_for_cell(raw, separator, expected):
    table = read_upload(raw)
    assert table.layout.delimiter == separator
    assert table.rows[0].cells == expected
    assert not table.rows[0].fault


def test_a_file_quoting_with_apostrophes_is_read_by_the_detector():
    table = read_upload(b"id,name\n1,'Smith, J'\n2,'Doe, A'\n3,Roe\n")
    assert table.layout.quotechar == "'"
    assert [r.cells["name"] for r in table.rows] == ["Smith, J", "Doe, A", "Roe"]


PLAY_HEADER = "Package Name\tReviewer Language\tStar Rating\tReview Text\tReview Link"
PLAY_ROWS = [
    "com.acme.app\tfr\t2\tTrès lent depuis la mise à jour\t",
    "com.acme.app\tde\t4\tGut aber langsam\t",
    "com.acme.app\tes\t1\tNo funciona 😞\t",
]


@pytest.mark.parametrize(
    ("malformed", "fault"),
    [
        ("com.acme.app\ten\t5\tLove it\t\textra", "has 6 cells where the header has 5"),
        ("com.acme.app\ten", "has 2 cells where the header has 5: it looks cut short"),
        ('com.acme.app\ten\t5\t"Love it "really" works\t', "A quote opened on line 3"),
    ],
    ids=["extra-cell", "cut-short", "stray-quote"],
)
def test_a_utf16_tsv_with_one_malformed_row_is_read_tab_separated(malformed, fault):
    # No row has a comma, so no reading but the tab's agrees with every row: the header decides.
    text = "\n".join([PLAY_HEADER, PLAY_ROWS[0], malformed, *PLAY_ROWS[1:]]) + "\n"
    table = read_upload(text.encode("utf-16"), "reviews.csv")

    assert table.layout.describe() == "UTF-16 text, tab separated"
    assert table.header == PLAY_HEADER.split("\t")
    good = {row.number: row.cells for row in table.rows if not row.fault}
    assert good[2]["Review Text"] == "Très lent depuis la mise à jour"
    assert good[4] == {
        "Package Name": "com.acme.app",
        "Reviewer Language": "de",
        "Star Rating": "4",
        "Review Text": "Gut aber langsam",
        "Review Link": "",
    }
    assert good[5]["Review Text"] == "No funciona 😞"
    assert [(row.number, fault in row.fault) for row in table.rows if row.fault] == [(3, True)]


def test_a_comma_file_with_one_malformed_row_stays_comma_separated():
    table = read_upload(b"id,title,votes\n1,Dark mode,3\n2,SSO\n3,Exports,7\n")
    assert table.layout.delimiter == ","
    assert [(r.number, r.cells["title"], bool(r.fault)) for r in table.rows] == [
        (2, "Dark mode", False),
        (3, "SSO", True),
        (4, "Exports", False),
    ]


def test_utf16_with_a_bom_is_read_and_named():
    raw = "Package Name,Review Text\ncom.acme,Très bien 👍\n".encode("utf-16")
    table = read_upload(raw)
    assert table.layout.encoding == "UTF-16"
    assert table.layout.describe() == "UTF-16 text, comma separated"
    assert table.rows[0].cells == {"Package Name": "com.acme", "Review Text": "Très bien 👍"}


def test_windows_1252_is_read_and_named():
    raw = "Tool,Note\nMiro,Café crème \u2013 5 €\n".encode("cp1252")
    table = read_upload(raw)
    assert table.layout.encoding == "Windows-1252"
    assert table.rows[0].cells["Note"] == "Café crème \u2013 5 €"


def test_a_header_repeated_inside_the_file_is_skipped_with_its_row():
    raw = b"Name,Seats\nFigma,10\nName,Seats\nMiro,5\n"
    table = read_upload(raw)
    assert [(r.number, r.cells["Name"]) for r in table.rows] == [(2, "Figma"), (4, "Miro")]
    assert [n for n, _ in table.skipped] == [3]


def test_an_unterminated_quote_is_reported_at_its_row_and_the_rest_is_read():
    raw = b'id,text\n1,fine\n2,"never closed\n3,still here\n4,and here\n'
    assert cells(raw) == [
        (2, {"id": "1", "text": "fine"}, ""),
        (3, {}, cells(raw)[1][2]),
        (4, {"id": "3", "text": "still here"}, ""),
        (5, {"id": "4", "text": "and here"}, ""),
    ]
    assert "quote opened on line 3" in cells(raw)[1][2]


def test_a_nul_byte_or_an_oversize_cell_is_a_fault_of_its_row():
    big = b"x" * 100_001
    rows = cells(b"id,text\n1,a\x00b\n2," + big + b"\n3,ok\n")
    assert "NUL character" in rows[0][2]
    assert "100,001 characters" in rows[1][2]
    assert rows[2] == (4, {"id": "3", "text": "ok"}, "")


def test_a_row_cut_short_or_with_an_extra_cell_is_a_fault():
    rows = cells(b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12,\n")
    assert [r[2] == "" for r in rows] == [True, False, False, True]
    assert "cut short" in rows[1][2]
    assert "separator inside a value" in rows[2][2]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"%PDF-1.7 ...", "PDF"),
        (b"\x00\x01\x02\x03" * 100, "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".xls"),
    ],
)
def test_files_that_are_not_tables_are_refused_with_a_reason(raw, message):
    with pytest.raises(UnreadableFile, match=message):
        read_upload(raw)


def test_an_excel_workbook_is_read_with_its_dates_and_numbers():
    book = Workbook()
    sheet = book.active
    sheet.title = "Licences"
    sheet.append(["Name", "Seats", "Cost", "Expiration Date", "Checked"])
    sheet.append(["Figma", 60, 27000.5, datetime(2027, 3, 4), True])
    sheet.append([None, None, None, None, None])
    sheet.append(["Miro", 80, 720, date(2026, 12, 1), False])
    out = io.BytesIO()
    book.save(out)

    table = read_upload(out.getvalue(), "licences.xlsx")

    assert table.layout.describe() == "Excel workbook, sheet 'Licences'"
    assert [(r.number, r.cells) for r in table.rows] == [
        (
            2,
            {
                "Name": "Figma",
                "Seats": "60",
                "Cost": "27000.5",
                "Expiration Date": "2027-03-04",
                "Checked": "yes",
            },
        ),
        (
            4,
            {
                "Name": "Miro",
                "Seats": "80",
                "Cost": "720",
                "Expiration Date": "2026-12-01",
                "Checked": "no",
            },
        ),
    ]


# Many shapes: any table a spreadsheet or a CSV library writes in the standard dialect, with any
# of the separators, encodings and awkward cells (quotes, apostrophes, separators, line breaks,
# emoji), is read back cell for cell, and one malformed row among them costs that row only.

_COLUMN_NAME = (
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)
_CELL = st.text(alphabet=st.sampled_from(list("ab 1.,;|\t\"'\nxé😀-")), max_size=15)


@st.composite
def _tables(draw):
    width = draw(st.integers(2, 6))
    header = draw(st.lists(_COLUMN_NAME, min_size=width, max_size=width, unique_by=str.lower))
    rows = draw(st.lists(st.lists(_CELL, min_size=width, max_size=width), min_size=1, max_size=8))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    assume(rows)
    separator = draw(st.sampled_from([",", ";", "\t", "|"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    return header, rows, separator, encoding


def _written(header, rows, separator) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


_SHAPES = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@_SHAPES
@given(_tables())
def test_any_standard_table_is_read_back_cell_for_cell(table):
    header, rows, separator, encoding = table

    read = read_upload(_written(header, rows, separator).encode(encoding), "f.csv")

    assert read.layout.delimiter == separator
    assert [[row.cells[name] for name in header] for row in read.rows] == [
        [cell.strip() for cell in row] for row in rows
    ]
    assert not any(row.fault for row in read.rows)


@_SHAPES
@given(_tables(), st.integers(0, 8), st.booleans())
def test_one_malformed_row_costs_that_row_only(table, where, cut_short):
    header, rows, separator, encoding = table
    where %= len(rows) + 1
    malformed = ["x1"] if cut_short else ["x1"] * (len(header) + 1)
    text = _written(header, [*rows[:where], malformed, *rows[where:]], separator)

    read = read_upload(text.encode(encoding), "f.csv")

    assert read.layout.delimiter == separator
    assert [row.number for row in read.rows if row.fault] == [where + 2]
    assert [[row.cells[name] for name in header] for row in read.rows if not row.fault] == [
        [cell.strip() for cell in row] for row in rows
    ]
