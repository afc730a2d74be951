"""PNG charts drawn offline with matplotlib's Agg canvas (no pyplot, no global state) from a
snapshot's chart blocks, so the DOCX and the PDF show the same picture."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tkpk.planning.documents.content import decimals_for, id_number

COLOURS = ["#1f3b5c", "#c8102e", "#6a9fb5", "#e0a030", "#5a8f29"]
GRID = "#d0d7de"
# Units counted in whole things: their labels never show decimals.
WHOLE_UNITS = ("jiwa", "orang", "rumah tangga", "keluarga", "laporan", "indikator", "rupiah")
# Units shown with two decimals (4,72 persen; 1,25 miliar Rp).
TWO_PLACE_UNITS = ("%", "persen", "miliar rp")


def _decimal(value: float) -> Decimal:
    return Decimal(str(round(float(value), 6)))


def unit_places(unit: str, values: Sequence[float | None]) -> int:
    """Decimals of a series' labels: from its unit, else as many as its values need."""
    unit = unit.strip().lower()
    if unit.split("/")[0] in WHOLE_UNITS:
        return 0
    if unit in TWO_PLACE_UNITS:
        return 2
    return decimals_for([_decimal(v) for v in values if v is not None])


def id_label(value: float, places: int) -> str:
    """``501920.0`` → ``501.920``; ``4.72`` → ``4,72`` (Indonesian separators)."""
    return id_number(_decimal(value), places=places)


def tick_formatter(*, whole: bool) -> Any:
    from matplotlib.ticker import Formatter  # noqa: PLC0415 (heavy)

    class IndonesianTicks(Formatter):
        """Axis ticks with Indonesian separators and only the decimals the ticks need."""

        places = 0

        def set_locs(self, locs: list[float]) -> None:
            super().set_locs(locs)
            needed = [-int(_decimal(v).normalize().as_tuple().exponent) for v in locs]
            self.places = 0 if whole else min(max([0, *needed]), 4)

        def __call__(self, x: float, pos: int | None = None) -> str:
            return id_label(x, self.places)

    return IndonesianTicks()


def chart_png(block: dict[str, Any]) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 (heavy)
    from matplotlib.figure import Figure  # noqa: PLC0415

    labels: list[str] = [str(x) for x in block.get("labels", [])]
    series: list[dict[str, Any]] = block.get("series", [])
    kind = block.get("chart", "bar")
    figure = Figure(figsize=(6.4, 2.9), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_axisbelow(True)
    axes.tick_params(labelsize=7)
    positions = list(range(len(labels)))
    count = max(len(series), 1)
    width = 0.8 / count
    unit = str(block.get("unit", ""))
    places = unit_places(unit, [v for s in series for v in s.get("values", [])])
    for i, s in enumerate(series):
        values = [0.0 if v is None else float(v) for v in s.get("values", [])]
        colour = COLOURS[i % len(COLOURS)]
        if kind == "line":
            axes.plot(positions, values, marker="o", color=colour, linewidth=1.6, label=s["name"])
            for x, v in zip(positions, values, strict=False):
                axes.annotate(
                    id_label(v, places),
                    (x, v),
                    textcoords="offset points",
                    xytext=(0, 5),
                    ha="center",
                    fontsize=6,
                )
        elif kind == "barh":
            offsets = [p + (i - (count - 1) / 2) * width for p in positions]
            axes.barh(offsets, values, height=width, color=colour, label=s["name"])
        else:
            offsets = [p + (i - (count - 1) / 2) * width for p in positions]
            axes.bar(offsets, values, width=width, color=colour, label=s["name"])
    target = block.get("target")
    if target is not None:
        if kind == "barh":
            axes.axvline(float(target), color="#888", linestyle="--", linewidth=0.9)
        else:
            axes.axhline(float(target), color="#888", linestyle="--", linewidth=0.9)
    if kind == "barh":
        axes.set_yticks(positions)
        axes.set_yticklabels(labels, fontsize=7)
        axes.invert_yaxis()
        axes.grid(axis="x", color=GRID, linewidth=0.6)
        axes.set_xlabel(block.get("unit", ""), fontsize=7)
    else:
        axes.set_xticks(positions)
        axes.set_xticklabels(labels, fontsize=7, rotation=20 if len(labels) > 6 else 0)
        axes.grid(axis="y", color=GRID, linewidth=0.6)
        axes.set_ylabel(block.get("unit", ""), fontsize=7)
    _value_axis(axes.xaxis if kind == "barh" else axes.yaxis, whole=places == 0)
    if len(series) > 1:
        axes.legend(fontsize=7, frameon=False)
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _value_axis(axis: Any, *, whole: bool) -> None:
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 (heavy)

    axis.set_major_locator(MaxNLocator(nbins="auto", integer=whole))
    axis.set_major_formatter(tick_formatter(whole=whole))


def snapshot_charts(snapshot: dict[str, Any]) -> dict[str, bytes]:
    """Every chart of the snapshot by its id (``c<chapter>-<block>``)."""
    charts = {}
    for ci, chapter in enumerate(snapshot.get("chapters", [])):
        for bi, block in enumerate(chapter.get("blocks", [])):
            if block.get("type") == "chart":
                charts[f"c{ci}-{bi}"] = chart_png(block)
    return charts
