"""The plan as an editable Word document (python-docx)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from tkpk.planning.documents.content import (
    Chart,
    DataTable,
    Element,
    Heading,
    PlanContent,
    Row,
    plan_content,
)
from tkpk.planning.documents.html import Run
from tkpk.planning.models import Plan

PORTRAIT_WIDTH_CM = 17.0
LANDSCAPE_WIDTH_CM = 26.7


def plan_docx(*, plan: Plan) -> bytes:
    """An editable Word document: cover, contents (a TOC field), chapters; landscape where
    the tables are wide; "Halaman X dari Y" in the footer."""
    from docx import Document  # noqa: PLC0415 (heavy; only when a document is asked for)
    from docx.enum.section import WD_SECTION  # noqa: PLC0415
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415

    content = plan_content(plan=plan)
    doc = Document()
    doc.core_properties.title = plan.title
    doc.core_properties.author = content.team
    _docx_styles(doc)
    first = doc.sections[0]
    _page_setup(first, landscape=False)
    first.different_first_page_header_footer = True
    _footer(first)
    _docx_cover(doc, content)
    _docx_contents(doc, content)
    landscape = False
    for chapter in content.chapters:
        heading_break = True
        if chapter.landscape != landscape:
            section = doc.add_section(WD_SECTION.NEW_PAGE)
            _page_setup(section, landscape=chapter.landscape)
            section.different_first_page_header_footer = False
            landscape, heading_break = chapter.landscape, False
        heading = doc.add_heading(chapter.heading, level=1)
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        heading.paragraph_format.page_break_before = heading_break
        width = LANDSCAPE_WIDTH_CM if landscape else PORTRAIT_WIDTH_CM
        for element in chapter.elements:
            _docx_element(doc, element, width)
    _settings_update_fields(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _oxml(tag: str, **attrs: str) -> Any:
    from docx.oxml import OxmlElement  # noqa: PLC0415
    from docx.oxml.ns import qn  # noqa: PLC0415

    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(key.replace("_", ":", 1)), value)
    return element


def _docx_styles(doc: Any) -> None:
    from docx.oxml.ns import qn  # noqa: PLC0415
    from docx.shared import Pt, RGBColor  # noqa: PLC0415

    sizes = {"Normal": 10.5, "Heading 1": 14, "Heading 2": 11.5, "TOC Heading": 14, "Caption": 9}
    for name, size in sizes.items():
        style = doc.styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        if name != "Normal":
            style.font.color.rgb = RGBColor(0, 0, 0)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)
    doc.styles["Normal"].paragraph_format.space_after = Pt(4)


def _page_setup(section: Any, *, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT  # noqa: PLC0415
    from docx.shared import Cm  # noqa: PLC0415

    short, long_ = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long_, short) if landscape else (short, long_)
    side = Cm(1.5) if landscape else Cm(2.0)
    section.left_margin = section.right_margin = side
    section.top_margin = section.bottom_margin = Cm(2.0)


def _footer(section: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.add_run("Halaman ")
    paragraph._p.append(_field("PAGE", "1"))  # noqa: SLF001 (python-docx has no field API)
    paragraph.add_run(" dari ")
    paragraph._p.append(_field("NUMPAGES", "1"))  # noqa: SLF001


def _field(instr: str, shown: str) -> Any:
    simple = _oxml("w:fldSimple", w_instr=instr)
    run = _oxml("w:r")
    text = _oxml("w:t")
    text.text = shown
    run.append(text)
    simple.append(run)
    return simple


# Children of w:settings that the schema places after w:updateFields (the order is strict).
_AFTER_UPDATE_FIELDS = {
    "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
    "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
    "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol",
    "listSeparator",
}  # fmt: skip


def _settings_update_fields(doc: Any) -> None:
    """Ask Word to refresh the TOC and page fields when the document is opened."""
    settings_xml = doc.settings.element
    flag = _oxml("w:updateFields", w_val="true")
    later = [c for c in settings_xml if c.tag.rsplit("}", 1)[-1] in _AFTER_UPDATE_FIELDS]
    if later:
        later[0].addprevious(flag)
    else:
        settings_xml.append(flag)


def _docx_cover(doc: Any, content: PlanContent) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415
    from docx.shared import Cm, Pt  # noqa: PLC0415

    def line(text: str, size: float, *, bold: bool = False, before: float = 0) -> None:
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_before = Cm(before)
        run = paragraph.add_run(text)
        run.bold, run.font.size = bold, Pt(size)

    for n, text in enumerate(content.kind_title):
        line(text, 16, bold=True, before=5 if n == 0 else 0)
    line(content.plan.title, 20, bold=True, before=1.5)
    line(content.period, 14, before=0.4)
    line(content.team, 13, bold=True, before=6)
    line(content.status, 11, before=0.4)


def _docx_contents(doc: Any, content: PlanContent) -> None:
    """A real TOC field whose stored result is the static list of chapters: readable as is,
    replaced by Word (with page numbers) when the fields are updated."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415

    title = doc.add_paragraph("DAFTAR ISI", style="TOC Heading")
    title.paragraph_format.page_break_before = True
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    entries = [c.heading for c in content.chapters]
    for n, text in enumerate(entries):
        paragraph = doc.add_paragraph()
        if n == 0:
            paragraph._p.append(_fld_char("begin"))  # noqa: SLF001
            instr = _oxml("w:r")
            code = _oxml("w:instrText", xml_space="preserve")
            code.text = ' TOC \\o "1-2" \\h \\z \\u '
            instr.append(code)
            paragraph._p.append(instr)  # noqa: SLF001
            paragraph._p.append(_fld_char("separate"))  # noqa: SLF001
        paragraph.add_run(text)
        if n == len(entries) - 1:
            paragraph._p.append(_fld_char("end"))  # noqa: SLF001


def _fld_char(kind: str) -> Any:
    run = _oxml("w:r")
    run.append(_oxml("w:fldChar", w_fldCharType=kind))
    return run


def _docx_element(doc: Any, element: Element, width: float) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415
    from docx.shared import Cm  # noqa: PLC0415

    if isinstance(element, Heading):
        doc.add_heading(element.text, level=2)
    elif isinstance(element, Chart):
        doc.add_picture(io.BytesIO(element.png), width=Cm(min(15.5, width)))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        doc.add_paragraph(element.caption, style="Caption")
    elif isinstance(element, DataTable):
        _docx_table(doc, element, width)
        doc.add_paragraph()
    elif element.kind == "p":
        _docx_runs(doc.add_paragraph(), element.runs)
    elif element.kind in {"ul", "ol"}:
        for item in element.items:
            depth = min(item.depth, 2)
            if element.kind == "ul":
                style = "List Bullet" + (f" {depth + 1}" if depth else "")
                _docx_runs(doc.add_paragraph(style=style), item.runs)
            else:  # numbered by hand: each list starts at 1 and stays editable text
                paragraph = doc.add_paragraph()
                paragraph.paragraph_format.left_indent = Cm(0.75 * (depth + 1))
                paragraph.paragraph_format.first_line_indent = Cm(-0.6)
                _docx_runs(paragraph, [Run(f"{item.number}.\t"), *item.runs])
    else:
        table = doc.add_table(rows=len(element.rows), cols=len(element.rows[0].cells))
        table.style = "Table Grid"
        for row, cells in zip(element.rows, table.rows, strict=True):
            for runs, cell in zip(row.cells, cells.cells, strict=True):
                shown = [Run(r.text, r.bold or row.header, r.italic) for r in runs]
                _docx_runs(cell.paragraphs[0], shown)
        doc.add_paragraph()


def _docx_runs(paragraph: Any, runs: list[Run]) -> None:
    for r in runs:
        run = paragraph.add_run(r.text)
        run.bold = r.bold or None
        run.italic = r.italic or None


def _docx_table(doc: Any, data: DataTable, width: float) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT  # noqa: PLC0415
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415
    from docx.shared import Cm, Pt  # noqa: PLC0415

    size = Pt(7.5 if data.small else 9)
    scale = min(1.0, width / sum(data.widths))
    table = doc.add_table(rows=1 + len(data.rows), cols=len(data.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, cm in zip(table.columns, data.widths, strict=True):
        column.width = Cm(cm * scale)  # the grid a fixed-layout table is drawn from
    header_row = table.rows[0]
    header_row._tr.get_or_add_trPr().append(_oxml("w:tblHeader"))  # noqa: SLF001 (repeat)
    rows: Iterator[tuple[Row, Any]] = zip(
        [Row(data.header, strong=True), *data.rows], table.rows, strict=True
    )
    for n, (row, docx_row) in enumerate(rows):
        for col, (text, cell) in enumerate(zip(row.cells, docx_row.cells, strict=True)):
            cell.width = Cm(data.widths[col] * scale)
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            run = paragraph.add_run(text)
            run.font.size = size
            run.bold = row.strong or None
            if n == 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                cell._tc.get_or_add_tcPr().append(  # noqa: SLF001
                    _oxml("w:shd", w_val="clear", w_color="auto", w_fill="D9E2F3")
                )
            elif col in data.numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            elif col == data.indent_col and row.depth:
                paragraph.paragraph_format.left_indent = Cm(0.35 * row.depth)
