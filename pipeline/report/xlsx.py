"""Every workbook the project writes goes through here: one sheet layout, one rule for unsafe text.

A sheet is a title row, a frozen and filtered header row, then data rows whose long text wraps.
It prints on A4 landscape fitted to the page width, repeats the header on every page and numbers
the pages in the footer, so an office can print any sheet as it is.

Text a person typed into a form may begin with ``=``, ``+``, ``-`` or ``@`` (possibly after a tab
or line break). Excel and WPS would run such a cell as a formula (CSV/formula injection), so every
text cell is stored as a string and such text additionally carries the quote prefix, which makes
Excel show it as text even when the cell is edited. Nothing reaches a cell but through
:func:`put` (write-only sheets) or :func:`assign` (the few normal-mode workbooks).

Workbooks are written in openpyxl's write-only mode, and a laid-out sheet's data rows are
streamed as XML at save (:mod:`pipeline.report.sheetdata`, which says why), so a ledger of
100,000 risk points is written in seconds and in little memory. Write-only mode needs the
columns, panes, styles and page setup (its fit-to-page flag sits before the rows) ahead of the
first row, and the filter, validations and protection after the last: :class:`SheetWriter`
orders them. Each data row gets a height from its longest wrapped cell, so printed and on
screen no text is cut off at one line.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field, replace

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.report.sheetdata import (
    Layout,
    RowCache,
    StreamedRows,
    StreamingWorkbook,
    formula_like,
    lines_needed,
)

FONT = "宋体"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_EDITABLE_FILL = PatternFill("solid", fgColor="FFF2CC")
#: Column width limits in Excel character units (one Chinese character is about two).
MIN_WIDTH, MAX_WIDTH = 6, 48
#: Rows looked at to size a column: enough to see typical content, cheap on 100,000 rows.
SAMPLE_ROWS = 200
#: OOXML paper size code of A4.
PAPER_A4 = 9


def display_width(text: str) -> int:
    """Width of the longest line in Excel units: wide (CJK) characters count two."""
    lines = str(text).split("\n") or [""]
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines)


@dataclass
class Col:
    """One column: its header, how wide it may grow, whether the office may edit it."""

    label: str
    width: float | None = None  # fixed width; None: fitted to the header and the first rows
    max_width: float = MAX_WIDTH
    editable: bool = False
    hidden: bool = False
    choices: Sequence[str] = ()  # a drop-down list for an editable column


@dataclass
class _Styles:
    """Style arrays built once per sheet and shared by every cell (write-only cells copy them)."""

    body: object
    editable: object
    title: object
    header: object


def _style_of(ws, *, font: Font, alignment: Alignment, border: Border | None = None,
              fill: PatternFill | None = None, protection: Protection | None = None):
    cell = WriteOnlyCell(ws, "")
    cell.font, cell.alignment = font, alignment
    if border is not None:
        cell.border = border
    if fill is not None:
        cell.fill = fill
    if protection is not None:
        cell.protection = protection
    return cell._style


def layout_page(ws, title: str, *, header_row: int | None) -> None:
    """A4 landscape fitted to the width, ``header_row`` (if any) repeated on each page, page numbers below.

    In a write-only sheet call it before the first row: the fit-to-page flag is written with the
    sheet's properties, ahead of the rows, and is lost when set later.
    """
    if header_row is not None:
        ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = PAPER_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddHeader.center.text = title


def sheet_styles(ws) -> _Styles:
    """The layout's cell styles, registered in the workbook in one fixed order (with their
    quote-prefixed twins), so every workbook gives them the same ids and rows encoded for one
    workbook's sheet serve another's (see :class:`RowCache`)."""
    wrap = Alignment(wrap_text=True, vertical="top")
    styles = _Styles(
        body=_style_of(ws, font=Font(name=FONT, size=10), alignment=wrap, border=_BORDER),
        editable=_style_of(ws, font=Font(name=FONT, size=10), alignment=wrap, border=_BORDER,
                           fill=_EDITABLE_FILL, protection=Protection(locked=False)),
        title=_style_of(ws, font=Font(name="黑体", size=16, bold=True),
                        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
        header=_style_of(ws, font=Font(name="黑体", size=10, bold=True),
                         alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
                         border=_BORDER, fill=_HEADER_FILL),
    )
    for style in (styles.body, styles.editable, styles.title, styles.header):
        style_id(ws, style), style_id(ws, _quoted(style))
    return styles


def put(ws, value, style) -> WriteOnlyCell:
    """One cell: ``value`` with ``style``; text is always a string, formula-like text quote-prefixed."""
    cell = WriteOnlyCell(ws, None)
    cell._style = copy(style)
    if isinstance(value, str):
        cell._value, cell.data_type = value, "s"  # never "f": no typed text becomes a formula
        if formula_like(value):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def assign(cell, value):
    """:func:`put` for a cell of a normal-mode workbook (the roster template, the archive's
    catalogue keep their own layouts): text stays a string, formula-like text quote-prefixed."""
    if isinstance(value, str):
        cell._value, cell.data_type = value, "s"  # the value setter would make "=…" a formula
        if formula_like(value):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def append_row(ws, values: Iterable) -> int:
    """Append ``values`` as the next row of a normal-mode sheet through :func:`assign`; its row number."""
    r = ws.max_row + 1 if ws.max_row > 1 or any(c.value is not None for c in ws[1]) else 1
    for i, v in enumerate(values, start=1):
        assign(ws.cell(r, i), v)
    return r


def new_workbook() -> StreamingWorkbook:
    """An empty write-only workbook (no default sheet) that streams laid-out sheets' rows at save."""
    return StreamingWorkbook()


def style_id(ws, style) -> int:
    """The workbook's cell style id of ``style`` (registered on first use, the same id after)."""
    cell = WriteOnlyCell(ws, None)
    cell._style = copy(style)
    return cell.style_id


def _quoted(style):
    q = copy(style)
    q.quotePrefix = 1
    return q


def fitted(columns: Sequence[Col], rows: Sequence[Sequence]) -> list[Col]:
    """``columns`` with every width fixed, fitted to the header and the first :data:`SAMPLE_ROWS` rows.

    Sheets that show the same rows in several workbooks share these widths, so a row's wrapped
    height and its encoded cells are the same everywhere and computed once.
    """
    head = rows[:SAMPLE_ROWS]
    return [replace(c, width=c.width or _fit(i, c, head)) for i, c in enumerate(columns)]


def _fit(index: int, col: Col, head: Sequence[Sequence]) -> float:
    widest = display_width(col.label)
    for row in head:
        if index < len(row) and row[index] is not None:
            widest = max(widest, display_width(row[index]))
    return float(min(max(widest + 2, MIN_WIDTH), col.max_width))


@dataclass
class SheetWriter:
    """Writes one sheet of the layout above into a workbook from :func:`new_workbook`.

    ``rows`` is kept until the workbook is saved, when its rows are streamed (see
    :mod:`pipeline.report.sheetdata`); widths not fixed by a column are fitted to the first
    :data:`SAMPLE_ROWS`. With ``numbered`` the first column is a 序号 counted in this sheet,
    whatever the rows hold there. ``cache`` lets sheets that show the same rows (the same
    lists) with the same widths and styles encode each row once. With ``protect`` the sheet is
    protected without a password (a guard against slips, not security): only the columns marked
    editable stay open, with their drop-downs.
    """

    wb: StreamingWorkbook
    name: str
    title: str
    columns: Sequence[Col]
    protect: bool = False
    subtitle: str = ""
    numbered: bool = False
    cache: RowCache | None = None
    rows_written: int = field(default=0, init=False)

    def write(self, rows: Iterable[Sequence]):
        rows = rows if isinstance(rows, Sequence) else list(rows)
        ws = self.wb.create_sheet(self.name)
        styles = sheet_styles(ws)
        columns = fitted(self.columns, rows)
        n = len(columns)
        for i, col in enumerate(columns, start=1):
            dim = ws.column_dimensions[get_column_letter(i)]
            dim.width, dim.hidden = col.width, col.hidden
        ws.freeze_panes = "A3"
        layout_page(ws, self.title, header_row=2)  # before the first row: write-only mode writes sheetPr then
        # a write-only sheet writes a row's height when the row is appended, so heights come first
        ws.row_dimensions[1].height = 52 if self.subtitle else 30
        ws.row_dimensions[2].height = max((lines_needed(c.label, c.width) for c in columns), default=1) * 14 + 8
        ws.append([put(ws, self.title + (f"\n（{self.subtitle}）" if self.subtitle else ""), styles.title)])
        ws.merged_cells.add(f"A1:{get_column_letter(max(n, 1))}1")
        ws.append([put(ws, c.label, styles.header) for c in columns])
        cell_styles = [styles.editable if c.editable else styles.body for c in columns]
        layout = Layout.of([style_id(ws, st) for st in cell_styles], [style_id(ws, _quoted(st)) for st in cell_styles],
                           [c.width for c in columns], [True] * n, numbered=self.numbered)
        self.wb.stream(ws, StreamedRows(rows, layout, first=3, cache=self.cache))
        count = len(rows)
        last = count + 2
        ws.auto_filter.ref = f"A2:{get_column_letter(n)}{max(last, 2)}"
        for i, col in enumerate(columns, start=1):
            if col.choices and count:
                letter = get_column_letter(i)
                dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=True,
                                    showErrorMessage=True, errorTitle="取值不在列表中",
                                    error="请从下拉列表中选择：" + "、".join(col.choices))
                dv.add(f"{letter}3:{letter}{last}")
                ws.data_validations.append(dv)
        if self.protect:
            p = ws.protection
            p.sheet = True
            p.autoFilter = p.sort = p.formatColumns = p.formatRows = False
            p.selectLockedCells = p.selectUnlockedCells = False
        self.rows_written = count
        return ws


def write_sheet(wb: StreamingWorkbook, name: str, title: str, columns: Sequence[Col], rows: Iterable[Sequence], *,
                protect: bool = False, subtitle: str = "", numbered: bool = False, cache: RowCache | None = None):
    """Add one laid-out sheet to ``wb``; returns the worksheet (see :class:`SheetWriter`)."""
    return SheetWriter(wb, name, title, columns, protect=protect, subtitle=subtitle, numbered=numbered,
                       cache=cache).write(rows)
