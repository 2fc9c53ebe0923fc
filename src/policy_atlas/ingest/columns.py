"""Parallel columns on a PDF page (the Official Journal prints Dutch and French, sometimes German, side by
side): a gutter is a vertical band, in the middle part of the page, that almost no line of text crosses.
Each column is read on its own, top to bottom, so the languages stay apart."""
from __future__ import annotations

MIN_GUTTER = 6.0      # points of white between two columns
MAX_CROSSING = 0.08   # share of text runs that may cross a gutter (a headline across the page)
MAX_COLUMNS = 3


def page_columns(page, textpage) -> list[tuple[int | None, str]]:
    """(column number or None, text) for a page: one item for a plain page, one per column otherwise."""
    rects = [textpage.get_rect(i) for i in range(textpage.count_rects())]
    gutters = sorted(gutters_of(rects, 0.0, page.get_width()))
    if not gutters:
        return [(None, textpage.get_text_range())]
    bounds = [0.0, *gutters, page.get_width()]
    top = page.get_height()
    return [(n, textpage.get_text_bounded(left=a, bottom=0, right=b, top=top))
            for n, (a, b) in enumerate(zip(bounds, bounds[1:]), start=1)]


def gutters_of(rects: list[tuple[float, float, float, float]], lo: float, hi: float, found: int = 1) -> list[float]:
    """x positions of gutters between lo and hi; rects are (left, bottom, right, top) text runs. A gutter is the
    middle of the widest band, at least MIN_GUTTER wide, that at most MAX_CROSSING of the runs cross."""
    import numpy as np

    inside = np.array([r for r in rects if r[0] >= lo - 1 and r[2] <= hi + 1], dtype=float).reshape(-1, 4)
    span = hi - lo
    if len(inside) < 6 or found >= MAX_COLUMNS:
        return []
    xs = np.arange(lo + 0.2 * span, hi - 0.2 * span, 1.0)
    crossing = ((inside[:, 0][None, :] < xs[:, None]) & (inside[:, 2][None, :] > xs[:, None])).sum(axis=1)
    free = np.concatenate([[False], crossing <= MAX_CROSSING * len(inside), [False]])
    edges = np.flatnonzero(np.diff(free.astype(int)))
    runs = [(b - a, a, b) for a, b in zip(edges[::2], edges[1::2]) if b - a >= MIN_GUTTER]
    for _, a, b in sorted(runs, reverse=True):
        x = float(xs[(a + b - 1) // 2])
        if min((inside[:, 2] <= x).sum(), (inside[:, 0] >= x).sum()) >= 3:
            more = gutters_of(rects, lo, x, found + 1)
            return more + [x] + gutters_of(rects, x, hi, found + 1 + len(more))
    return []
