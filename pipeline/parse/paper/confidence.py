"""What the office must check on a return read from paper: every piece read with low confidence.

OCR that is unsure is not silently trusted: each cell or line the engine read below
``ocr_min_confidence`` becomes a ``low_confidence`` problem naming the page, table, row and
column (by the printed header label above it) and the text as read, so the office compares
exactly those with the original.
"""

from __future__ import annotations

from pipeline.forms import get
from pipeline.parse.layout import Grid
from pipeline.parse.paper.read import PaperLayout, Reading
from pipeline.parse.settings import ParseSettings
from pipeline.parse.text import squash
from pipeline.records import ParsedForm, Problem


def _column_label(grid: Grid, reading: Reading, labels: set[str]) -> str | None:
    """The header label printed above the reading's cell in its table, if one is a column label."""
    col = reading.col - 1
    for row in grid.rows[:reading.row - 1]:
        if col < len(row) and squash(row[col].text) in labels:
            return squash(row[col].text)
    return None


def flag(form: ParsedForm, paper: PaperLayout, settings: ParseSettings) -> None:
    """Add a ``low_confidence`` problem for each unsure reading, and say in ``meta`` how the
    return was read (engine, pieces read, pieces to check)."""
    definition = get(form.form_type) if form.form_type else None
    labels = {squash(x) for c in (definition.columns if definition else ()) for x in (c.label, *c.synonyms)}
    grids = {b.index: b for b in paper.layout.blocks if isinstance(b, Grid)}
    unsure = [r for r in paper.readings if r.confidence < settings.ocr_min_confidence]
    for r in unsure:
        if r.table:
            label = _column_label(grids[r.table], r, labels) if r.table in grids else None
            where = f"第{r.page}页 表{r.table} 第{r.row}行 第{r.col}列" + (f"（{label}）" if label else "")
        else:
            where = f"第{r.page}页 表格外文字"
        form.problems.append(Problem(code="low_confidence", where=where,
                                     message=f"扫描件此处识别把握不大（{r.confidence:.0%}），识别为“{r.text}”，请对照原件核对"))
    form.meta = {**form.meta, "read_from": "paper", "ocr_engine": paper.engine,
                 "ocr_pieces": str(len(paper.readings)), "ocr_unsure": str(len(unsure))}
