"""What the office must check on a return read from paper: every piece read with low confidence.

OCR that is unsure is not silently trusted: each cell or line the engine read below
``ocr_min_confidence`` (``ocr_min_confidence_half_lines`` on a page sent at half the lines, a
standard-mode fax) becomes a ``low_confidence`` problem naming the page, table, row and
column (by the printed header label above it) and the text as read, so the office compares
exactly those with the original.

The engine's score alone misses confident misreadings (a 1-bit fax turns "，" into a sure "？"),
so a reading is also doubted when its content cannot be what the form holds there: a character
no filled-in form uses, a level cell that is not one of the campaign's level words, a date cell
with figures that make no date. A flagged field that was right costs the office one look; an
unflagged wrong one goes into the ledger unseen.
"""

from __future__ import annotations

import re

from pipeline.forms import Column, get
from pipeline.parse.dates import find_date
from pipeline.parse.layout import Grid
from pipeline.parse.paper.read import FORM_TEXT_RE, PaperLayout, Reading
from pipeline.parse.settings import ParseSettings
from pipeline.parse.text import squash
from pipeline.records import ParsedForm, Problem

#: A lone Latin letter against a Han character ("E丽华"): the recogniser's guess at a character it
#: could not make out. Level letters stand alone in their cell, words such as "OA系统" have two.
_STRAY_LETTER_RE = re.compile(r"(?<![A-Za-z])[A-Za-z](?=[\u3400-\u9fff])|(?<=[\u3400-\u9fff])[A-Za-z](?![A-Za-z])")


def _doubt(text: str, column: Column | None, levels: list[str]) -> str | None:
    """Why ``text`` read into ``column`` cannot be right, or ``None`` when it could be."""
    odd = sorted({ch for ch in text if not FORM_TEXT_RE.fullmatch(ch)})
    if odd:
        return "含表中不会出现的字符“" + "".join(odd) + "”"
    stray = _STRAY_LETTER_RE.search(text)
    if stray:
        return f"汉字间夹着单个字母“{stray.group()}”"
    if column is not None and column.type == "level" and levels and squash(text) not in {squash(x) for x in levels}:
        return f"不是本次排查的{column.label}之一（" + "、".join(levels) + "）"
    if column is not None and column.type == "date" and re.search(r"\d", text) and find_date(text) is None:
        return "不是有效日期"
    return None


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
    columns = {squash(x): c for c in (definition.columns if definition else ()) for x in (c.label, *c.synonyms)}
    grids = {b.index: b for b in paper.layout.blocks if isinstance(b, Grid)}
    unsure = []
    for r in paper.readings:
        label = _column_label(grids[r.table], r, set(columns)) if r.table in grids else None
        doubt = _doubt(r.text, columns.get(label) if label else None, form.levels)
        least = settings.ocr_min_confidence_half_lines if r.half_lines else settings.ocr_min_confidence
        if r.confidence >= least and doubt is None:
            continue
        unsure.append(r)
        if r.table:
            where = f"第{r.page}页 表{r.table} 第{r.row}行 第{r.col}列" + (f"（{label}）" if label else "")
        else:
            where = f"第{r.page}页 表格外文字"
        why = f"识别结果{doubt}" if doubt else f"识别把握不大（{r.confidence:.0%}）"
        message = f"扫描件此处{why}，识别为“{r.text}”，请对照原件核对" if r.text else "扫描件此处有字迹但未能识别，请对照原件填写"
        form.problems.append(Problem(code="low_confidence", where=where, message=message))
    form.meta = {**form.meta, "read_from": "paper", "ocr_engine": paper.engine,
                 "ocr_pieces": str(len(paper.readings)), "ocr_unsure": str(len(unsure))}
