"""The ruled tables of a straightened page and their cells, merged cells included.

A cell is a region the ruling lines enclose: the connected components of "not a line" inside a
table's outer border (OpenCV's connectedComponentsWithStats), so a cell spanning two columns or
three rows is one component and needs no special case. The cells' edges, clustered, give the
table's column and row boundaries; each cell then covers a range of them, the shape
:class:`pipeline.parse.layout.Grid` takes (a merged cell at every position it covers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipeline.parse.paper.clean import ink, ruled, rulings
from pipeline.parse.settings import ParseSettings


@dataclass
class Box:
    """A cell in page pixels and the grid positions it covers (row and column ranges, end exclusive)."""

    x0: int
    y0: int
    x1: int
    y1: int
    rows: tuple[int, int] = (0, 1)
    cols: tuple[int, int] = (0, 1)


@dataclass
class Table:
    x0: int
    y0: int
    x1: int
    y1: int
    cells: list[Box] = field(default_factory=list)
    n_rows: int = 0
    n_cols: int = 0


def _cluster(values: list[int], tol: int) -> list[int]:
    """Edge positions that lie within ``tol`` of each other, merged into one (their mean)."""
    out: list[list[int]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [round(sum(g) / len(g)) for g in out]


def _index(edges: list[int], v: int) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v))


def find_tables(gray: np.ndarray, settings: ParseSettings, broken: bool = False) -> tuple[list[Table], np.ndarray]:
    """The page's ruled tables, top to bottom, and the ruling-line mask (to erase lines before
    reading); ``broken`` for a page whose rules may lie in dashes (:func:`clean.rulings`)."""
    import cv2

    horiz, vert = rulings(ink(gray), settings, broken)
    lines = cv2.bitwise_or(horiz, vert)
    page_area = gray.shape[0] * gray.shape[1]
    tables = []
    for c in ruled(lines, settings):
        x, y, w, h = cv2.boundingRect(c)
        if w * h < settings.ocr_min_grid_area * page_area or w < 4 * settings.ocr_min_cell_px \
                or h < 2 * settings.ocr_min_cell_px:
            continue
        table = _cells(lines[y:y + h, x:x + w], x, y, settings)
        if table.cells:
            tables.append(table)
    tables.sort(key=lambda t: t.y0)
    return tables, lines


def _cells(lines: np.ndarray, ox: int, oy: int, settings: ParseSettings) -> Table:
    import cv2

    free = cv2.bitwise_not(lines)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(free, connectivity=4)
    h, w = lines.shape
    boxes = []
    m = settings.ocr_min_cell_px
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        touches = x == 0 or y == 0 or x + bw >= w or y + bh >= h
        if touches or bw < m or bh < m or area < 0.5 * bw * bh:
            continue  # outside the border, a speck between doubled lines, or not a rectangle
        boxes.append(Box(ox + int(x), oy + int(y), ox + int(x + bw), oy + int(y + bh)))
    table = Table(ox, oy, ox + w, oy + h, boxes)
    if not boxes:
        return table
    tol = max(6, m // 2)
    # A column (row) starts where some cell starts; a cell covers the starts short of its far edge.
    cols = _cluster([b.x0 for b in boxes], tol)
    rows = _cluster([b.y0 for b in boxes], tol)
    for b in boxes:
        c0, r0 = _index(cols, b.x0), _index(rows, b.y0)
        c1 = max(c0 + 1, sum(1 for c in cols if c < b.x1 - tol))
        r1 = max(r0 + 1, sum(1 for r in rows if r < b.y1 - tol))
        b.cols, b.rows = (c0, c1), (r0, r1)
    table.n_cols, table.n_rows = len(cols), len(rows)
    return table
