"""The PDF reader: ruled tables and text lines, in reading order, as lines and grids.

PDFium (pypdfium2, see ``glyphs``) parses the page into characters and ruling lines: parsing the
page objects was 86 % of pdfplumber's time, and PDFium does it several times faster than pdfminer
(on the LibreOffice corpus it gives the same characters, boxes and lines). PDFium has no table
finder, so pdfplumber's ``TableFinder`` still finds the ruled tables, from PDFium's lines. The text
of each cell is assembled here from the characters rather than with ``extract_text`` because two things matter for a form and no setting gives both:
a wrapped line in a cell is one paragraph (joined), a short line or a numbered item ("2.", "（2）",
"②") starts a new one (kept as "\\n"), and on text lines outside tables wide gaps survive as
double spaces so "单位：组织部      姓名：张三" still splits into fields. Merged cells that
pdfplumber returns as ``None`` are resolved to the cell covering that position. Characters drawn
twice for fake bold are dropped (``_dedupe``); white (invisible) text never reaches here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import InputFileError
from pipeline.parse import borderless, glyphs
from pipeline.parse.bombs import refuse_inflated
from pipeline.parse.settings import DEFAULT, ParseSettings
from pipeline.parse.layout import Cell, Grid, Layout
from pipeline.parse.route import raised_in_library
from pipeline.parse.text import clean

_NUMBERED_RE = re.compile(r"^\s*(?:\d{1,2}\s*[.．、)）]|[（(]\s*\d{1,2}\s*[)）]|[①-⑳]|[一二三四五六七八九十]{1,2}\s*[、.．])")
_ASCII_END_RE = re.compile(r"[A-Za-z0-9]$")
_ASCII_START_RE = re.compile(r"^[A-Za-z0-9]")
#: Where a strike-through line crosses a character, as shares of its height from the top.
STRIKE_BAND = (0.3, 0.75)
HINT_DAMAGED = "请填表人重新导出 PDF，或改交 Word（.docx）文件"


def _lines(chars: list[dict]) -> list[list[dict]]:
    """Characters clustered into lines (top within half a character), each sorted left to right."""
    out: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])):
        if out and abs(ch["top"] - out[-1][0]["top"]) <= max(ch["size"], 1) * 0.5:
            out[-1].append(ch)
        else:
            out.append([ch])
    for line in out:
        line.sort(key=lambda c: c["x0"])
    return out


def _wide(text: str) -> bool:
    return bool(text) and ord(text[0]) >= 0x2E80


def _line_text(line: list[dict], wide_gaps: bool) -> str:
    """A line's text, its typed spaces found in the gaps between characters.

    A gap counts from the line's own spacing (its median gap): CJK text is set solid, or spread
    evenly by justification, so a typed space is a gap that much wider than the rest — about a
    third of an em for one space beside a Han character ("部门 组织部"), where a font also leaves
    a little room between a Latin digit and a Han character that nobody typed. With ``wide_gaps``
    a gap of an em or more beyond the line's spacing (several spaces or a tab) reads as the wide
    gap header lines are split on.
    """
    gaps = sorted(ch["x0"] - prev["x1"] for prev, ch in zip(line, line[1:]))
    usual = max(gaps[len(gaps) // 2], 0.0) if gaps else 0.0
    parts = [line[0]["text"]]
    for prev, ch in zip(line, line[1:]):
        gap = ch["x0"] - prev["x1"] - usual
        size = max(ch["size"], 1)
        space = 0.25 if _wide(ch["text"]) and _wide(prev["text"]) else 0.45 if _wide(ch["text"]) or _wide(prev["text"]) else 0.2
        if wide_gaps and gap > 1.0 * size:
            parts.append("    ")
        elif gap > space * size:
            parts.append(" ")
        parts.append(ch["text"])
    return "".join(parts)


def _short(line: list[dict], right: float) -> bool:
    return right - line[-1]["x1"] > 2.5 * max(line[-1]["size"], 1)


def _cell_text(chars: list[dict], right: float) -> tuple[str, bool]:
    """Join wrapped lines; keep a break after a short line or before a numbered item.
    Also says whether the last line runs on to the edge (the paragraph may go on next page)."""
    lines = _lines(chars)
    if not lines:
        return "", False
    out = _line_text(lines[0], False)
    for prev, line in zip(lines, lines[1:]):
        text = _line_text(line, False)
        if _short(prev, right) or _NUMBERED_RE.match(text):
            out += "\n" + text
        elif _ASCII_END_RE.search(out) and _ASCII_START_RE.match(text):
            out += " " + text
        else:
            out += text
    return clean(out), not _short(lines[-1], right)


def _inside(ch: dict, bbox) -> bool:
    x = (ch["x0"] + ch["x1"]) / 2
    y = (ch["top"] + ch["bottom"]) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _grid(table, chars: list[dict], page_no: int) -> tuple[Grid, set[int]]:
    """One pdfplumber table as a grid; returns the ids of the characters it took."""
    cell_text: dict[tuple, tuple[str, bool]] = {}
    taken: set[int] = set()
    by_cell: dict[tuple, list[dict]] = {tuple(b): [] for b in table.cells}
    boxes = list(by_cell)
    for ch in chars:
        if not _inside(ch, table.bbox):
            continue
        for b in boxes:
            if _inside(ch, b):
                by_cell[b].append(ch)
                taken.add(id(ch))
                break
    for b, cs in by_cell.items():
        cell_text[b] = _cell_text(cs, b[2] - 3)
    columns = [c.bbox for c in table.columns]
    rows: list[list[Cell]] = []
    for r, row in enumerate(table.rows):
        out: list[Cell] = []
        for c, bbox in enumerate(row.cells):
            if bbox is not None:
                text, runs_on = cell_text[tuple(bbox)]
                out.append(Cell(text, runs_on=runs_on))
                continue
            cx = (columns[c][0] + columns[c][2]) / 2 if c < len(columns) and columns[c] else None
            # just under the row's top: a row's cells share that top but not their bottoms, and
            # halfway down a row holding a taller cell may fall on the line under a shorter one
            cy = row.bbox[1] + 1
            cover = None
            if cx is not None:
                cover = next((b for b in boxes if b[0] <= cx <= b[2] and b[1] <= cy <= b[3]), None)
            if cover is None:
                out.append(Cell(""))
            elif cover[1] < row.bbox[1] - 1:
                out.append(Cell(cell_text[cover][0], vmerge=True, hmerge=cover[0] < columns[c][0] - 1))
            else:
                out.append(Cell(cell_text[cover][0], hmerge=True))
        rows.append(out)
    return Grid(rows=rows, page=page_no), taken


_META = {"Author": "author", "Creator": "creator", "Producer": "producer", "CreationDate": "created",
         "ModDate": "modified", "Title": "title"}


#: Whose built-in exceptions (TypeError, KeyError …) count as damage to the file: see ``route``.
_LIBRARIES = ("pypdfium2", "pypdfium2_raw", "pdfplumber")


def _dedupe(chars: list[dict], tolerance: float = 1.0) -> list[dict]:
    """The characters with those drawn twice for fake bold dropped: the same glyph of the same font
    and size within ``tolerance`` points of one already kept. One pass over a grid of buckets
    (pdfplumber's ``dedupe_chars`` clusters every attribute and costs a third of a page's parse)."""
    kept: dict[tuple, list[dict]] = {}
    out = []
    for c in chars:
        x, y = c["x0"], c["top"]
        bx, by = int(x // tolerance), int(y // tolerance)
        near = False
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for k in kept.get((c["text"], c["fontname"], c["size"], bx + dx, by + dy), ()):
                    if abs(k["x0"] - x) <= tolerance and abs(k["top"] - y) <= tolerance:
                        near = True
                        break
                if near:
                    break
            if near:
                break
        if not near:
            kept.setdefault((c["text"], c["fontname"], c["size"], bx, by), []).append(c)
            out.append(c)
    return out


def _unstruck(chars: list[dict], edges: list[dict]) -> list[dict]:
    """The characters, those a horizontal line crosses through their middle band emptied of text.

    Word and WPS export a document with its change markup shown by striking deleted text through
    (and a struck-through word is withdrawn by whoever struck it): it is not content. Ruling lines
    of a table run along a character's top or bottom, never through its middle. The struck
    characters keep their place, so a line they fill still runs to the edge of its cell."""
    if not edges:
        return chars
    rows: dict[int, list[dict]] = {}
    for e in edges:
        rows.setdefault(int(e["top"]), []).append(e)
    out = []
    for c in chars:
        height = c["bottom"] - c["top"]
        lo, hi = c["top"] + height * STRIKE_BAND[0], c["top"] + height * STRIKE_BAND[1]
        mid = (c["x0"] + c["x1"]) / 2
        struck = any(lo <= e["top"] <= hi and e["x0"] <= mid <= e["x1"]
                     for y in range(int(lo), int(hi) + 1) for e in rows.get(y, ()))
        out.append(dict(c, text="") if struck else c)
    return out


def _turn(chars: list[dict]) -> int:
    """Degrees (0, 90, 180, 270) the page's text runs at as displayed, by majority of its characters.

    A page rotated with /Rotate (a landscape form exported portrait, a copier or a viewer turning
    it) still has its whole text layer; only every character runs sideways or upside down. The
    page is then read as if its /Rotate were turned by that much more, which shows it upright."""
    votes: dict[int, int] = {}
    for c in chars:
        votes[c["turn"]] = votes.get(c["turn"], 0) + 1
    return max(votes, key=lambda t: votes[t]) if votes else 0


@dataclass
class _Ruled:
    """What pdfplumber's ``TableFinder`` reads of a page with its default "lines" strategy."""

    edges: list[dict]
    bbox: tuple[float, float, float, float]


def _tables(edges: list[dict], width: float, height: float) -> list:
    """The ruled tables pdfplumber finds among ``edges`` (its ``Page.find_tables`` on our lines)."""
    import pdfplumber.table

    return pdfplumber.table.TableFinder(_Ruled(edges, (0, 0, width, height))).tables


def _damaged(path: Path) -> InputFileError:
    return InputFileError("PDF 文件已损坏或不完整，无法读取", path=path, hint=HINT_DAMAGED)


def read_pdf(path: Path, data: bytes, *, settings: ParseSettings = DEFAULT) -> Layout:
    """Lines and grids of every page, in reading order. A page whose text runs sideways or upside
    down is read turned upright."""
    import pypdfium2

    refuse_inflated(path, data)
    layout = Layout(has_text=False)
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as e:  # PDFium's refusal of the file, with its reason code
        if e.err_code in (pypdfium2.raw.FPDF_ERR_PASSWORD, pypdfium2.raw.FPDF_ERR_SECURITY) or b"/Encrypt" in data:
            raise InputFileError("PDF 设置了打开密码（已加密），无法读取", path=path,
                                 hint="请填表人去掉密码后重新导出 PDF，或直接交 Word（.docx）文件") from None
        raise _damaged(path) from None
    count = 0
    carry = None  # a borderless table open at the end of the previous page
    try:
        for key, value in pdf.get_metadata_dict(skip_empty=True).items():
            if key in _META and value.strip():
                layout.meta[_META[key]] = value.strip()
        for page_no in range(1, len(pdf) + 1):
            page = pdf[page_no - 1]
            rotation, box = page.get_rotation(), glyphs.page_box(page)
            textpage = page.get_textpage()
            drawn = _dedupe(glyphs.chars(textpage, rotation, box))
            turn = _turn(drawn)
            if turn:
                rotation = (rotation + turn) % 360
                drawn = _dedupe(glyphs.chars(textpage, rotation, box))
            edges = glyphs.edges(page, rotation, box)
            chars = _unstruck([c for c in drawn if c["upright"]], [e for e in edges if e["orientation"] == "h"])
            if not chars:
                continue
            layout.has_text = True
            width, height = glyphs.display_size(box, rotation)
            items: list[tuple[float, str | Grid]] = []
            taken: set[int] = set()
            for table in _tables(edges, width, height):
                count += 1
                grid, took = _grid(table, chars, page_no)
                grid.index = count
                taken |= took
                items.append((table.bbox[1], grid))
            rest = [c for c in chars if id(c) not in taken]
            lines = _lines(rest)
            right = max((c["x1"] for c in chars), default=width)
            found, took, carry = borderless.read_page(lines, page_no, carry, right, _cell_text, settings)
            for top, grid in found:
                count += 1
                grid.index = count
                items.append((top, grid))
            for line in lines:
                if id(line[0]) not in took:
                    items.append((line[0]["top"], _line_text(line, True)))
            items.sort(key=lambda it: it[0])
            layout.blocks.extend(item for _, item in items)
    except Exception as e:
        if isinstance(e, pypdfium2.PdfiumError) or raised_in_library(e, _LIBRARIES):
            raise _damaged(path) from None
        raise  # a fault of this program, not of the file
    finally:
        pdf.close()
    return layout
