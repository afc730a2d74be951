"""The RAT matrix as an Excel workbook, for OPDs that prepare their proposals offline.

``matrix_template`` writes one OPD's rows into a workbook; ``matrix_import`` reads it back. The
upload is checked completely first (every row, every column) and applied only when the whole
file is valid, in one transaction, through ``services.matrix_row_save``: never partially.

The workbook is an exchange format, so its sheet names, column headers and instructions are
fixed Indonesian text (like the plan's section titles), not interface text: a file downloaded
in one interface language must upload in the other. Error messages are interface text.

- ``layout``: sheet names and columns; ``access``: whose rows a user may exchange.
- ``template``: the download; ``reading``: parsing an upload's cells;
  ``validate``: checking its rows against the plan; ``importing``: ``matrix_import``.
"""

from tkpk.core.xlsx import MAX_UNPACKED_BYTES
from tkpk.planning.excel.access import matrix_organisation_allowed, matrix_organisations_for
from tkpk.planning.excel.importing import ImportResult, matrix_import
from tkpk.planning.excel.layout import (
    COLUMNS,
    HEADERS,
    HELP_SHEET,
    SHEET,
    XLSX_CONTENT_TYPE,
    Column,
)
from tkpk.planning.excel.reading import MAX_ROWS, RowError
from tkpk.planning.excel.template import matrix_template

__all__ = [
    "COLUMNS",
    "HEADERS",
    "HELP_SHEET",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "SHEET",
    "XLSX_CONTENT_TYPE",
    "Column",
    "ImportResult",
    "RowError",
    "matrix_import",
    "matrix_organisation_allowed",
    "matrix_organisations_for",
    "matrix_template",
]
