"""PNG charts for `/admin stats`, drawn with matplotlib's Agg canvas (no display, no pyplot).

matplotlib is imported on the first chart, never when the server starts (start-up time,
tests/e2e/test_startup_imports.py). Charts are sized for a phone: 960×640 pixels, large type,
few bars, values written on the bars."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

WIDTH_IN, HEIGHT_IN, DPI = 6.0, 4.0, 160
COLOR = "#4f46e5"
ACCENT = "#f59e0b"


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")  # a Figure made without pyplot draws with Agg
    return buf.getvalue()


def _figure(title: str) -> tuple[Any, Any]:
    """A Figure of its own (no pyplot state), so charts may be drawn in a worker thread."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    ax.set_title(title, fontsize=15, fontweight="bold", loc="left")
    ax.tick_params(labelsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _empty(ax: Any, what: str) -> None:
    ax.text(0.5, 0.5, f"No {what} in this period", ha="center", va="center", fontsize=14)
    ax.set_axis_off()


def bars(
    title: str, labels: Sequence[str], values: Sequence[float], value_labels: Sequence[str]
) -> bytes:
    """Horizontal bars, first label on top, each with its value written beside it."""
    fig, ax = _figure(title)
    if not labels:
        _empty(ax, "data")
        return _png(fig)
    ys = list(range(len(labels)))[::-1]
    ax.barh(ys, list(values), color=COLOR)
    ax.set_yticks(ys, list(labels), fontsize=12)
    top = max(values) if max(values) > 0 else 1
    ax.set_xlim(0, top * 1.35)
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    for y, v, text in zip(ys, values, value_labels, strict=True):
        ax.text(v + top * 0.02, y, text, va="center", fontsize=12)
    return _png(fig)


def histogram(title: str, values: Sequence[float], xlabel: str, marker: float | None) -> bytes:
    """A distribution, with a dashed line at `marker` (the median)."""
    fig, ax = _figure(title)
    if not values:
        _empty(ax, "data")
        return _png(fig)
    ax.hist(list(values), bins=min(20, max(5, len(values) // 5)), color=COLOR)
    ax.set_xlabel(xlabel, fontsize=12)
    ax.set_ylabel("requests", fontsize=12)
    if marker is not None:
        ax.axvline(marker, color=ACCENT, linestyle="--", linewidth=2.5)
    return _png(fig)


def weekly(
    title: str,
    weeks: Sequence[str],
    values: Sequence[float],
    value_labels: Sequence[str],
    line: Sequence[float | None] = (),
    line_label: str = "",
) -> bytes:
    """Vertical bars per week (oldest left), values on top; optionally a line on a second
    axis (a rating from 1 to 5), drawn where it has values."""
    fig, ax = _figure(title)
    if not weeks:
        _empty(ax, "data")
        return _png(fig)
    xs = list(range(len(weeks)))
    ax.bar(xs, list(values), color=COLOR)
    ax.set_xticks(xs, list(weeks), fontsize=10, rotation=45, ha="right")
    top = max(values) if values and max(values) > 0 else 1
    ax.set_ylim(0, top * 1.25)
    ax.yaxis.set_visible(False)
    ax.spines["left"].set_visible(False)
    for x, v, text in zip(xs, values, value_labels, strict=True):
        if v:
            ax.text(x, v + top * 0.02, text, ha="center", fontsize=10)
    points = [(x, y) for x, y in zip(xs, line, strict=False) if y is not None]
    if points:
        ax2 = ax.twinx()
        ax2.plot([p[0] for p in points], [p[1] for p in points], color=ACCENT, marker="o",
                 linewidth=2.5, label=line_label)  # fmt: skip
        ax2.set_ylim(0, 5.5)
        ax2.set_ylabel(line_label, fontsize=12, color=ACCENT)
        ax2.tick_params(labelsize=11)
        ax2.spines["top"].set_visible(False)
    return _png(fig)


def intervals(
    title: str,
    labels: Sequence[str],
    rates: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    value_labels: Sequence[str],
) -> bytes:
    """Proportions (0–1) as dots with their confidence interval as a bar, one row per label
    (first on top), the percentage axis from 0 to 100%."""
    fig, ax = _figure(title)
    if not labels:
        _empty(ax, "data")
        return _png(fig)
    ys = list(range(len(labels)))[::-1]
    pct = [100 * r for r in rates]
    below = [100 * (r - lo) for r, lo in zip(rates, lows, strict=True)]
    above = [100 * (hi - r) for r, hi in zip(rates, highs, strict=True)]
    ax.errorbar(pct, ys, xerr=[below, above], fmt="o", color=COLOR, ecolor=COLOR,
                elinewidth=3, capsize=8, markersize=10)  # fmt: skip
    ax.set_yticks(ys, list(labels), fontsize=12)
    ax.set_ylim(-0.7, len(labels) - 0.3)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of learners shown results who asked for a session (bars: 95% interval)",
                  fontsize=10)  # fmt: skip
    for y, hi, text in zip(ys, highs, value_labels, strict=True):
        ax.text(min(100 * hi + 2, 70), y + 0.22, text, fontsize=11)
    return _png(fig)
