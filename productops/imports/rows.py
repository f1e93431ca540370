"""From a job's stored file to cleaned rows: the same steps for the preview and the import."""

from datetime import tzinfo

from productops import clock
from productops.imports.reading import Layout, Row, Table, parse_text
from productops.imports.registry import (
    IDENTITY,
    UNREADABLE,
    FieldKind,
    Importer,
    RowError,
    RowProblems,
    layout_named,
    normalise,
)
from productops.imports.values import (
    DATE_ORDER_LABELS,
    DECIMAL_LABELS,
    ColumnRule,
    DateOrder,
    Decimals,
    parse_day,
    parse_moment,
    parse_money,
)
from productops.models import ImportJob

COLUMNS_OPTION = "columns"  # column -> what its values decide (ColumnRule.as_dict())
CHOICES_OPTION = "choices"  # field -> the date order or decimal separator the person chose


def job_table(job: ImportJob) -> Table:
    return parse_text(job.content, Layout.from_dict((job.options or {}).get("reading")))


def column_rule(job: ImportJob, column: str) -> ColumnRule:
    data = ((job.options or {}).get(COLUMNS_OPTION) or {}).get(column) or {}
    return ColumnRule(
        date_order=DateOrder(data["date_order"]) if data.get("date_order") else None,
        dates_mixed=bool(data.get("dates_mixed")),
        # A job stored before the flag existed: as before, a column that decided nothing asks.
        numeric_dates=bool(data.get("numeric_dates", True)),
        decimals=Decimals(data["decimals"]) if data.get("decimals") else None,
        decimals_mixed=bool(data.get("decimals_mixed")),
    )


def file_date_order(job: ImportJob) -> DateOrder | None:
    """The day/month order the file's own dates settle: the one order of every column whose
    numeric dates decide it (a day above 12) without mixing; None when none decides or they
    disagree. A column that reads both ways starts from it rather than the workspace's order,
    so one file is never read in two orders."""
    columns = (job.options or {}).get(COLUMNS_OPTION) or {}
    orders = {
        rule.date_order
        for rule in (column_rule(job, column) for column in columns)
        if rule.numeric_dates and rule.date_order and not rule.dates_mixed
    }
    return orders.pop() if len(orders) == 1 else None


def open_questions(importer: Importer, job: ImportJob, mapping: dict[str, str]) -> list[dict]:
    """The date orders and decimal separators the file leaves open, for the mapping step."""
    questions = []
    choices = (job.options or {}).get(CHOICES_OPTION) or {}
    settled = file_date_order(job)
    for f in importer.fields:
        column = mapping.get(f.name)
        if f.choices and not column:
            questions.append(
                {
                    "field": f,
                    "what": f"{f.label}, for every row (the file has no such column)",
                    "options": f.choices,
                    "value": choices.get(f.name, ""),
                    "help": f.help,
                }
            )
        if not column or f.kind == FieldKind.TEXT:
            continue
        rule = column_rule(job, column)
        mixed = (
            "This column holds both kinds; rows that do not fit the choice are reported, "
            "not guessed."
        )
        if f.kind in (FieldKind.DAY, FieldKind.MOMENT):
            if rule.numeric_dates and (rule.date_order is None or rule.dates_mixed):
                default = rule.date_order or settled or job.workspace.date_order
                both_ways = "Every date here reads both ways" + (
                    f"; the file's other dates read {DATE_ORDER_LABELS[settled].lower()}."
                    if settled and not rule.date_order
                    else "."
                )
                questions.append(
                    {
                        "field": f,
                        "what": f"{f.label} ({column}): date order",
                        "options": tuple(DATE_ORDER_LABELS.items()),
                        "value": choices.get(f.name) or default,
                        "help": mixed if rule.dates_mixed else both_ways,
                    }
                )
        elif rule.decimals is None or rule.decimals_mixed:
            questions.append(
                {
                    "field": f,
                    "what": f"{f.label} ({column}): decimal separator",
                    "options": tuple(DECIMAL_LABELS.items()),
                    "value": choices.get(f.name) or rule.decimals or Decimals.POINT,
                    "help": mixed if rule.decimals_mixed else "Every amount here reads both ways.",
                }
            )
    return questions


class RowReader:
    """Reads mapped rows of one job: typed fields by their column's rule, then the importer's
    clean_row. Built once per batch or preview, so the rules are read once."""

    def __init__(self, importer: Importer, job: ImportJob, mapping: dict[str, str]):
        self.importer, self.job, self.mapping = importer, job, mapping
        choices = (job.options or {}).get(CHOICES_OPTION) or {}
        # A field no column holds, answered once for every row in the mapping step.
        self.answers = {
            f.name: choices[f.name]
            for f in importer.fields
            if f.choices and not mapping.get(f.name) and choices.get(f.name)
        }
        self.rules: dict[str, tuple[DateOrder | None, Decimals | None]] = {}
        settled = file_date_order(job)
        for f in importer.fields:
            column = mapping.get(f.name)
            if not column or f.kind == FieldKind.TEXT:
                continue
            rule = column_rule(job, column)
            order = rule.date_order or settled or DateOrder(job.workspace.date_order)
            # Unless the column decides or the person chose, the point: the mapping step asks,
            # and the preview shows the amount that will be stored.
            decimals = rule.decimals or Decimals.POINT
            if choices.get(f.name):
                if f.kind == FieldKind.MONEY:
                    decimals = Decimals(choices[f.name])
                else:
                    order = DateOrder(choices[f.name])
            self.rules[f.name] = (order, decimals)
        # A date and time without a zone is the workspace's local time, not UTC.
        self.zone: tzinfo = clock.zone(job.workspace)
        layout = layout_named(importer, (job.options or {}).get("layout", ""))
        by_key = {normalise(column): column for column in job.header}
        self.identity_columns = [
            by_key[normalise(column)]
            for column in (layout.identity if layout else ())
            if normalise(column) in by_key
        ]

    def mapped(self, row: Row) -> dict[str, str]:
        values = {name: row.cells.get(column, "") for name, column in self.mapping.items()}
        return {**self.answers, **values}

    def identity_cells(self, row: Row) -> dict[str, str]:
        """The row's identity cells (its layout's `identity` columns present in the file)."""
        return {column: row.cells.get(column, "").strip() for column in self.identity_columns}

    def typed(self, values: dict[str, str]) -> tuple[dict[str, object], dict[str, str]]:
        """The values with typed fields read (None when empty), and the reason each field that
        could not be read gives, by field (every one, not the first)."""
        out: dict[str, object] = dict(values)
        unreadable: dict[str, str] = {}
        currency = (values.get("currency") or "").strip().upper() or self.job.workspace.currency
        for name, (order, decimals) in self.rules.items():
            text = (values.get(name) or "").strip()
            if not text:
                out[name] = None
                continue
            f = self.importer.field(name)
            try:
                if f.kind == FieldKind.MOMENT:
                    out[name] = parse_moment(text, order, self.zone)
                elif f.kind == FieldKind.DAY:
                    out[name] = parse_day(text, order)
                else:
                    money = parse_money(text, decimals, currency)
                    if values.get("currency") and money.currency != currency:
                        raise ValueError(
                            f"{text!r} is in {money.currency} but the row's currency is {currency}"
                        )
                    out[name] = money
            except ValueError as error:
                out[name] = None
                unreadable[name] = f"{f.label}: {error}."
        return out, unreadable

    def clean(self, row: Row) -> dict:
        """The importer's cleaned values for a row; raises RowError with every reason: the
        cells that cannot be read and what the importer finds wrong with the others."""
        if row.fault:
            raise RowError(row.fault)
        values, unreadable = self.typed(self.mapped(row))
        values[UNREADABLE] = set(unreadable)
        if self.identity_columns:
            values[IDENTITY] = self.identity_cells(row)
        problems = RowProblems(*unreadable.values())
        cleaned = problems.check(self.importer.clean_row, values, job=self.job)
        problems.raise_any()
        assert cleaned is not None  # clean_row returned: it raised nothing
        return cleaned


def repeats(importer: Importer, mapping: dict[str, str], rows: list[Row]) -> dict[int, int]:
    """Row number -> the earlier row with the same key (a follow-up, a vote, a repeat)."""
    column = mapping.get(importer.repeat_key) if importer.repeat_key else None
    if not column:
        return {}
    first: dict[str, int] = {}
    repeated = {}
    for row in rows:
        key = row.cells.get(column, "").strip()
        if not key:
            continue
        if key in first:
            repeated[row.number] = first[key]
        else:
            first[key] = row.number
    return repeated
