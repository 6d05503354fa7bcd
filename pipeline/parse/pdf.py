"""The PDF reader: pdfplumber tables and text lines, in reading order, as lines and grids.

pdfplumber finds the ruled tables; the text of each cell is assembled here from the characters
rather than with ``extract_text`` because two things matter for a form and no setting gives both:
a wrapped line in a cell is one paragraph (joined), a short line or a numbered item ("2.", "（2）",
"②") starts a new one (kept as "\\n"), and on text lines outside tables wide gaps survive as
double spaces so "单位：组织部      姓名：张三" still splits into fields. Merged cells that
pdfplumber returns as ``None`` are resolved to the cell covering that position. Characters drawn
twice for fake bold are dropped (``_dedupe``), and white (invisible) text is ignored.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

from pipeline.errors import InputFileError
from pipeline.parse import borderless
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


def _white(color) -> bool:
    if color is None:
        return False
    if isinstance(color, (int, float)):
        color = (color,)
    try:
        values = [float(v) for v in color]
    except (TypeError, ValueError):
        return False
    if len(values) == 1 or len(values) == 3:
        return all(v >= 0.97 for v in values)
    if len(values) == 4:  # CMYK
        return all(v <= 0.03 for v in values)
    return False


def _visible(obj: dict) -> bool:
    if obj.get("object_type") == "char":
        return not _white(obj.get("non_stroking_color")) and bool(obj.get("text", "").strip())
    if obj.get("object_type") in ("line", "curve"):
        return not _white(obj.get("stroking_color"))
    if obj.get("object_type") == "rect":
        return not (_white(obj.get("non_stroking_color")) and _white(obj.get("stroking_color")))
    return True


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
    """A line's text; a gap next to a CJK character must be wider to count as a space, since
    fonts leave room between a Latin digit and a Han character that nobody typed."""
    parts = [line[0]["text"]]
    for prev, ch in zip(line, line[1:]):
        gap = ch["x0"] - prev["x1"]
        size = max(ch["size"], 1)
        space = 0.6 if _wide(ch["text"]) or _wide(prev["text"]) else 0.2
        if wide_gaps and gap > 1.5 * size:
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
            cy = (row.bbox[1] + row.bbox[3]) / 2
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


def _damage_types() -> tuple[type[BaseException], ...]:
    """What pdfplumber and pdfminer raise for a broken or hostile PDF (found by fuzzing damaged files).

    pdfplumber wraps what pdfminer raises while opening and while listing pages in
    ``PdfminerException`` (around PSEOF, PSSyntaxError, PDFKeyError, PDFSyntaxError, and the
    ValueError / TypeError pdfminer lets out of a broken xref); pdfminer's own ``PSException``
    family may also come straight out of a page's content stream. Anything else is a fault of this
    program and propagates.
    """
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

    return PdfminerException, MalformedPDFException, PSException


_LIBRARIES = ("pdfplumber", "pdfminer")


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
    it) still has its whole text layer; only every character runs sideways or upside down."""
    votes: dict[int, int] = {}
    for c in chars:
        a, b = c["matrix"][0], c["matrix"][1]
        turn = round(math.degrees(math.atan2(b, a)) / 90) * 90 % 360
        votes[turn] = votes.get(turn, 0) + 1
    return max(votes, key=lambda t: votes[t]) if votes else 0


def _turned_upright(data: bytes, turns: dict[int, int]) -> bytes:
    """The PDF with each page in ``turns`` (index → degrees its text runs at) given the /Rotate that
    shows its text upright; the text layer itself is untouched."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as doc:
        for index, turn in turns.items():
            page = doc.pages[index]
            page.obj.Rotate = (int(page.obj.get("/Rotate", 0)) + turn) % 360
        out = io.BytesIO()
        doc.save(out)
    return out.getvalue()


def read_pdf(path: Path, data: bytes, *, settings: ParseSettings = DEFAULT, _turned: bool = False) -> Layout:
    """Lines and grids of every page, in reading order. Pages whose text runs sideways or upside
    down are read again turned upright (once: ``_turned`` marks the second reading)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    damage = _damage_types()
    layout = Layout(has_text=False)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as e:  # pdfplumber wraps pdfminer's errors in PdfminerException
        if not (isinstance(e, damage) or raised_in_library(e, _LIBRARIES)):
            raise  # a fault of this program, not of the file
        inner = e.args[0] if e.args and isinstance(e.args[0], BaseException) else e.__context__ or e
        if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)) or b"/Encrypt" in data:
            raise InputFileError("PDF 设置了打开密码（已加密），无法读取", path=path,
                                 hint="请填表人去掉密码后重新导出 PDF，或直接交 Word（.docx）文件") from None
        raise InputFileError("PDF 文件已损坏或不完整，无法读取", path=path, hint=HINT_DAMAGED) from None
    count = 0
    carry = None  # a borderless table open at the end of the previous page
    turns: dict[int, int] = {}
    try:
        with pdf:
            for key, value in (pdf.metadata or {}).items():
                if key in _META and isinstance(value, str) and value.strip():
                    layout.meta[_META[key]] = value.strip()
            for page_no, page in enumerate(pdf.pages, 1):
                page = page.filter(_visible)
                drawn = _dedupe(page.chars)
                turn = _turn(drawn) if not _turned else 0
                if turn:
                    turns[page_no - 1] = turn
                    continue
                chars = _unstruck([c for c in drawn if c.get("upright", True)], page.horizontal_edges)
                if not chars:
                    continue
                layout.has_text = True
                items: list[tuple[float, str | Grid]] = []
                taken: set[int] = set()
                for table in page.find_tables():
                    count += 1
                    grid, took = _grid(table, chars, page_no)
                    grid.index = count
                    taken |= took
                    items.append((table.bbox[1], grid))
                rest = [c for c in chars if id(c) not in taken]
                lines = _lines(rest)
                right = max((c["x1"] for c in chars), default=page.width)
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
        if isinstance(e, damage) or raised_in_library(e, _LIBRARIES):
            raise InputFileError("PDF 文件已损坏或不完整，无法读取", path=path, hint=HINT_DAMAGED) from None
        raise  # a fault of this program, not of the file
    if turns:
        import pikepdf

        try:
            turned = _turned_upright(data, turns)
        except pikepdf.PdfError:  # pikepdf's own error for a file pdfminer could read but it cannot
            raise InputFileError("PDF 文件已损坏或不完整，无法读取", path=path, hint=HINT_DAMAGED) from None
        return read_pdf(path, turned, settings=settings, _turned=True)
    return layout
