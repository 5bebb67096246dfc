"""The trend chart: drawn once per set of figures, drawn again when one changes."""

from __future__ import annotations

from feedback.reports import charts

LABELS = ["T1/2026", "T2/2026", "T3/2026"]


def test_the_same_figures_reuse_the_drawing_and_new_ones_redraw() -> None:
    first = charts.trend_png(LABELS, [91.0, None, 88.5], [40, 0, 35])
    again = charts.trend_png(list(LABELS), [91.0, None, 88.5], [40, 0, 35])
    assert first.startswith(b"\x89PNG") and again is first
    moved = charts.trend_png(LABELS, [91.0, None, 88.6], [40, 0, 35])
    assert moved != first
    english = charts.trend_png(LABELS, [91.0, None, 88.5], [40, 0, 35],
                               series_label="Satisfaction index")
    assert english != first
