"""The plan documents: an editable DOCX, a printable PDF and an XLSX of the figures.

All three are drawn from one content model (``plan_content``): chapters in the official order
holding blocks of text converted from the sections' simple HTML, data tables whose numbers are
already formatted the Indonesian way (1.234.567,5), and PNG charts. Texts are Indonesian
literals: these are official Indonesian documents, not UI.

- ``html``: a section's simple HTML → blocks (paragraphs, lists, tables).
- ``content``: the content model, its builder and the Indonesian number formatting.
- ``docx``, ``pdf``, ``xlsx``: one writer per format.
"""

from tkpk.planning.documents.content import (
    Chapter,
    Chart,
    DataTable,
    Element,
    Heading,
    PlanContent,
    Row,
    decimals_for,
    id_date,
    id_number,
    matrix_rows,
    plan_content,
    roman,
)
from tkpk.planning.documents.docx import plan_docx
from tkpk.planning.documents.html import Block, GridRow, Item, Run, html_blocks
from tkpk.planning.documents.pdf import plan_html, plan_pdf
from tkpk.planning.documents.xlsx import Sheet, plan_xlsx

__all__ = [
    "Block",
    "Chapter",
    "Chart",
    "DataTable",
    "Element",
    "GridRow",
    "Heading",
    "Item",
    "PlanContent",
    "Row",
    "Run",
    "Sheet",
    "decimals_for",
    "html_blocks",
    "id_date",
    "id_number",
    "matrix_rows",
    "plan_content",
    "plan_docx",
    "plan_html",
    "plan_pdf",
    "plan_xlsx",
    "roman",
]
