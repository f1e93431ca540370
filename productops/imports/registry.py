"""What an app's importer declares, and the registry of importers (filled in AppConfig.ready()).

class ToolImporter(Importer):
    kind = "tools"; label = "Tools"; capability = Capability.MANAGE_TOOLS
    fields = [ImportField("name", "Name", required=True, aliases=("tool", "app")),
              ImportField("renewal_date", "Renewal date", kind=FieldKind.DAY)]

    def clean_row(self, values: dict, *, job: ImportJob) -> dict:
        ...  # typed fields arrive read (a date, a Money); raise RowError(*every_reason)
    def save_rows(self, rows, *, actor, job) -> BatchOutcome:
        ...  # upsert by a natural key, so importing the same file again creates nothing
    def stored(self, cleaned: dict) -> dict[str, str]:
        ...  # the value each field will store, as the preview shows it
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import ValidationError

from productops.capabilities import Capability
from productops.models import ImportJob

# The key of a row's identity cells (Layout.identity) among the values clean_row receives.
IDENTITY = "_identity"


# The key of the typed fields a row's cells could not be read as (a date, an amount), among the
# values clean_row receives: their reasons are reported already, so clean_row neither reads
# them nor calls them missing.
UNREADABLE = "_unreadable"


class RowError(ValueError):
    """A row that cannot be imported; its reasons (every one found) are shown in the report."""

    def __init__(self, *reasons: str):
        super().__init__(" ".join(reasons))
        self.reasons = list(reasons)


class RowProblems:
    """Gathers a row's problems so the report names every one, not only the first: each check
    that does not depend on another runs through `check`, then `raise_any()`."""

    def __init__(self, *reasons: str):
        self.reasons = list(reasons)

    def add(self, reason: str) -> None:
        self.reasons.append(reason)

    def check[T](self, function: Callable[..., T], *args, **kwargs) -> T | None:
        """`function(*args, **kwargs)`, or None when it raises RowError (its reasons kept)."""
        try:
            return function(*args, **kwargs)
        except RowError as error:
            self.reasons.extend(error.reasons)
            return None

    def raise_any(self) -> None:
        if self.reasons:
            raise RowError(*self.reasons)


class FieldKind(StrEnum):
    TEXT = "text"
    MOMENT = "moment"  # a date and time
    DAY = "day"  # a calendar date
    MONEY = "money"  # an amount, with its currency when the cell names one


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""
    kind: FieldKind = FieldKind.TEXT
    # (value, label) pairs: when no column holds the field, the mapping step asks one for all rows
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Layout:
    """A known export (Zendesk tickets, Snipe-IT licences...): recognised by its columns."""

    name: str
    columns: tuple[str, ...]  # all present (compared without case and punctuation)
    mapping: dict[str, str]  # field -> column, taking precedence over guesses
    repeat_reason: str = ""  # how a later row with the same id is read, e.g. "a vote on {id}"
    ignore: tuple[str, ...] = ()  # columns whose names mislead (Zendesk "Group" is no area)
    free_text: str = ""  # a field held by one of the form's own questions: the longest answers
    # Columns that still name a row when its id cell is empty (a Google Play review without its
    # link): the row reader hands their cells to clean_row under IDENTITY, in this order, so the
    # importer can derive an id that is the same on every import of the row.
    identity: tuple[str, ...] = ()


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # not imported: the reason
    skipped: list[tuple[int, str]] = field(default_factory=list)  # not an item: what it is
    notes: list[tuple[int, str]] = field(default_factory=list)  # imported, with a remark


class Importer:
    kind: str
    label: str
    capability: Capability
    fields: list[ImportField]
    layouts: list[Layout] = []
    # The field whose value names one item: a later row with the same value in one file is a
    # follow-up, vote or repeat of the first (skipped with the layout's reason), not a new item.
    repeat_key: str = ""
    # A field naming another row's item (Fider's duplicate link): the rows that give it are
    # linked once every row is stored (link_rows), so the row they name may come later in the
    # file, in a later batch.
    link_field: str = ""

    def clean_row(self, values: dict, *, job: ImportJob) -> dict:
        raise NotImplementedError

    def save_rows(self, rows: list[tuple[int, dict]], *, actor, job: ImportJob) -> BatchOutcome:
        raise NotImplementedError

    def stored(self, cleaned: dict) -> dict[str, str]:
        return {name: str(value) for name, value in cleaned.items() if value not in ("", None)}

    def link_rows(
        self, rows: list[tuple[int, dict]], *, actor, job: ImportJob
    ) -> list[tuple[int, str]]:
        """Links the cleaned rows that give `link_field`, after every row is stored; returns a
        note per row linked or not linked (with why)."""
        return []

    def preview_notes(self, rows: list[tuple[int, dict]], *, job: ImportJob) -> dict[int, str]:
        """Remarks on rows the preview shows (e.g. already imported from another source)."""
        return {}

    def mapping_notes(self, mapping: dict[str, str]) -> list[str]:
        """What the mapping step says about values the file leaves out and the import fills in
        on its own (so no question needs asking), given the columns mapped."""
        return []

    def clean_options(self, *, actor, options: dict) -> dict:
        """The upload's options (e.g. a feedback source) checked for the actor's workspace."""
        return {}

    def stretch_done(self, *, job: ImportJob) -> None:
        """After each stretch of batches: wake the app's own background work (once, not per
        batch)."""

    def background_left(self, *, job: ImportJob) -> int:
        """Imported items whose background processing is still to come (shown as progress)."""
        return 0

    def field(self, name: str) -> ImportField:
        return next(f for f in self.fields if f.name == name)


_importers: dict[str, Importer] = {}


def register(importer: Importer) -> None:
    _importers[importer.kind] = importer


def importer_for(kind: str) -> Importer:
    try:
        return _importers[kind]
    except KeyError:
        raise ValidationError({"kind": f"There is no importer for {kind!r}."}) from None


def importers() -> list[Importer]:
    return sorted(_importers.values(), key=lambda i: i.label)


def normalise(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def layout_named(importer: Importer, name: str) -> Layout | None:
    """The importer's layout a job recognised (its `options["layout"]`), or None."""
    return next((layout for layout in importer.layouts if layout.name == name), None)


def recognise(importer: Importer, header: list[str]) -> Layout | None:
    present = {normalise(column) for column in header}
    for layout in importer.layouts:
        if all(normalise(c) in present for c in layout.columns):
            return layout
    return None


def guess_mapping(
    importer: Importer, header: list[str], rows: Sequence[dict[str, str]] = ()
) -> dict[str, str]:
    """Columns for fields: a recognised export's own mapping first, then names and aliases."""
    by_key = {normalise(column): column for column in header}
    mapping: dict[str, str] = {}
    layout = recognise(importer, header)
    if layout is not None:
        for name, column in layout.mapping.items():
            if normalise(column) in by_key:
                mapping[name] = by_key[normalise(column)]
        ignored = {normalise(c) for c in layout.ignore}
        by_key = {k: v for k, v in by_key.items() if k not in ignored}
        if layout.free_text and layout.free_text not in mapping:
            known = {normalise(c) for c in (*layout.columns, *layout.mapping.values())}
            answers = [c for c in header if normalise(c) not in known | ignored]
            column = _longest_answers(answers, rows)
            if column:
                mapping[layout.free_text] = column
    for f in importer.fields:
        if f.name in mapping:
            continue
        for candidate in (f.name, f.label, *f.aliases):
            named = by_key.get(normalise(candidate))
            if named and named not in mapping.values():
                mapping[f.name] = named
                break
    return mapping


def _longest_answers(columns: list[str], rows: Sequence[dict[str, str]]) -> str:
    """The column of free-text answers: the longest on average, and not numbers or choices."""
    best, best_length = "", 0.0
    for column in columns:
        values = [r.get(column, "") for r in rows[:200] if r.get(column, "").strip()]
        if not values or all(re.fullmatch(r"[\d.,:/ -]+", v) for v in values):
            continue
        length = sum(len(v) for v in values) / len(values)
        if length > best_length:
            best, best_length = column, length
    return best
