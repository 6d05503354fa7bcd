"""Tables printed without ruling lines (borders removed in Word/WPS, or exported without them).

pdfplumber's ``find_tables`` needs lines; a borderless table has none, and its "text" strategies
cut at every text line, so a wrapped cell becomes several rows. Here the table is found the way a
reader finds it: a text line whose pieces are a form's column labels (序号 风险名称 风险等级 …).
The columns run from those header cells; each boundary is put in the empty strip between one
column's text and the next column's left-aligned text (the gutter the data leave), which holds
for centred labels too. Rows are hand-clustered because nothing marks them but the text: a row
starts where an anchor column (序号, the risk point, the category) starts a new paragraph; every
other column's lines belong to the row they sit in. A column the definition marks ``merged``
(002's 岗位职责, one cell spanning every row) keeps its whole text on the first row. The table ends
at the first line that runs across two column labels (a note, a signature line) or at the page
end, where an open table may continue on the next page with the same columns.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pipeline.forms import Column
from pipeline.parse.layout import Cell, Grid
from pipeline.parse.settings import DEFAULT, ParseSettings
from pipeline.parse.table import DefIndex, cell_key, indexes, names_of
from pipeline.parse.text import label_key
from pipeline.parse.vocabulary import VOCABULARY

#: Row anchors: a new paragraph in one of these columns starts a new row.
ANCHOR_TYPES = {"seq", "category"}


@dataclass
class Piece:
    x0: float
    x1: float
    top: float
    size: float
    chars: list[dict]

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)


@dataclass
class OpenTable:
    """A borderless table that reached the page end: the next page may go on with its columns."""

    ix: DefIndex
    columns: list[tuple[float, float, Column | None]]  # x-range → definition column
    labels: list[tuple[float, float]]


def _pieces(line: list[dict], settings: ParseSettings) -> list[Piece]:
    out: list[Piece] = []
    for ch in line:
        size = max(ch["size"], 1)
        if out and ch["x0"] - out[-1].x1 <= settings.piece_gap * size:
            p = out[-1]
            p.chars.append(ch)
            p.x1 = max(p.x1, ch["x1"])
        else:
            out.append(Piece(ch["x0"], ch["x1"], ch["top"], size, [ch]))
    return out


def _named(ix: DefIndex, text: str, settings: ParseSettings) -> Column | None:
    return names_of(text, settings).get(ix.definition.id)


def _exact(ix: DefIndex, text: str) -> Column | None:
    return ix.exact.get(cell_key(text))


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def _header(lines: list[list[dict]], start: int, settings: ParseSettings
            ) -> tuple[int, DefIndex, list[Piece], int] | None:
    """The first line naming at least two columns (and half) of one definition: its index, the
    definition, the header cells (completed from the line below) and the last header line."""
    for n in range(start, len(lines)):
        pieces = _pieces(lines[n], settings)
        if len(pieces) < 2:
            continue
        best = None
        for ix in indexes(settings):
            if sum(1 for p in pieces if _named(ix, p.text, settings) is not None) < 2:
                continue
            cells, last = _header_cells(ix, lines, n, pieces, settings)
            cols = {c.key for p in cells if (c := _named(ix, p.text, settings)) is not None}
            total = len(ix.definition.columns)
            if len(cols) >= 2 and (len(cols) >= total / 2 or len(cols) >= 3):
                score = len(cols) / total + len(cols) / len(cells)
                if best is None or score > best[0]:
                    best = (score, ix, cells, last)
        if best is not None:
            return n, best[1], best[2], best[3]
    return None


def _header_cells(ix: DefIndex, lines: list[list[dict]], n: int, pieces: list[Piece],
                  settings: ParseSettings) -> tuple[list[Piece], int]:
    """Header cells from the header line plus the line under it when that line completes them:
    a wrapped label ("风险内容及" / "表现形式") or sub-labels under a group label (防控措施 over
    前期预防 中期监控 后期处置). Returns the cells and the index of the last header line."""
    cells = list(pieces)
    if n + 1 >= len(lines):
        return cells, n
    below = _pieces(lines[n + 1], settings)
    if below[0].top - pieces[0].top > settings.header_wrap_gap * pieces[0].size:
        return cells, n
    out: list[Piece] = []
    consumed = 0
    for j, parent in enumerate(cells):
        lo = cells[j - 1].x1 if j else float("-inf")  # a label may be centred: its cell reaches the neighbours
        hi = cells[j + 1].x0 if j + 1 < len(cells) else float("inf")
        under = [b for b in below if lo < (b.x0 + b.x1) / 2 < hi]
        if len(under) >= 2 and all(_exact(ix, b.text) for b in under):
            out.extend(under)  # a group label: its sub-labels are the columns
            consumed += len(under)
        elif len(under) == 1 and not _exact(ix, parent.text) and _exact(ix, parent.text + under[0].text):
            b = under[0]
            out.append(Piece(min(parent.x0, b.x0), max(parent.x1, b.x1), parent.top, parent.size, parent.chars + b.chars))
            consumed += 1
        else:
            out.append(parent)
    if consumed and consumed == len(below):
        return out, n + 1
    return cells, n


@functools.cache
def _labelled_re(max_chars: int) -> re.Pattern[str]:
    return re.compile(rf"^([^:：]{{1,{max_chars}}})[:：]")


def _ends_table(ix: DefIndex, line: list[dict], labels: list[tuple[float, float]], settings: ParseSettings) -> bool:
    """A note (the vocabulary's note words), a labelled line under the table (a header field of
    the definition, or a label with a signature word of the vocabulary), or a piece of text running
    over two column labels is not inside the table."""
    pieces = _pieces(line, settings)
    first = pieces[0].text.strip()
    if VOCABULARY.note_re.match(first):
        return True
    m = _labelled_re(settings.field_cell_max_chars).match(first)
    if m and (label_key(m.group(1)) in ix.header_keys or any(
            k in label_key(m.group(1)) for k in VOCABULARY.signature_words)):
        return True
    return _crosses(pieces, labels)


def _crosses(pieces: list[Piece], labels: list[tuple[float, float]]) -> bool:
    for p in pieces:
        hit = sum(1 for x0, x1 in labels if _overlap(p.x0, p.x1, x0, x1) > 0)
        if hit >= 2:
            return True
    return False


def _boundaries(labels: list[tuple[float, float]], body: list[list[dict]]) -> list[float]:
    """Between each two header cells, the right end of the widest strip no data character
    touches: the next column's text starts there (left-aligned), the previous one ends before."""
    spans = sorted((c["x0"], c["x1"]) for line in body for c in line)
    out = []
    for (_, a1), (b0, _) in zip(labels, labels[1:]):
        lo, hi = a1, b0
        best, best_w = None, 0.0
        cursor = lo
        for x0, x1 in spans:
            if x1 <= cursor:
                continue
            if x0 >= hi:
                break
            if x0 > cursor and x0 - cursor > best_w:
                best, best_w = x0, x0 - cursor
            cursor = max(cursor, x1)
        if hi > cursor and hi - cursor >= best_w:
            best, best_w = hi, hi - cursor
        out.append(best - 0.5 if best is not None else (a1 + b0) / 2)
    return out


def _column_of(x: float, bounds: list[float]) -> int:
    for i, b in enumerate(bounds):
        if x < b:
            return i
    return len(bounds)


def _starts_paragraph(prev: list[dict] | None, line: list[dict], right: float, settings: ParseSettings) -> bool:
    if prev is None:
        return True
    size = max(line[0]["size"], 1)
    if line[0]["top"] - prev[0]["top"] > settings.paragraph_gap * size:
        return True
    return right - prev[-1]["x1"] > settings.short_line_gap * size  # the line above stopped short: a paragraph ended


def read_page(lines: list[list[dict]], page_no: int, carry: OpenTable | None, right_margin: float,
              cell_text, settings: ParseSettings = DEFAULT
              ) -> tuple[list[tuple[float, Grid]], set[int], OpenTable | None]:
    """Borderless tables among ``lines`` (characters clustered into lines, outside ruled tables).

    Returns (top, grid) items, the ids of the characters used, and the table left open at the
    page end. ``cell_text(chars, right)`` is the PDF reader's paragraph-aware cell text."""
    items: list[tuple[float, Grid]] = []
    taken: set[int] = set()
    i = 0
    open_table = None
    while i < len(lines):
        if carry is not None:  # the table of the previous page goes on from the top
            ix, labels = carry.ix, carry.labels
            cols = [c for _, _, c in carry.columns]
            header_cells: list[Piece] = []
            head, first = i, i
            carry = None
            if _ends_table(ix, lines[i], labels, settings):
                continue
        else:
            found = _header(lines, i, settings)
            if found is None:
                break
            n, ix, header_cells, last = found
            labels = [(p.x0, p.x1) for p in header_cells]
            cols = [_named(ix, p.text, settings) for p in header_cells]
            head, first = n, last + 1
        end = first
        while end < len(lines) and not _ends_table(ix, lines[end], labels, settings):
            found = _header(lines, end, settings)
            if found is not None and found[0] == end and header_cells:
                break  # a second table starts
            end += 1
        body = lines[first:end]
        bounds = _boundaries(labels, body)
        # a bound sits where the next column's text starts: its cell edge is one padding (~5pt)
        # to the left, and text wraps a little before the edge (the ruled reader uses edge - 3)
        rights = [b - settings.cell_padding_pt for b in bounds] + [right_margin - settings.margin_padding_pt]
        per_col: list[list[list[dict]]] = [[] for _ in labels]
        for line in body:
            parts: dict[int, list[dict]] = {}
            for ch in line:
                parts.setdefault(_column_of((ch["x0"] + ch["x1"]) / 2, bounds), []).append(ch)
            for c, chs in parts.items():
                per_col[c].append(chs)
        anchors = [k for k, col in enumerate(cols) if col is not None and (col.type in ANCHOR_TYPES or col.key == "name")]
        starts: list[float] = []
        for k in anchors:
            prev = None
            for line in per_col[k]:
                if _starts_paragraph(prev, line, rights[k], settings):
                    starts.append(line[0]["top"])
                prev = line
        starts.sort()
        tops: list[float] = []
        for t in starts:
            if not tops or t - tops[-1] > settings.row_tolerance * max(body[0][0]["size"], 1):
                tops.append(t)
        if not tops and body:
            tops = [body[0][0]["top"]]
        rows_chars: list[list[list[dict]]] = [[[] for _ in labels] for _ in tops]
        merged = {k for k, col in enumerate(cols) if col is not None and col.merged}
        for k, col_lines in enumerate(per_col):
            for line in col_lines:
                top = line[0]["top"]
                r = 0 if k in merged else max(0, sum(1 for t in tops if t - settings.row_tolerance * line[0]["size"] <= top) - 1)
                rows_chars[r][k].extend(line)
        grid_rows: list[list[Cell]] = []
        if header_cells:
            grid_rows.append([Cell(cell_text(p.chars, p.x1 + 1)[0]) for p in header_cells])
        for r, row in enumerate(rows_chars):
            out = []
            for k, chs in enumerate(row):
                if k in merged and r > 0:
                    out.append(Cell(grid_rows[-1][k].text if grid_rows else "", vmerge=True))
                    continue
                text, runs_on = cell_text(chs, rights[k])
                out.append(Cell(text, runs_on=runs_on))
            grid_rows.append(out)
        for line in lines[head:end]:
            taken.update(id(c) for c in line)
        if grid_rows:
            items.append((lines[head][0]["top"], Grid(rows=grid_rows, page=page_no)))
        columns = [(x0, x1, c) for (x0, x1), c in zip(labels, cols)]
        open_table = OpenTable(ix, columns, labels) if end >= len(lines) else None
        i = end
    return items, taken, open_table
