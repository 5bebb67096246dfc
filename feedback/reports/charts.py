"""Charts as PNG bytes with matplotlib's object API (never pyplot: not thread-safe)."""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def trend_png(labels: Sequence[str], values: Sequence[float | None], counts: Sequence[int],
              target: float = 90.0, *, target_label: str = "Mục tiêu {target:g}%",
              series_label: str = "Chỉ số hài lòng") -> bytes:
    """Monthly service index with the target line; months without answers are gaps. The
    caller passes the legend's words in the reader's language. The same figures give the
    same picture, so the last few are kept: drawing takes 90 ms, most of a commune's
    dashboard, and a chart changes only when its figures do."""
    return _trend_png(tuple(labels), tuple(values), tuple(counts), target, target_label,
                      series_label)


@functools.lru_cache(maxsize=64)
def _trend_png(labels: tuple[str, ...], values: tuple[float | None, ...],
               counts: tuple[int, ...], target: float, target_label: str,
               series_label: str) -> bytes:
    fig = Figure(figsize=(9.6, 3.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    xs = list(range(len(labels)))
    ys = [float("nan") if v is None else v for v in values]
    ax.axhline(target, color="#b42318", linestyle="--", linewidth=1.2,
               label=target_label.format(target=target))
    ax.plot(xs, ys, marker="o", color="#1d4ed8", linewidth=2, label=series_label)
    for x, y, n in zip(xs, ys, counts, strict=True):
        if y == y:  # not NaN
            ax.annotate(f"{y:.0f}", (x, y), textcoords="offset points", xytext=(0, 6),
                        ha="center", fontsize=8)
        ax.annotate(f"n={n}", (x, 0), xycoords=("data", "axes fraction"),
                    textcoords="offset points", xytext=(0, 3), ha="center", fontsize=8,
                    color="#333")
    ax.set_xticks(xs, labels, fontsize=9)
    low = min([v for v in ys if v == v] + [target]) if any(v == v for v in ys) else target
    ax.set_ylim(max(0, low - 10), 101)
    ax.set_ylabel("%")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, fontsize=9,
              frameon=False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


#: Fills that stay apart printed in grey: darkness and hatching both differ.
_GREYS = ("#1f2937", "#6b7280", "#d1d5db", "#ffffff")
_HATCHES = ("", "//", "..", "xx")


def bars_png(labels: Sequence[str], values: Sequence[float | None], counts: Sequence[int],
             target: float = 90.0, *, target_label: str = "Mục tiêu {target:g}%") -> bytes:
    """One horizontal bar per index (the five elements), the target as a dashed line; an
    index without answers has no bar and says so."""
    fig = Figure(figsize=(9.6, 0.45 * len(labels) + 1.1), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ys = list(range(len(labels)))[::-1]
    for y, value, n in zip(ys, values, counts, strict=True):
        if value is None:
            ax.annotate(f"n={n}", (1, y), va="center", fontsize=8, color="#333")
            continue
        below = value < target
        ax.barh(y, value, color=_GREYS[1] if below else _GREYS[0],
                hatch=_HATCHES[1] if below else "", edgecolor="#111", height=0.6)
        ax.annotate(f"{value:.1f} (n={n})", (value, y), textcoords="offset points",
                    xytext=(4, 0), va="center", fontsize=8)
    ax.axvline(target, color="#b42318", linestyle="--", linewidth=1.2,
               label=target_label.format(target=target))
    ax.set_yticks(ys, labels, fontsize=9)
    ax.set_xlim(0, 112)
    ax.set_xlabel("%")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return _png(fig)


def counts_png(labels: Sequence[str], counts: Sequence[int]) -> bytes:
    """How many of each (petitions by outcome): bars told apart by grey and hatching."""
    fig = Figure(figsize=(9.6, 0.42 * len(labels) + 0.9), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ys = list(range(len(labels)))[::-1]
    top = max(counts, default=0) or 1
    for i, (y, n) in enumerate(zip(ys, counts, strict=True)):
        ax.barh(y, n, color=_GREYS[i % 3], hatch=_HATCHES[i % 4], edgecolor="#111",
                height=0.6)
        ax.annotate(f"{n:,}".replace(",", "."), (n, y), textcoords="offset points",
                    xytext=(4, 0), va="center", fontsize=8)
    ax.set_yticks(ys, labels, fontsize=9)
    ax.set_xlim(0, top * 1.15)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def _png(fig: Figure) -> bytes:
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
