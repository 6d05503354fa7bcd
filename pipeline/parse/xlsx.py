"""The .xlsx (and .xls) reader: a form an office typed in Excel or WPS 表格, read into lines and grids.

Offices that live in Excel retype a form there: the title in a merged first row, the header
fields in a row of cells ("部门：组织部" or 部门 | 组织部), the risk table below, notes and signature
lines under it. Each sheet with content becomes, in order: the lines above its table (rows with one
text), one grid from the first row with two or more texts to the last, and the lines below it. A
merged range repeats its text over the cells it covers, marked as a .docx reader marks them
(across: ``hmerge``; down: ``vmerge``), so the form logic reads it like a Word table.

python-calamine reads the cells and merged ranges (it reads .xlsx, .xls and .ods alike; its values
are the ones the sheet shows, formulas' cached results included); the file's own save time and
author come from its core properties, as for a .docx.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from pipeline.errors import InputFileError
from pipeline.parse.docx import core_meta
from pipeline.parse.layout import Cell, Grid, Layout
from pipeline.parse.route import ZIP_DAMAGE
from pipeline.parse.text import clean

_HINT = "请用 Excel 或 WPS 打开后另存为 .xlsx 再发送，或改交下发的 Word 表格"


#: The most cells a sheet's used range may span: calamine holds a sheet as one dense range, so a
#: file with one cell at A1 and one at XFD1048576 would ask for hundreds of gigabytes.
MAX_CELLS = 4_000_000
_CELL_REF_RE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,3})([0-9]{1,7})"')
_DIMENSION_RE = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\sref="[A-Z]{0,3}[0-9]{0,7}:?([A-Z]{1,3})([0-9]{1,7})"')


def vast_sheet(zf: zipfile.ZipFile) -> tuple[int, int] | None:
    """(rows, columns) of the first sheet whose cells (or declared dimension) span more than
    :data:`MAX_CELLS` — the size calamine would allocate — looked for in the sheet's XML before
    calamine opens it; None when every sheet is of a sane size."""
    for name in zf.namelist():
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        try:
            xml = zf.read(name)
        except ZIP_DAMAGE:
            continue  # calamine reports the damage
        refs = [*_DIMENSION_RE.findall(xml), *_CELL_REF_RE.findall(xml)]
        if not refs:
            continue
        letters, numbers = zip(*refs)  # a roster has tens of thousands of cells, in a few columns
        rows, cols = max(map(int, numbers)), max(map(_column_number, set(letters)))
        if rows * cols > MAX_CELLS:
            return rows, cols
    return None


#: What to tell whoever sent a workbook :func:`vast_sheet` refuses.
VAST_HINT = "不要打开此文件；请向发送人核实，让其把表格内容复制到新的工作簿后另存为 .xlsx 再发送"


def vast_message(span: tuple[int, int]) -> str:
    return f"工作表范围异常巨大（{span[0]} 行 × {span[1]} 列），疑似恶意构造，已拒绝读取"


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def read_xlsx(path: Path, data: bytes, zf: zipfile.ZipFile) -> Layout:
    """Lines and grids of every sheet with content, and the file's metadata."""
    span = vast_sheet(zf)
    if span is not None:
        raise InputFileError(f"Excel 文件的{vast_message(span)}", path=path, hint=VAST_HINT)
    wb = _open(data)
    if wb is None:
        raise InputFileError("Excel 文件已损坏，读不出来", path=path, hint=_HINT)
    return _read(path, wb, core_meta(zf, path))


def read_xls(path: Path, data: bytes) -> Layout | None:
    """An Excel 97–2003 (.xls) or WPS workbook read as :func:`read_xlsx` reads an .xlsx; None when the
    file is no workbook (an old Word file shares its container format, and goes to LibreOffice)."""
    wb = _open(data)
    return None if wb is None else _read(path, wb, {})


#: How an OLE file's directory names an Excel 97–2003 (or WPS) workbook's stream: in UTF-16.
_WORKBOOK_STREAM = "Workbook".encode("utf-16-le")


def looks_like_workbook(data: bytes) -> bool:
    """Whether an OLE file (.xls and .doc share the container) names a workbook stream: a look at
    the bytes, not a read, so the process writing the store never opens a hostile file with
    calamine. A wrong guess costs only time: the worker reads a workbook before it converts."""
    return _WORKBOOK_STREAM in data


def _open(data: bytes):
    """The workbook in ``data``, or None where calamine cannot open one."""
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine's own error kinds for what it cannot open
        return None


def _read(path: Path, wb, meta: dict[str, str]) -> Layout:
    layout = Layout(meta=meta)
    with wb:
        for name in wb.sheet_names:
            try:
                sheet = wb.get_sheet_by_name(name)
                values = sheet.to_python(skip_empty_area=False)
                merged = sheet.merged_cell_ranges or []
            except Exception as e:  # damaged sheet XML: calamine's error kinds
                raise InputFileError(f"Excel 文件的工作表“{name}”已损坏（{type(e).__name__}）", path=path,
                                     hint=_HINT) from None
            _sheet_blocks(layout, _cells(values, merged))
    return layout


def _text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year}年{value.month}月{value.day}日"
    return clean(str(value))


def _cells(values: list[list], merged: list) -> list[list[Cell]]:
    """The sheet's cells, a merged range's text repeated over it with the .docx reader's marks."""
    rows = [[Cell(_text(v)) for v in row] for row in values]
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        text = rows[r0][c0].text
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, min(c1, len(rows[r]) - 1) + 1):
                if (r, c) != (r0, c0):
                    rows[r][c] = Cell(text, hmerge=c > c0, vmerge=r > r0)
    return rows


def _texts(row: list[Cell]) -> list[str]:
    """The texts a row shows: one per cell or merged range (its covered cells left out)."""
    return [c.text for c in row if c.text and not c.hmerge and not c.vmerge]


def _sheet_blocks(layout: Layout, rows: list[list[Cell]]) -> None:
    """Lines above the table, the table from its first row of two texts to its last, lines below."""
    wide = [i for i, row in enumerate(rows) if len(_texts(row)) >= 2]
    if not wide:
        layout.blocks += [t for row in rows for t in _texts(row)]
        return
    first, last = wide[0], wide[-1]
    layout.blocks += [t for row in rows[:first] for t in _texts(row)]
    width = max(len(r) for r in rows[first:last + 1])
    grid = Grid(rows=[row + [Cell("")] * (width - len(row)) for row in rows[first:last + 1]],
                index=sum(1 for b in layout.blocks if isinstance(b, Grid)) + 1)
    layout.blocks.append(grid)
    layout.blocks += [t for row in rows[last + 1:] for t in _texts(row)]
