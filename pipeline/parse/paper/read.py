"""Scanned pages read into a :class:`~pipeline.parse.layout.Layout`: every cell on its own, and
the lines outside the tables, with the engine's confidence kept for each.

Per page: red ink out, light flattened (``clean``), turned upright by the QR code's orientation,
straightened by the table's border, the ruled tables and cells found (``grid``), the ruling lines
erased, and then each cell with ink in it read by the OCR engine separately — a cell's text can
never run into its neighbour's, and a blank cell costs nothing. The form id comes from the QR
code into ``layout.custom`` exactly where a Word file keeps it, so ``form.build`` chooses the
definition by it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from pipeline._exec.ocr import Engine, TextLine, release
from pipeline.parse.layout import Cell, Grid, Layout
from pipeline.parse.paper import clean
from pipeline.parse.paper.grid import Box, Table, find_tables
from pipeline.parse.settings import ParseSettings
from pipeline.parse.text import squash

#: A line starting a numbered item ("2.", "（2）", "②", "二、") starts a new paragraph in a cell.
_NUMBERED_RE = re.compile(r"^\s*(?:\d{1,2}\s*[.．、)）]|[（(]\s*\d{1,2}\s*[)）]|[①-⑳]|[一二三四五六七八九十]{1,2}\s*[、.．])")
#: Look-alikes recognisers put for what a form holds: the radical 丶 for the enumeration comma, a
#: full-width full stop, a comma, "。" or a colon after an item number (nobody numbers an item
#: "2，"; a time, 8:30, has a figure after its colon), and a half-width ",;:" after a Han
#: character — Chinese text sets its punctuation full width, and on paper the recogniser cannot
#: see the width.
_LOOKALIKES = ((re.compile(r"丶"), "、"), (re.compile(r"(?<=\d)．"), "."),
               (re.compile(r"^(\d{1,2})[，,。：:](?!\d)"), r"\1."),
               (re.compile(r"(?<=[\u3400-\u9fff]),"), "，"), (re.compile(r"(?<=[\u3400-\u9fff]);"), "；"),
               (re.compile(r"(?<=[\u3400-\u9fff]):"), "："))
#: Any character outside these — Han characters, digits, Latin letters, Roman numerals (Ⅱ级, a
#: level word), the punctuation of Chinese prose and of numbered lists — is a recogniser's guess
#: at something it could not read: the engine decodes over these alone, and a reading with any
#: other is flagged.
FORM_TEXT_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff0-9A-Za-z\u2160-\u216b\s，。、；：,.;:（）()《》〈〉“”‘’\"'—\-–/%×+#①-⑳]")
PAD = 10  # white pixels around a crop: text detectors miss strokes touching the image edge
#: Ink lighter than :func:`clean.ink`'s bound but up to this grey is a faint mark (:func:`_cut_off`),
#: and a line that one cuts off is no surer than this.
FAINT_GRAY = 225
CUT_OFF_CONFIDENCE = 0.5
#: A reading that ends (or starts) with a mark a widened crop took in: punctuation or a letter.
_MARK_END_RE = re.compile(r"[，。、；：,.;:A-Za-z]\s*$|^\s*[A-Za-z]")
LINE_PAD = 3  # ... and around one line for the recogniser alone


@dataclass(frozen=True, slots=True)
class Reading:
    """Where a piece of text was read and how sure the engine was: page, table (0 for a line
    outside tables), 1-based row and column, text; and whether its page had half the lines."""

    page: int
    table: int
    row: int
    col: int
    text: str
    confidence: float
    half_lines: bool = False  # read on a page sent at half the lines (:func:`clean.half_lines`)


@dataclass
class PaperLayout:
    layout: Layout
    readings: list[Reading] = field(default_factory=list)
    engine: str = ""


@dataclass(frozen=True)
class WordColumn:
    """A column of the form the QR code names whose cells hold one of a few words (its levels, its
    categories): its labels (squashed) and the words."""

    labels: frozenset[str]
    words: tuple[str, ...]

    @property
    def alphabet(self) -> re.Pattern[str]:
        return re.compile("[" + re.escape("".join(sorted(set("".join(self.words))))) + "]")

    def holds(self, text: str) -> bool:
        """Whether ``text`` (squashed) is one of the words, or starts with one (岗位职责方面的风险)."""
        return any(text.startswith(squash(w)) for w in self.words if w)


def _rows_of(lines: list[TextLine]) -> list[list[TextLine]]:
    """Lines grouped into visual rows (their boxes overlap vertically by half), each left to right."""
    rows: list[list[TextLine]] = []
    for ln in sorted(lines, key=lambda t: (t.box[1] + t.box[3]) / 2):
        mid = (ln.box[1] + ln.box[3]) / 2
        if rows:
            last = rows[-1]
            top = min(t.box[1] for t in last)
            bottom = max(t.box[3] for t in last)
            if top <= mid <= bottom:
                last.append(ln)
                continue
        rows.append([ln])
    return [sorted(r, key=lambda t: t.box[0]) for r in rows]


def _join_row(row: list[TextLine], wide: str) -> str:
    """One visual row's pieces: a gap wider than a character height becomes ``wide``."""
    text = row[0].text.strip()
    for prev, ln in zip(row, row[1:]):
        height = max(1, ln.box[3] - ln.box[1])
        text += (wide if ln.box[0] - prev.box[2] > height else "") + ln.text.strip()
    for pattern, replacement in _LOOKALIKES:
        text = pattern.sub(replacement, text)
    return text


def _cell_text(lines: list[TextLine]) -> tuple[str, float]:
    """A cell's text: wrapped lines joined into one paragraph, a numbered line starting a new one;
    its confidence is the least sure line's."""
    parts: list[str] = []
    for row in _rows_of(lines):
        t = _join_row(row, " ")
        if parts and not _NUMBERED_RE.match(t):
            parts[-1] += t
        else:
            parts.append(t)
    return "\n".join(p for p in parts if p), min((ln.confidence for ln in lines), default=1.0)


def _crop(page: np.ndarray, x0: int, y0: int, x1: int, y1: int, pad: int = PAD) -> np.ndarray:
    import cv2

    return cv2.copyMakeBorder(page[y0:y1, x0:x1], pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


def _line_crop(page: np.ndarray, box: Box) -> np.ndarray:
    """A line cut out for the recogniser as its detector would cut it: a few pixels round the
    ink. A line lost in white space is shrunk to the recogniser's 48-pixel height and misread
    ("，" as "；")."""
    return _crop(page, box.x0, box.y0, box.x1, box.y1, pad=LINE_PAD)


def _ink_box(binary: np.ndarray, box: Box, settings: ParseSettings) -> Box | None:
    """The part of a cell that holds writing, or ``None`` for a blank cell: the bounding box of its
    ink (``binary`` has lost its lone specks already). A lone "1" or "一" is a few dozen pixels,
    which a share of the cell's area would miss; and the text detector finds a small word in a
    tight crop that it overlooks in a tall empty cell. The ink is not opened: an opening erases
    the one-pixel strokes of a light letter at 150 dpi, and the level cell "C" read as blank."""
    import cv2

    region = binary[box.y0:box.y1, box.x0:box.x1]
    if region.size == 0:
        return None
    if np.count_nonzero(region) < settings.ocr_min_ink_px:
        return None
    x, y, w, h = cv2.boundingRect(region)
    m = PAD // 2
    return Box(max(box.x0, box.x0 + x - m), max(box.y0, box.y0 + y - m),
               min(box.x1, box.x0 + x + w + m), min(box.y1, box.y0 + y + h + m))


def _cell_lines(binary: np.ndarray, box: Box) -> list[Box] | None:
    """The text lines of a cell's writing, cut at the blank rows between them (a straightened
    page's lines are level), each trimmed to its ink; ``None`` when the lines touch (a row much
    taller than the others), which the engine's own detector must then separate."""
    import cv2

    region = binary[box.y0:box.y1, box.x0:box.x1]
    rows = [(a, b) for a, b in _text_rows(region) if b - a >= 4]
    if not rows:
        return []
    heights = sorted(b - a for a, b in rows)
    typical = heights[len(heights) // 2]
    if len(rows) > 1 and heights[-1] > 1.7 * typical or len(rows) == 1 and typical > 0.8 * (box.x1 - box.x0):
        return None
    out = []
    for a, b in rows:
        cols = np.flatnonzero(cv2.reduce(region[a:b], 0, cv2.REDUCE_MAX).ravel())
        out.append(Box(box.x0 + int(cols[0]), box.y0 + a, box.x0 + int(cols[-1]) + 1, box.y0 + b))
    return out


#: What a line of dots alone says: the "and so on" a template prints in its last row (:func:`_dotted`).
ELLIPSIS = "……"
#: The most a dot measures either way, as a share of the table's typical line height.
DOT_SIZE = 0.5


def _dotted(binary: np.ndarray, line: Box, typical: int) -> bool:
    """Whether a line is a row of dots only — at least three blobs of ink, each no larger either
    way than :data:`DOT_SIZE` of the table's typical line and about as wide as tall — the "……" a
    template prints in its last row. Its line crop is a few pixels tall and a recogniser, which
    scales every line to its own height, blows the dots up and guesses ("+.....", "1+ .+...1");
    read so, the row is no placeholder and the column it is in stops numbering the rows."""
    import cv2

    if not typical or line.y1 - line.y0 > DOT_SIZE * typical:
        return False
    n, _, stats, _ = cv2.connectedComponentsWithStats(binary[line.y0:line.y1, line.x0:line.x1], connectivity=8)
    if n < 4:
        return False
    w, h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    return bool((np.maximum(w, h) <= DOT_SIZE * typical).all() and (np.maximum(w, h) <= 2 * np.minimum(w, h) + 1).all())


def _cut_off(faint: np.ndarray, line: Box, cell: Box, settings: ParseSettings) -> Box | None:
    """The line's box widened over the faint marks beyond its ends, where its crop cuts them off,
    or ``None`` when there are none: a final "。" or "、" or the right half of a "C" that a photo's
    blur left lighter than ink (the darkest pixel of a blurred "。" at 150 dpi is 201). A faint
    mark is a blob no larger than a character, larger than a speck, clear of the cell's edge and
    within a line height of the line — a ruling line's grey edge, a seal's grey rim left by the
    red drop-out and a fax's specks are none of these. The widened box reaches half a line height
    past the mark (only its core is faint ink; the recogniser read a photo's final "。" in a crop
    a character wider, not in one that ended at the mark)."""
    import cv2

    h = line.y1 - line.y0
    x0, x1 = max(cell.x0, line.x0 - h), min(cell.x1, line.x1 + h)
    y0, y1 = max(cell.y0, line.y0 - 2), min(cell.y1, line.y1 + 2)
    _, _, stats, _ = cv2.connectedComponentsWithStats(faint[y0:y1, x0:x1], connectivity=8)
    wide = None
    for x, y, w, bh, area in stats[1:]:
        left, top = x0 + int(x), y0 + int(y)
        clear = cell.x0 + 2 < left and left + w < cell.x1 - 2 and cell.y0 + 2 < top and top + bh < cell.y1 - 2
        outside = left < line.x0 - 2 or left + w > line.x1 + 2  # beyond the crop, not its grey rim
        if clear and outside and area > 2 * settings.ocr_speck_px and w <= h and bh <= h:
            b = wide or line
            wide = Box(min(b.x0, left - h // 2), b.y0, max(b.x1, left + int(w) + h // 2), b.y1)
    return wide and Box(max(cell.x0 + 2, wide.x0), wide.y0, min(cell.x1 - 2, wide.x1), wide.y1)


def _read_table(page_no: int, index: int, table: Table, text_page: np.ndarray, binary: np.ndarray,
                faint: np.ndarray, engine: Engine, settings: ParseSettings, readings: list[Reading],
                columns: Sequence[WordColumn] = ()) -> Grid:
    """Every cell with ink read on its own: its lines cut apart and recognised in one batch for the
    whole table (no detection pass per cell), or by the engine's detector when they touch.

    A line whose crop would cut off a faint mark (:func:`_cut_off`) is cut wider, over the mark,
    and the reading is trusted when it holds a mark at its end; otherwise it is doubted, as the
    recogniser may not have seen the mark and its score cannot say so."""
    found: dict[int, list[TextLine]] = {}
    batch: list[tuple[int, Box]] = []
    for n, box in enumerate(table.cells):
        inset = 2
        written = _ink_box(binary, Box(box.x0 + inset, box.y0 + inset, box.x1 - inset, box.y1 - inset), settings)
        if written is None:
            continue
        lines = _cell_lines(binary, written)
        if lines is None:
            crop = _crop(text_page, written.x0, written.y0, written.x1, written.y1)
            found[n] = [ln for ln in engine.read(crop, FORM_TEXT_RE) if ln.text.strip()]
        else:
            batch += [(n, ln) for ln in lines]
    typical = sorted(b.y1 - b.y0 for _, b in batch)[len(batch) // 2] if batch else 0
    dots = {i for i, (_, b) in enumerate(batch) if _dotted(binary, b, typical)}
    for n, b in (batch[i] for i in sorted(dots)):
        found.setdefault(n, []).append(TextLine(ELLIPSIS, 1.0, (b.x0, b.y0, b.x1, b.y1)))
    batch = [x for i, x in enumerate(batch) if i not in dots]
    wide = [_cut_off(faint, b, table.cells[n], settings) for n, b in batch]
    batch = [(n, w or b) for (n, b), w in zip(batch, wide)]
    read = engine.read_lines([_line_crop(text_page, b) for _, b in batch], FORM_TEXT_RE)
    for (n, b), w, (text, conf) in zip(batch, wide, read):
        if w is not None and not _MARK_END_RE.search(text):
            conf = min(conf, CUT_OFF_CONFIDENCE)
        if text.strip():
            found.setdefault(n, []).append(TextLine(text, conf, (b.x0, b.y0, b.x1, b.y1)))
    for column in columns:
        _reread_words(table, batch, found, text_page, engine, column)
    texts: dict[int, str] = {}
    for n, lines in found.items():
        text, conf = _cell_text(lines)
        if text:
            box = table.cells[n]
            texts[n] = text
            readings.append(Reading(page_no, index, box.rows[0] + 1, box.cols[0] + 1, text, conf))
    # A cell with writing in it that the recogniser read as nothing (a light "C" it could not make
    # out) is a reading too: empty and unsure, so the office is sent to look at that cell.
    for n in sorted(({n for n, _ in batch} | set(found)) - set(texts)):
        box = table.cells[n]
        readings.append(Reading(page_no, index, box.rows[0] + 1, box.cols[0] + 1, "", 0.0))
    rows = [[Cell("") for _ in range(table.n_cols)] for _ in range(table.n_rows)]
    for n, box in enumerate(table.cells):
        for r in range(*box.rows):
            for c in range(*box.cols):
                if r < table.n_rows and c < table.n_cols:
                    rows[r][c] = Cell(texts.get(n, ""), hmerge=c > box.cols[0], vmerge=r > box.rows[0])
    return Grid(rows=rows, page=page_no, index=index)


def _reread_words(table: Table, batch: list[tuple[int, Box]], found: dict[int, list[TextLine]],
                  text_page: np.ndarray, engine: Engine, column: WordColumn) -> None:
    """The one-line cells under a word column's label that were not read as one of its words
    read again over the words' characters alone, and taken when that gives one of the words: a
    level or category cell holds one of a handful of words, and over every character a fax's "C"
    was read as "(" and its 岗位职责 as 岗位职益. The engine's belief in the other characters stays
    as doubt, so a cell the recogniser saw as something else is still flagged."""
    heads = [b for n, b in enumerate(table.cells) if n in found and squash(_cell_text(found[n])[0]) in column.labels]
    if not heads:
        return
    cols, below = {h.cols[0] for h in heads}, max(h.rows[1] for h in heads)
    lines: dict[int, list[Box]] = {}
    for n, b in batch:
        lines.setdefault(n, []).append(b)
    again = [(n, bs[0]) for n, bs in lines.items() if len(bs) == 1 and table.cells[n].cols[0] in cols
             and table.cells[n].rows[0] >= below and not column.holds(squash(_cell_text(found.get(n, []))[0]))]
    read = engine.read_lines([_line_crop(text_page, b) for _, b in again], column.alphabet)
    for (n, b), (text, conf) in zip(again, read):
        if text.strip() and column.holds(squash(text)):
            found[n] = [TextLine(text, conf, (b.x0, b.y0, b.x1, b.y1))]


def _without_edges(binary: np.ndarray, settings: ParseSettings) -> np.ndarray:
    """Ink less the tall thin strokes no character makes — the remains of a photographed page's
    edge or a fold — which would join every line of a strip into one row."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    tall = [i for i in range(1, n) if stats[i, cv2.CC_STAT_HEIGHT] > 6 * settings.ocr_max_rule_px
            and stats[i, cv2.CC_STAT_WIDTH] <= 2 * settings.ocr_max_rule_px]
    if tall:
        binary = binary.copy()
        binary[np.isin(labels, tall)] = 0
    return binary


def _text_rows(binary: np.ndarray) -> list[tuple[int, int]]:
    """The bands of a strip that hold ink, top to bottom (runs of pixel rows with ink)."""
    filled = np.count_nonzero(binary, axis=1) > 0
    rows, start = [], None
    for y, on in enumerate(filled):
        if on and start is None:
            start = y
        elif not on and start is not None:
            rows.append((start, y))
            start = None
    if start is not None:
        rows.append((start, len(filled)))
    return rows


def _prose(binary: np.ndarray, settings: ParseSettings) -> bool:
    """Whether a text row is running prose: ink across most of the page with no gap wider than a
    few characters. A filled-in line ("单位：…    姓名：…") has wide gaps; a printed note does not."""
    import cv2

    h, w = binary.shape
    cols = np.flatnonzero(cv2.reduce(binary, 0, cv2.REDUCE_MAX).ravel())
    if cols.size == 0 or cols[-1] - cols[0] < settings.ocr_prose_min_width * w:
        return False
    return int(np.diff(cols).max(initial=0)) < settings.ocr_prose_max_gap * max(h, 1)


def _pieces(binary: np.ndarray, gap: float) -> list[tuple[int, int]]:
    """The pieces of a text row, split where the ink leaves a gap wider than ``gap`` pixels
    (between "单位：科研处" and "姓名：…"); each is (x0, x1)."""
    import cv2

    cols = np.flatnonzero(cv2.reduce(binary, 0, cv2.REDUCE_MAX).ravel())
    if cols.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(cols) > gap)
    starts = [int(cols[0]), *(int(cols[b + 1]) for b in breaks)]
    ends = [*(int(cols[b]) + 1 for b in breaks), int(cols[-1]) + 1]
    return list(zip(starts, ends))


def _grown(raw: np.ndarray, box: Box) -> Box:
    """A piece of a text row grown up and down over the unopened ink that continues it, by up to
    half its height. Rows are found on ink opened against noise, and the opening erases the
    one-pixel strokes of a typed Song face at 150 dpi: the tops of 本人签字 went, and the cropped
    line read as 本人签子."""
    filled = np.count_nonzero(raw[:, box.x0:box.x1], axis=1) > 0
    reach = (box.y1 - box.y0) // 2
    lo, hi = max(0, box.y0 - reach), min(len(filled), box.y1 + reach)
    above = np.flatnonzero(~filled[lo:box.y0])
    below = np.flatnonzero(~filled[box.y1:hi])
    return Box(box.x0, lo + int(above[-1]) + 1 if above.size else lo, box.x1,
               box.y1 + int(below[0]) if below.size else hi)


def _read_band(page_no: int, band: np.ndarray, y_offset: int, engine: Engine, settings: ParseSettings,
               known: bool, readings: list[Reading]) -> list[tuple[int, str]]:
    """The text lines of a strip of the page outside the tables, with their page y.

    Rows are cut at the blank lines between them and into pieces at wide gaps, and all pieces are
    recognised in one batch; a row much taller than the others (lines touching) goes to the
    engine's detector. When the form is ``known`` (its QR code read) a row of running prose is its
    printed note, which the definition already holds: it is not read, as it costs more than the
    rest of the page together."""
    import cv2

    raw = _without_edges(clean.ink(band), settings)
    binary = cv2.morphologyEx(raw, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    rows = [(y0, y1) for y0, y1 in _text_rows(binary) if y1 - y0 >= 6]
    if not rows:
        return []
    typical = sorted(b - a for a, b in rows)[len(rows) // 2]
    m = PAD // 2
    found: list[tuple[int, list[TextLine]]] = []
    batch: list[tuple[int, Box]] = []
    for y0, y1 in rows:
        row = binary[y0:y1]
        if known and _prose(row, settings):
            continue
        a, b = max(0, y0 - m), min(band.shape[0], y1 + m)
        if y1 - y0 > 2.2 * typical:
            lines = [ln for ln in engine.read(_crop(band, 0, a, band.shape[1], b), FORM_TEXT_RE) if ln.text.strip()]
            found += [(a + r[0].box[1], r) for r in _rows_of(lines)]
            continue
        for x0, x1 in _pieces(row, settings.ocr_prose_max_gap * (y1 - y0)):
            ys = np.flatnonzero(row[:, x0:x1].any(axis=1))
            if x1 - x0 < 0.35 * (y1 - y0) or ys[-1] - ys[0] + 1 < 0.35 * typical:
                continue  # a lone stroke, not writing: what is left of a photographed page's edge
            batch.append((len(found), _grown(raw, Box(x0, y0, x1, y1))))
        found.append((a, []))
    read = engine.read_lines([_line_crop(band, bx) for _, bx in batch], FORM_TEXT_RE)
    for (n, bx), (text, conf) in zip(batch, read):
        if text.strip():
            found[n][1].append(TextLine(text, conf, (bx.x0, bx.y0, bx.x1, bx.y1)))
    out = []
    for y, pieces in found:
        if pieces:
            text = _join_row(pieces, "    ")
            readings.append(Reading(page_no, 0, 0, 0, text, min(p.confidence for p in pieces)))
            out.append((y_offset + y, text))
    return out


def read_pages(pages: list[np.ndarray], engine: Engine, settings: ParseSettings, *,
               orientation: int = 0, qr_page: int = 0, qr_box: tuple[int, int, int, int] | None = None,
               columns: Sequence[WordColumn] = ()) -> PaperLayout:
    """Read ``pages`` (RGB or gray arrays) of one return into a layout of lines and grids.

    ``orientation`` is the QR code's (degrees, as zxing-cpp reports it) and ``qr_box`` its box on
    page ``qr_page``, which is blanked so the code's modules are not read as text; ``columns``
    the word columns of the form it names (:func:`_reread_words`)."""
    import cv2

    result = PaperLayout(Layout(has_text=True), engine=engine.name)
    known = qr_box is not None
    grids = 0
    for page_no, rgb in enumerate(pages, start=1):
        gray = clean.without_red(rgb, settings)
        if page_no == qr_page and qr_box is not None:
            x0, y0, x1, y1 = qr_box
            gray[max(0, y0):y1, max(0, x0):x1] = 255
        # A 1-bit page (a fax) is told before it is softened: its rules lie in stepped dashes.
        broken, half = clean.bilevel(gray), clean.half_lines(gray)
        read_before = len(result.readings)
        gray = clean.flatten(clean.soften(gray, settings.ocr_speck_px))
        gray = clean.straighten(clean.deskew(clean.upright(gray, orientation), stepped=broken), settings)
        tables, lines = find_tables(gray, settings, broken)
        binary = cv2.bitwise_and(clean.ink(gray), cv2.bitwise_not(lines))
        faint = cv2.bitwise_and(clean.ink(gray, FAINT_GRAY), cv2.bitwise_not(lines))
        dirt = clean.specks(binary, settings.ocr_speck_px)
        binary[dirt] = 0
        text_page = gray.copy()
        text_page[(lines > 0) | dirt] = 255
        blocks: list[tuple[int, str | Grid]] = []
        top = 0
        for table in tables:
            grids += 1
            # The strips between tables run to the tables' borders, not to their boxes, which the
            # line mask's overhang stretches past them: a line typed just under a table (本人签字：)
            # lost its top to it. The ruling lines themselves are erased from ``text_page``.
            end = min(gray.shape[0], table.y0 + clean.RULE_OVERHANG)
            if end - top > settings.ocr_min_cell_px:
                blocks += _read_band(page_no, text_page[top:end], top, engine, settings, known, result.readings)
            blocks.append((table.y0, _read_table(page_no, grids, table, text_page, binary, faint, engine, settings,
                                                 result.readings, columns)))
            top = max(0, table.y1 - clean.RULE_OVERHANG)
        if gray.shape[0] - top > settings.ocr_min_cell_px:
            blocks += _read_band(page_no, text_page[top:], top, engine, settings, known, result.readings)
        result.layout.blocks += [b for _, b in sorted(blocks, key=lambda yb: yb[0])]
        if half:
            result.readings[read_before:] = [replace(r, half_lines=True) for r in result.readings[read_before:]]
        del gray, binary, faint, text_page, lines, dirt
        release()
    if not any(isinstance(b, Grid) for b in result.layout.blocks) and not result.readings:
        result.layout.has_text = False
    return result
