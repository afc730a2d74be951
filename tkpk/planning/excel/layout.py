"""The workbook's fixed layout: sheet names, columns, and the sheet's words for the model's
choices. These are Indonesian exchange-format text, not interface text: a file downloaded
in one interface language must upload in the other."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tkpk.planning.models import Direction, RowLevel

SHEET = "Matriks"
HELP_SHEET = "Petunjuk"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The sheet's words for the model's choices.
LEVELS: dict[str, str] = {
    "program": RowLevel.PROGRAMME,
    "kegiatan": RowLevel.ACTIVITY,
    "subkegiatan": RowLevel.SUB_ACTIVITY,
}
LEVEL_RANK: dict[str, int] = {
    RowLevel.PROGRAMME: 0,
    RowLevel.ACTIVITY: 1,
    RowLevel.SUB_ACTIVITY: 2,
}
DIRECTIONS: dict[str, str] = {"naik": Direction.HIGHER, "turun": Direction.LOWER}
DIRECTION_WORDS: dict[str, str] = {value: word for word, value in DIRECTIONS.items()}


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str  # code, level, parent, text, direction, number, locations, version
    width: int


COLUMNS = (
    Column("Kode", "code", "code", 14),
    Column("Tingkat", "level", "level", 14),
    Column("Kode Induk", "parent", "parent", 14),
    Column("Nama", "name", "text", 48),
    Column("Indikator", "indicator", "text", 36),
    Column("Satuan", "unit", "text", 14),
    Column("Arah", "direction", "direction", 9),
    Column("Baseline", "baseline", "number", 12),
    Column("Target Tahun", "target", "number", 13),
    Column("TW I", "target_q1", "number", 10),
    Column("TW II", "target_q2", "number", 10),
    Column("TW III", "target_q3", "number", 10),
    Column("TW IV", "target_q4", "number", 10),
    Column("Anggaran (Rp)", "budget", "number", 20),
    Column("Sumber Dana", "source_of_funds", "text", 14),
    Column("Kelompok Sasaran", "target_group", "text", 22),
    Column("Lokasi (kode kelurahan dipisah koma)", "locations", "locations", 30),
    Column("Penjelasan Deviasi", "deviation_note", "text", 36),
    Column("Versi", "lock_version", "version", 8),
)
HEADERS = {c.field: c.header for c in COLUMNS}
TEXT_COLUMNS = {"code", "parent", "locations"}  # cell format "Text": never read as numbers
# Model fields the sheet writes directly (parent, locations and the version are resolved apart).
VALUE_FIELDS = [c.field for c in COLUMNS if c.kind in {"code", "level", "text", "direction"}]
NUMBER_FIELDS = [c.field for c in COLUMNS if c.kind == "number"]


def _header_key(text: Any) -> str:
    """'Anggaran (Rp)', ' anggaran ' and 'ANGGARAN' name the same column."""
    if not isinstance(text, str):
        return ""
    text = re.sub(r"\(.*?\)", " ", text)
    return " ".join(text.lower().split())


HEADER_KEYS = {_header_key(c.header): c for c in COLUMNS}
