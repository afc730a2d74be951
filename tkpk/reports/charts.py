"""PNG charts drawn offline with matplotlib's Agg canvas (no pyplot, no global state) from a
snapshot's chart blocks, so the DOCX and the PDF show the same picture."""

from __future__ import annotations

import io
from typing import Any

COLOURS = ["#1f3b5c", "#c8102e", "#6a9fb5", "#e0a030", "#5a8f29"]
GRID = "#d0d7de"


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
    for i, s in enumerate(series):
        values = [0.0 if v is None else float(v) for v in s.get("values", [])]
        colour = COLOURS[i % len(COLOURS)]
        if kind == "line":
            axes.plot(positions, values, marker="o", color=colour, linewidth=1.6, label=s["name"])
            for x, v in zip(positions, values, strict=False):
                axes.annotate(
                    f"{v:,.2f}".replace(",", "X").replace(".", ",").replace("X", "."),
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
    if len(series) > 1:
        axes.legend(fontsize=7, frameon=False)
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def snapshot_charts(snapshot: dict[str, Any]) -> dict[str, bytes]:
    """Every chart of the snapshot by its id (``c<chapter>-<block>``)."""
    charts = {}
    for ci, chapter in enumerate(snapshot.get("chapters", [])):
        for bi, block in enumerate(chapter.get("blocks", [])):
            if block.get("type") == "chart":
                charts[f"c{ci}-{bi}"] = chart_png(block)
    return charts
