"""Imports for any app: upload a CSV or workbook, map columns, preview, then a background job.

The rooms: `reading` (the file to rows), `values` (dates and amounts by column), `registry`
(what an app's importer declares), `rows` (the steps from a stored row to cleaned values, shared
by preview and import), `services` (writes) and `selectors` (reads). Apps register an Importer
from their own `importers.py` in AppConfig.ready().
"""

from productops.imports.registry import (
    IDENTITY,
    UNREADABLE,
    BatchOutcome,
    FieldKind,
    Importer,
    ImportField,
    Layout,
    RowError,
    RowProblems,
    importer_for,
    importers,
    register,
)
from productops.imports.selectors import (
    STALLED_AFTER,
    earlier_import_of_same_file,
    import_preview,
    imports_left_behind,
)
from productops.imports.services import (
    import_choose,
    import_run,
    import_start,
    import_upload,
)

__all__ = [
    "IDENTITY",
    "STALLED_AFTER",
    "UNREADABLE",
    "BatchOutcome",
    "FieldKind",
    "ImportField",
    "Importer",
    "Layout",
    "RowError",
    "RowProblems",
    "earlier_import_of_same_file",
    "import_choose",
    "import_preview",
    "import_run",
    "import_start",
    "import_upload",
    "importer_for",
    "importers",
    "imports_left_behind",
    "register",
]
