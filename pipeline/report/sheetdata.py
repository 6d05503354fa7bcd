"""Data rows of laid-out sheets written as ``<sheetData>`` XML by this module, not cell by cell by openpyxl.

Why not openpyxl for the rows: its write-only mode builds a cell object and an XML element per
value, about 18 µs a cell. A 100,000-risk-point ledger is 2.3 million cells per sheet and every
row is shown about 3.5 times (the institution's 风险点台账 and 上报, a department's workbook, the
上报 file): 246 s, where the floor is 20 s. Encoding a row here is one f-string per cell, done
once per row and reused by every sheet that shows it (:class:`RowCache`).

So openpyxl still writes every workbook — styles, column widths, frozen panes, merged title,
filters, drop-downs, protection, print setup, charts — and each laid-out sheet's title and
header rows; :class:`StreamingWorkbook` saves that skeleton, then copies it into the real file,
inserting the data rows before ``</sheetData>`` of their sheet. The rows are what openpyxl would
write: ``<row r>`` with a height, ``<c r s t="inlineStr">`` text (never a formula), ``t="n"``
numbers, and the cell style ids openpyxl registered for this workbook, so Excel, WPS and
LibreOffice read them like any other (the tests load the files with openpyxl and LibreOffice).
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, partial

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

#: Text Excel would evaluate: = + - @ at the start, possibly after tabs, CR or LF.
FORMULA_LIKE = re.compile(r"^[\t\r\n ]*[=+\-@]")
_FORMULA_START = frozenset("=+-@\t\r\n ")
#: Characters XML 1.0 does not allow; openpyxl refuses them, here they are dropped.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Points per wrapped line of 10 pt text, and the padding of a row.
LINE_HEIGHT, ROW_PADDING = 13.5, 3.0
#: Width of a wide (CJK) character in Excel units: 10 pt 宋体 is 13.3 px, a unit (Calibri's
#: digit, the workbook's default font) 7 px. A cell's text wraps inside its width less the margins.
WIDE, CELL_MARGIN = 1.9, 0.2
#: Rows joined into one write to the zip stream.
CHUNK_ROWS = 2000
#: Deflate level of the streamed sheets: level 1 is about twice as fast as the default 6 on this
#: text and the file about 30 % larger (16.5 MB against 12.6 MB for 100,000 risk points).
COMPRESS_LEVEL = 1
_ROW_NUMBER = "\x00"  # stands for the row number in an encoded row; never left in text (illegal in XML)


def formula_like(text: str) -> bool:
    return bool(text) and text[0] in _FORMULA_START and bool(FORMULA_LIKE.match(text))


def text_width(text: str) -> float:
    """Width of one line in Excel units: wide (CJK) characters :data:`WIDE`, the rest one.

    The wide ones are counted from the UTF-8 length (CJK characters take three bytes, ASCII one):
    for Chinese text that is what :func:`unicodedata.east_asian_width` says, at a fraction of its cost.
    """
    n = len(text)
    return n + (WIDE - 1) * ((len(text.encode("utf-8")) - n) // 2)


def lines_needed(text: str, width: float) -> int:
    """Lines a wrapped cell of ``width`` needs for ``text`` (each explicit line break starts one)."""
    usable = max(width - CELL_MARGIN, 1.0)
    if "\n" not in text:
        return max(1, math.ceil(text_width(text) / usable))
    return sum(max(1, math.ceil(text_width(line) / usable)) for line in text.split("\n"))


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return _ILLEGAL.sub("", text)


@dataclass(frozen=True)
class Layout:
    """How one sheet shows its rows: per column its letter, cell style id, the style id with the
    quote prefix (for formula-like text), width, whether it wraps and which value of a row it
    shows; and whether the first column is a number the sheet counts itself."""

    letters: tuple[str, ...]
    styles: tuple[int, ...]
    quoted: tuple[int, ...]
    widths: tuple[float, ...]
    wraps: tuple[bool, ...]
    source: tuple[int, ...]
    numbered: bool = False

    @classmethod
    def of(cls, styles: Sequence[int], quoted: Sequence[int], widths: Sequence[float], wraps: Sequence[bool],
           *, source: Sequence[int] | None = None, numbered: bool = False) -> Layout:
        return cls(tuple(get_column_letter(i) for i in range(1, len(styles) + 1)), tuple(styles), tuple(quoted),
                   tuple(widths), tuple(wraps), tuple(range(len(styles)) if source is None else source), numbered)

    @cached_property
    def cells(self) -> tuple[tuple[int, str, int, int, float], ...]:
        """Per written column: the index of its value, the cell's opening up to its style id, the
        style ids without and with the quote prefix, and its usable width if it wraps (0 if not)."""
        return tuple((self.source[i], f'<c r="{self.letters[i]}{_ROW_NUMBER}" s="', self.styles[i], self.quoted[i],
                      max(self.widths[i] - CELL_MARGIN, 1.0) if self.wraps[i] else 0.0)
                     for i in range(1 if self.numbered else 0, len(self.letters)))


def encode_row(values: Sequence, layout: Layout) -> tuple[float, bytes]:
    """(height in points, the row's cells as UTF-8 XML with ``\\x00`` for the row number).

    Text is always an inline string, so nothing typed becomes a formula; formula-like text gets
    the quote-prefixed style, as :func:`pipeline.report.xlsx.put` does. Numbers are numbers;
    anything else is written as its text. With ``layout.numbered`` the first value is skipped
    (the sheet writes the row's position there). This runs for every cell of a 100,000-row
    ledger, hence the plain loop and the cheap tests before the exact ones.
    """
    parts = []
    lines = 1
    n = len(values)
    for i, head, style, quoted, usable in layout.cells:
        v = values[i] if i < n else None
        if v is None or v == "":
            parts.append(f'{head}{style}"/>')
            continue
        if v.__class__ is not str:
            if v.__class__ is bool:
                parts.append(f'{head}{style}" t="b"><v>{int(v)}</v></c>')
                continue
            if isinstance(v, (int, float)):
                parts.append(f'{head}{style}" t="n"><v>{v!r}</v></c>')
                continue
            v = str(v)
        if v[0] in _FORMULA_START and FORMULA_LIKE.match(v):
            style = quoted
        if usable and len(v) * WIDE > usable:  # may need a second line: count them (text_width inlined)
            if "\n" in v:
                lines = max(lines, lines_needed(v, usable + CELL_MARGIN))
            else:
                k = len(v)
                lines = max(lines, math.ceil((k + (WIDE - 1) * ((len(v.encode("utf-8")) - k) // 2)) / usable))
        space = ' xml:space="preserve"' if v[0].isspace() or v[-1].isspace() else ""
        if "&" in v or "<" in v or ">" in v or not v.isprintable():
            v = _escape(v)
        parts.append(f'{head}{style}" t="inlineStr"><is><t{space}>{v}</t></is></c>')
    return lines * LINE_HEIGHT + ROW_PADDING, "".join(parts).encode("utf-8")


class RowCache:
    """Rows encoded once per layout and reused by every sheet that shows them the same way.

    A row is known by its values list (kept, so its id cannot be reused while cached): the
    ledger passes the same lists to the institution's sheets and to each department's. Rows are
    kept as UTF-8 (half the memory of Chinese text in a str): 100,000 ledger rows take 150 MB.
    """

    def __init__(self) -> None:
        self._by_layout: dict[Layout, dict[int, tuple[Sequence, float, bytes]]] = {}

    def encoder(self, layout: Layout) -> Callable[[Sequence], tuple[float, bytes]]:
        """``encode_row`` for ``layout``, answering from the cache what it encoded before."""
        rows = self._by_layout.setdefault(layout, {})

        def encode(values: Sequence) -> tuple[float, bytes]:
            hit = rows.get(id(values))
            if hit is not None and hit[0] is values:
                return hit[1], hit[2]
            height, cells = encode_row(values, layout)
            rows[id(values)] = (values, height, cells)
            return height, cells

        return encode


@dataclass
class StreamedRows:
    """The data rows of one sheet, written from ``first`` on when the workbook is saved."""

    rows: Sequence[Sequence]
    layout: Layout
    first: int
    cache: RowCache | None = None
    number_from: int = 1

    def chunks(self) -> Iterator[bytes]:
        layout = self.layout
        encode = self.cache.encoder(layout) if self.cache is not None else partial(encode_row, layout=layout)
        number_style = layout.styles[0] if layout.styles else 0
        placeholder = _ROW_NUMBER.encode()
        out: list[bytes] = []
        for k, values in enumerate(self.rows):
            n = str(self.first + k)
            height, cells = encode(values)
            seq = f'<c r="A{n}" s="{number_style}" t="n"><v>{k + self.number_from}</v></c>' if layout.numbered else ""
            out.append(f'<row r="{n}" ht="{height:g}" customHeight="1">{seq}'.encode())
            out.append(cells.replace(placeholder, n.encode()))
            out.append(b"</row>")
            if len(out) >= 3 * CHUNK_ROWS:
                yield b"".join(out)
                out.clear()
        if out:
            yield b"".join(out)


class StreamingWorkbook(Workbook):
    """A write-only workbook whose sheets may have data rows streamed by :class:`StreamedRows` at save."""

    def __init__(self) -> None:
        super().__init__(write_only=True)
        self._streamed: list[tuple[object, StreamedRows]] = []

    def stream(self, ws, rows: StreamedRows) -> None:
        """Write ``rows`` after the rows already appended to ``ws`` (which must be its last ones)."""
        self._streamed.append((ws, rows))

    def save(self, filename) -> None:
        skeleton = io.BytesIO()
        super().save(skeleton)
        parts = {ws.path.lstrip("/"): rows for ws, rows in self._streamed}
        with zipfile.ZipFile(skeleton) as src, \
                zipfile.ZipFile(filename, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as out:
            for info in src.infolist():
                data = src.read(info)
                rows = parts.get(info.filename)
                if rows is None:
                    out.writestr(info, data)
                    continue
                head, tail = data.split(b"</sheetData>", 1)
                with out.open(info.filename, "w") as f:
                    f.write(head)
                    for chunk in rows.chunks():
                        f.write(chunk)
                    f.write(b"</sheetData>" + tail)
