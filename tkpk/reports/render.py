"""A snapshot drawn as an editable DOCX (python-docx) and a printable PDF (WeasyPrint): a cover
with the TKPK identity, the chapters with their tables and charts, "Halaman X dari Y"."""

from __future__ import annotations

import base64
import io
from typing import Any

from django.template.loader import render_to_string

from tkpk.reports.charts import snapshot_charts

PORTRAIT_WIDTH_CM = 16.5
LANDSCAPE_WIDTH_CM = 24.0
LANGUAGE = "id-ID"
SETTINGS_AFTER_UPDATE_FIELDS = {
    "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
    "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown", "smartTagType",
    "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol", "listSeparator",
}  # fmt: skip
KIND_LINE = {
    "quarterly": "LAPORAN PEMANTAUAN TRIWULAN",
    "ppke": "LAPORAN KEMISKINAN EKSTREM",
    "lp2kd": "LAPORAN TAHUNAN",
}


def documents(snapshot: dict[str, Any]) -> tuple[bytes, bytes]:
    """(DOCX, PDF) of a snapshot; the charts are drawn once for both."""
    charts = snapshot_charts(snapshot)
    return docx_bytes(snapshot, charts), pdf_bytes(snapshot, charts)


def pdf_html(snapshot: dict[str, Any], charts: dict[str, bytes]) -> str:
    uris = {k: "data:image/png;base64," + base64.b64encode(v).decode() for k, v in charts.items()}
    chapters = []
    for ci, chapter in enumerate(snapshot["chapters"]):
        blocks = []
        for bi, block in enumerate(chapter["blocks"]):
            item = dict(block)
            if block["type"] == "chart":
                item["src"] = uris[f"c{ci}-{bi}"]
            if block["type"] == "table":
                item["rows"] = [
                    {"strong": ri in block["strong"], "cells": list(enumerate(row))}
                    for ri, row in enumerate(block["rows"])
                ]
            blocks.append(item)
        chapters.append({**chapter, "number": ci + 1, "blocks": blocks})
    return render_to_string(
        "reports/print.html",
        {"s": snapshot, "chapters": chapters, "kind_line": KIND_LINE.get(snapshot["kind"], "")},
    )


def pdf_bytes(snapshot: dict[str, Any], charts: dict[str, bytes] | None = None) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 (heavy)

    html = pdf_html(snapshot, charts if charts is not None else snapshot_charts(snapshot))
    return bytes(HTML(string=html).write_pdf())


def _oxml(tag: str, **attrs: str) -> Any:
    from docx.oxml import OxmlElement  # noqa: PLC0415
    from docx.oxml.ns import qn  # noqa: PLC0415

    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(key.replace("_", ":", 1)), value)
    return element


def _field(paragraph: Any, instr: str) -> None:
    simple = _oxml("w:fldSimple", w_instr=instr)
    run = _oxml("w:r")
    text = _oxml("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)  # noqa: SLF001 (python-docx has no field API)


def _language(doc: Any) -> None:
    """Indonesian spelling: every language a style sets (the defaults included) is id-ID."""
    from docx.oxml.ns import qn  # noqa: PLC0415

    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        run_defaults = defaults.find(qn("w:rPrDefault"))
        if run_defaults is not None and run_defaults.find(f".//{qn('w:lang')}") is None:
            props = run_defaults.find(qn("w:rPr"))
            if props is None:
                props = _oxml("w:rPr")
                run_defaults.append(props)
            props.append(_oxml("w:lang", w_val=LANGUAGE))
    for element in (*styles.iter(qn("w:lang")), *doc.settings.element.iter(qn("w:themeFontLang"))):
        element.set(qn("w:val"), LANGUAGE)
    doc.core_properties.language = LANGUAGE


def _contents(doc: Any) -> None:
    """DAFTAR ISI as a Word TOC field of the chapter headings; Word fills it when the fields
    are updated (it asks on opening)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415
    from docx.shared import Pt  # noqa: PLC0415

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.page_break_before = True
    run = title.add_run("DAFTAR ISI")
    run.bold, run.font.size = True, Pt(13)
    paragraph = doc.add_paragraph()
    instruction = _oxml("w:instrText")
    instruction.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instruction.text = 'TOC \\o "1-1" \\h \\z \\u'
    placeholder = _oxml("w:t")
    placeholder.text = "Perbarui bidang (klik kanan, Perbarui Bidang) untuk menampilkan daftar isi."
    for child in (
        _oxml("w:fldChar", w_fldCharType="begin", w_dirty="true"),
        instruction,
        _oxml("w:fldChar", w_fldCharType="separate"),
        placeholder,
        _oxml("w:fldChar", w_fldCharType="end"),
    ):
        run = _oxml("w:r")
        run.append(child)
        paragraph._p.append(run)  # noqa: SLF001 (python-docx has no field API)
    settings = doc.settings.element
    update = _oxml("w:updateFields", w_val="true")
    # The schema orders the settings: updateFields comes right before these.
    later = [c for c in settings if c.tag.split("}")[-1] in SETTINGS_AFTER_UPDATE_FIELDS]
    if later:
        later[0].addprevious(update)
    else:
        settings.append(update)


def _page(section: Any, *, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT  # noqa: PLC0415
    from docx.shared import Cm  # noqa: PLC0415

    short, long_ = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long_, short) if landscape else (short, long_)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin = section.bottom_margin = Cm(2.0)


def docx_bytes(snapshot: dict[str, Any], charts: dict[str, bytes] | None = None) -> bytes:
    from docx import Document  # noqa: PLC0415 (heavy)
    from docx.enum.section import WD_SECTION  # noqa: PLC0415
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415
    from docx.shared import Cm, Pt  # noqa: PLC0415

    charts = charts if charts is not None else snapshot_charts(snapshot)
    doc = Document()
    doc.core_properties.title = snapshot["title"]
    doc.core_properties.author = snapshot["team"]
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10.5)
    _language(doc)
    first = doc.sections[0]
    _page(first, landscape=False)
    first.different_first_page_header_footer = True
    footer = first.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run("Halaman ")
    _field(footer, "PAGE")
    footer.add_run(" dari ")
    _field(footer, "NUMPAGES")
    # The cover.
    for text, size, bold, space in (
        (KIND_LINE.get(snapshot["kind"], ""), 14, True, 60),
        (snapshot["title"], 18, True, 24),
        (snapshot["period"], 13, False, 8),
        (snapshot["team"], 12, True, 140),
        (f"Dibuat {snapshot['made_on']}", 10, False, 4),
    ):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_before = Pt(space)
        run = paragraph.add_run(text)
        run.bold, run.font.size = bold, Pt(size)
    _contents(doc)
    landscape = False
    for ci, chapter in enumerate(snapshot["chapters"]):
        page_break = True
        if bool(chapter.get("landscape")) != landscape:
            landscape = bool(chapter.get("landscape"))
            _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=landscape)
            page_break = False
        heading = doc.add_heading(f"BAB {ci + 1}. {chapter['title']}", level=1)
        heading.paragraph_format.page_break_before = page_break
        width = Cm(LANDSCAPE_WIDTH_CM if landscape else PORTRAIT_WIDTH_CM)
        for bi, block in enumerate(chapter["blocks"]):
            kind = block["type"]
            if kind == "p":
                doc.add_paragraph(block["text"])
            elif kind == "h":
                doc.add_heading(block["text"], level=2)
            elif kind == "chart":
                doc.add_picture(io.BytesIO(charts[f"c{ci}-{bi}"]), width=width)
                doc.add_paragraph(block["caption"], style="Caption")
            elif kind == "table":
                _docx_table(doc, block)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _docx_table(doc: Any, block: dict[str, Any]) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415
    from docx.shared import Pt  # noqa: PLC0415

    doc.add_paragraph(block["caption"], style="Caption")
    header, rows = block["header"], block["rows"]
    grid = doc.add_table(rows=1 + len(rows), cols=len(header))
    grid.style = "Table Grid"
    size = Pt(7 if block.get("small") else 8.5)
    for r, values in enumerate([header, *rows]):
        bold = r == 0 or (r - 1) in block.get("strong", [])
        for c, value in enumerate(values):
            cell = grid.cell(r, c)
            paragraph = cell.paragraphs[0]
            if r > 0 and c in block.get("num", []):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(str(value))
            run.bold, run.font.size = bold, size
    header_row = grid.rows[0]._tr  # noqa: SLF001 (repeat the header on each page)
    props = header_row.get_or_add_trPr()
    props.append(_oxml("w:tblHeader", w_val="true"))
