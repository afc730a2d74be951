"""PNG charts for the plan documents, drawn offline with matplotlib's Agg canvas.

The figures are built without pyplot (no global state, safe in a worker thread) and return
PNG bytes that the DOCX embeds and the PDF inlines as ``data:`` URIs."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

INK = "#1f3b5c"
ACCENT = "#c8102e"
GRID = "#d0d7de"


def _figure(width: float, height: float) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 (heavy)
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(width, height), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    axes.tick_params(labelsize=7)
    return figure, axes


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def trajectory_png(
    *,
    title: str,
    unit: str,
    baseline_year: int,
    baseline: Decimal,
    values: Mapping[int, Decimal],
    fmt: Callable[[Decimal], str],
) -> bytes:
    """A target's trajectory: the baseline, then the yearly targets, each point labelled."""
    from matplotlib.ticker import FuncFormatter  # noqa: PLC0415

    years = [baseline_year, *sorted(values)]
    points = [baseline, *(values[y] for y in sorted(values))]
    figure, axes = _figure(6.0, 2.6)
    axes.plot(years[1:], [float(p) for p in points[1:]], marker="o", color=INK, linewidth=1.6)
    axes.plot(years[:2], [float(p) for p in points[:2]], linestyle="--", color=INK, linewidth=1.0)
    axes.plot([years[0]], [float(points[0])], marker="s", color=ACCENT, linestyle="none")
    for year, point in zip(years, points, strict=True):
        axes.annotate(
            fmt(point),
            (year, float(point)),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=7,
        )
    axes.set_xticks(years)
    axes.set_xticklabels([f"{years[0]}\n(baseline)", *(str(y) for y in years[1:])], fontsize=7)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt(Decimal(str(round(v, 4))))))
    low, high = min(points), max(points)
    margin = float(high - low) * 0.25 or max(float(abs(high)) * 0.1, 1.0)
    bottom = float(low) - margin
    axes.set_ylim(max(bottom, 0.0) if low >= 0 else bottom, float(high) + margin)
    axes.set_ylabel(unit, fontsize=7)
    axes.set_title(title, fontsize=8, loc="left")
    return _png(figure)


def budget_bars_png(
    *, totals: Sequence[tuple[str, Decimal]], fmt: Callable[[Decimal], str]
) -> bytes:
    """Budget per OPD as horizontal bars in billions of rupiah, largest on top."""
    from matplotlib.ticker import FuncFormatter  # noqa: PLC0415

    ordered = sorted(totals, key=lambda item: item[1])
    billions = [amount / Decimal(10**9) for _name, amount in ordered]
    figure, axes = _figure(6.0, 0.9 + 0.32 * max(len(ordered), 1))
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    bars = axes.barh([name for name, _amount in ordered], [float(b) for b in billions], color=INK)
    for bar, value in zip(bars, billions, strict=True):
        axes.annotate(
            fmt(value.quantize(Decimal("0.1"))),
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            textcoords="offset points",
            xytext=(3, 0),
            va="center",
            fontsize=7,
        )
    axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt(Decimal(int(v)))))
    axes.set_xlim(0, float(max(billions, default=Decimal(1))) * 1.15 or 1)
    axes.set_xlabel("Anggaran (Rp miliar)", fontsize=7)
    axes.set_title("Anggaran per Perangkat Daerah", fontsize=8, loc="left")
    return _png(figure)
