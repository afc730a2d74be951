"""The PermenPAN 35/2012 SOP table of a CFM, generated from its BPMN, and its documents."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from tkpk.processes.models import ProcessNode, ProcessVersion
from tkpk.processes.validation import validate_bpmn

STEP_KINDS = {"userTask", "manualTask", "task", "scriptTask", "serviceTask"}
SYMBOL = {
    "startEvent": "start",
    "endEvent": "end",
    "exclusiveGateway": "decision",
    "inclusiveGateway": "decision",
    "parallelGateway": "decision",
}


@dataclass
class SopRow:
    number: int
    description: str
    detail: str
    lane: str
    symbol: str  # process | decision
    kelengkapan: str
    waktu: str
    output: str
    keterangan: str


@dataclass
class Sop:
    code: str
    name: str
    version: int | None
    created: str
    revised: str
    legal_basis: list[str]
    related: str
    lanes: list[str]
    rows: list[SopRow] = field(default_factory=list)
    qualification: str = ""
    notes: list[str] = field(default_factory=list)

    def cells(self, row: SopRow) -> list[str]:
        """The Pelaksana columns of a row: the symbol in the actor's column, blank elsewhere."""
        mark = "◇" if row.symbol == "decision" else "▭"
        return [mark if lane == row.lane else "" for lane in self.lanes]


def sop_build(*, node: ProcessNode, version: ProcessVersion) -> Sop:
    parsed = validate_bpmn(version.bpmn_xml)
    outgoing: dict[str, list[str]] = {}
    names = {a.id: a.name or a.id for a in parsed.activities}
    for flow in parsed.flows:
        label = flow.name or flow.condition
        outgoing.setdefault(flow.source, []).append(
            f"{label}: {names.get(flow.target, flow.target)}" if label else ""
        )
    rows: list[SopRow] = []
    for activity in parsed.activities:
        symbol = "process" if activity.kind in STEP_KINDS else SYMBOL.get(activity.kind, "")
        if symbol not in {"process", "decision"}:
            continue
        props = activity.properties
        keterangan = props.get("keterangan", "")
        if symbol == "decision":
            keterangan = "; ".join(o for o in outgoing.get(activity.id, []) if o)
        lane = activity.lane
        if not lane and symbol == "decision":
            # A gateway drawn outside lanes belongs to whoever decides just before it.
            previous = [f.source for f in parsed.flows if f.target == activity.id]
            lane = next((a.lane for a in parsed.activities if a.id in previous), "")
        rows.append(
            SopRow(
                number=len(rows) + 1,
                description=activity.name or activity.id,
                detail=activity.documentation,
                lane=lane,
                symbol=symbol,
                kelengkapan=props.get("kelengkapan", ""),
                waktu=props.get("waktu", ""),
                output=props.get("output", ""),
                keterangan=keterangan,
            )
        )
    # Actors left to right in the order they first act, as an SOP reader follows them.
    lanes = list(dict.fromkeys(r.lane for r in rows if r.lane))
    return Sop(
        code=f"{node.code}.SOP.01",
        name=node.name,
        version=version.number,
        created=timezone.localtime(version.created_at).strftime("%d-%m-%Y"),
        revised=(
            timezone.localtime(version.published_at).strftime("%d-%m-%Y")
            if version.published_at
            else "-"
        ),
        legal_basis=list(node.references),
        related=f"{node.parent_id} {node.parent.name}" if node.parent else "",
        lanes=lanes,
        rows=rows,
        qualification="; ".join(lanes),
        notes=list(node.notes),
    )


def sop_pdf(*, sop: Sop, region_name: str) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 (heavy; only when a PDF is asked for)

    html = render_to_string(
        "processes/sop_print.html",
        {"sop": sop, "region_name": region_name, "rows": _rows_with_cells(sop)},
    )
    return bytes(HTML(string=html).write_pdf())


def _rows_with_cells(sop: Sop) -> list[dict[str, Any]]:
    return [{"row": r, "cells": sop.cells(r)} for r in sop.rows]


def sop_docx(*, sop: Sop, region_name: str) -> bytes:
    """An editable Word document: identity block, then the SOP table on landscape pages."""
    from docx import Document  # noqa: PLC0415
    from docx.enum.section import WD_ORIENT  # noqa: PLC0415
    from docx.shared import Cm, Pt  # noqa: PLC0415

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(1.5))
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(9)
    doc.add_heading(f"STANDAR OPERASIONAL PROSEDUR — {sop.name.upper()}", level=1)
    doc.add_paragraph(f"Tim Koordinasi Penanggulangan Kemiskinan {region_name}")
    identity = doc.add_table(rows=0, cols=2)
    identity.style = "Table Grid"
    for label, value in [
        ("Nomor SOP", sop.code),
        ("Versi peta proses", str(sop.version or "draf")),
        ("Tanggal Pembuatan", sop.created),
        ("Tanggal Revisi", sop.revised),
        ("Disahkan oleh", "Ketua TKPK"),
        ("Nama SOP", sop.name),
        ("Dasar Hukum", "\n".join(sop.legal_basis) or "-"),
        ("Keterkaitan", sop.related or "-"),
        ("Kualifikasi Pelaksana", sop.qualification or "-"),
        ("Peralatan/Perlengkapan", "Aplikasi TKPK"),
        ("Pencatatan dan Pendataan", "Tercatat pada aplikasi TKPK (log proses dan audit)"),
    ]:
        cells = identity.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.add_paragraph()
    header = ["No", "Uraian Kegiatan", *sop.lanes, "Kelengkapan", "Waktu", "Output", "Keterangan"]
    table = doc.add_table(rows=2, cols=len(header))
    table.style = "Table Grid"
    top, sub = table.rows[0].cells, table.rows[1].cells
    n_lanes = len(sop.lanes)
    top[0].text, top[1].text = "No", "Uraian Kegiatan"
    if n_lanes:
        merged = top[2].merge(top[1 + n_lanes]) if n_lanes > 1 else top[2]
        merged.text = "Pelaksana"
    mutu = top[2 + n_lanes].merge(top[4 + n_lanes])
    mutu.text = "Mutu Baku"
    top[-1].text = "Keterangan"
    for i, label in enumerate(header):
        sub[i].text = label if 2 <= i < 2 + n_lanes or 2 + n_lanes <= i < 5 + n_lanes else ""
    for r in sop.rows:
        cells = table.add_row().cells
        values = [
            str(r.number),
            r.description + (f"\n{r.detail}" if r.detail else ""),
            *sop.cells(r),
            r.kelengkapan,
            r.waktu,
            r.output,
            r.keterangan,
        ]
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
