"""Characters and ruling lines of a PDF page, read with pypdfium2 (PDFium's own content parser).

pdfplumber parses the page objects in Python (pdfminer), and that parsing alone costs more than
its whole table extraction leaves over; PDFium parses them in C. This module turns PDFium's text
page and path objects into the shapes the PDF reader already works with, in display space (the
page's /Rotate applied, origin at the top left, as pdfplumber reports them):

* a character is a dict with ``text``, ``x0``, ``x1``, ``top``, ``bottom``, ``size``,
  ``fontname``, ``upright`` and ``turn``. Its box is the advance width across and one font size
  up from the baseline, as pdfminer reports the CJK fonts Word, WPS and LibreOffice embed, so
  every character of a line has the same top and gaps between characters are the typed ones
  whatever the glyph: PDFium's loose box reaches out to a glyph's ink where it overhangs the
  advance (a tenth of the Han characters), follows a tall glyph up, and takes a font's descent
  that differs from file to file for the same font. ``turn`` is
  the degrees (0, 90, 180, 270) its baseline runs at as displayed. Characters PDFium generates
  (spaces and line breaks it infers), blank ones and white ones (invisible on paper) are left out;
* a ruling line is a pdfplumber edge dict (``x0``, ``x1``, ``top``, ``bottom``, ``width``,
  ``height``, ``orientation``, ``object_type``): every horizontal or vertical straight segment of a
  path that is painted in a colour other than white, inside Form XObjects too. Curved segments
  never rule a table and are skipped.

Finding the table cells from the lines is left to pdfplumber's own ``TableFinder`` (see
``pdf._tables``): PDFium has no table finder, and pdfplumber's is what the reader was tuned on.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Callable, Iterator

import pypdfium2
import pypdfium2.raw as pdfium_c

#: A colour channel at least this bright (0–255) is white; white text and lines are invisible.
WHITE = 0.97 * 255
#: Segments whose ends differ by less than this (points) across their run are straight rules.
STRAIGHT = 0.01
#: Form XObjects nested deeper than this are not searched for lines (as pypdfium2's own walk).
MAX_FORM_DEPTH = 15

Point = tuple[float, float]


def _white(r: int, g: int, b: int, a: int) -> bool:
    return a == 0 or min(r, g, b) >= WHITE


def _to_display(rotation: int, box: tuple[float, float, float, float]) -> Callable[[float, float], Point]:
    """A function taking a user-space point (y up) to display space (y down, /Rotate applied
    clockwise), as pdfminer's page interpreter sets up its CTM."""
    bx0, by0, bx1, by1 = box
    if rotation == 90:
        return lambda x, y: (y - by0, x - bx0)
    if rotation == 180:
        return lambda x, y: (bx1 - x, y - by0)
    if rotation == 270:
        return lambda x, y: (by1 - y, bx1 - x)
    return lambda x, y: (x - bx0, by1 - y)


def _turned_axes(rotation: int, a: float, b: float, c: float, d: float) -> tuple[float, float, float, float]:
    """A character's matrix axes (a, b) and (c, d) turned by the page's /Rotate (y still up)."""
    if rotation == 90:
        return b, -a, d, -c
    if rotation == 180:
        return -a, -b, -c, -d
    if rotation == 270:
        return -b, a, -d, c
    return a, b, c, d


def page_box(page: pypdfium2.PdfPage) -> tuple[float, float, float, float]:
    """The crop box in user space (what a viewer shows, and what pdfplumber measures from)."""
    return tuple(page.get_cropbox())  # type: ignore[return-value]


def display_size(box: tuple[float, float, float, float], rotation: int) -> tuple[float, float]:
    """Width and height of the page as displayed with ``rotation``."""
    x0, y0, x1, y1 = box
    return (y1 - y0, x1 - x0) if rotation in (90, 270) else (x1 - x0, y1 - y0)


def chars(textpage: pypdfium2.PdfTextPage, rotation: int, box: tuple[float, float, float, float]) -> list[dict]:
    """The visible characters of a page as pdfplumber-shaped dicts in display space."""
    n = textpage.count_chars()
    if n <= 0:
        return []
    text = textpage.get_text_range(0, n)
    to = _to_display(rotation, box)
    rect = pdfium_c.FS_RECTF()
    matrix = pdfium_c.FS_MATRIX()
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    fonts: dict[int, str] = {}
    x, y, advance = ctypes.c_double(), ctypes.c_double(), ctypes.c_float()
    out = []
    # get_text_range returns one code unit per character index unless PDFium had to add
    # surrogate pairs; fall back to the per-character call then.
    whole = len(text) == n
    for i in range(n):
        ch = text[i] if whole else chr(pdfium_c.FPDFText_GetUnicode(textpage, i))
        if not ch.strip() or pdfium_c.FPDFText_IsGenerated(textpage, i) == 1:
            continue
        pdfium_c.FPDFText_GetFillColor(textpage, i, r, g, b, a)
        if _white(r.value, g.value, b.value, a.value):
            continue
        pdfium_c.FPDFText_GetLooseCharBox(textpage, i, rect)
        (x0, t0), (x1, t1) = to(rect.left, rect.top), to(rect.right, rect.bottom)
        pdfium_c.FPDFText_GetMatrix(textpage, i, matrix)
        ma, mb, mc, md = _turned_axes(rotation, matrix.a, matrix.b, matrix.c, matrix.d)
        upright = ma * md > 0 and mb * mc <= 0
        size = pdfium_c.FPDFText_GetFontSize(textpage, i)
        font_handle = pdfium_c.FPDFTextObj_GetFont(pdfium_c.FPDFText_GetTextObject(textpage, i))
        key = ctypes.cast(font_handle, ctypes.c_void_p).value or 0
        font = fonts.get(key)
        if font is None:
            pdfium_c.FPDFText_GetFontInfo(textpage, i, name, len(name), flags)
            font = fonts[key] = name.value.decode("latin-1")
        if upright:  # one size tall, standing on the baseline, the advance wide
            pdfium_c.FPDFText_GetCharOrigin(textpage, i, x, y)
            t1 = to(x.value, y.value)[1]
            t0 = t1 - size
            # the font's width for the character (PDFium maps the code point back to the code);
            # never wider than the loose box, which is the advance condensed text is drawn at
            if pdfium_c.FPDFFont_GetGlyphWidth(font_handle, ord(ch), size, advance) and advance.value > 0:
                x0, x1 = min(x0, x1), min(max(x0, x1), min(x0, x1) + advance.value)
        out.append({
            "text": ch,
            "x0": min(x0, x1), "x1": max(x0, x1), "top": min(t0, t1), "bottom": max(t0, t1),
            "size": size,
            "fontname": font,
            "upright": upright,
            "turn": round(math.degrees(math.atan2(mb, ma)) / 90) * 90 % 360,
        })
    return out


def _compose(m: pdfium_c.FS_MATRIX, outer: tuple[float, ...]) -> tuple[float, ...]:
    """The matrix ``m`` followed by ``outer`` (both as a, b, c, d, e, f)."""
    a, b, c, d, e, f = outer
    return (m.a * a + m.b * c, m.a * b + m.b * d, m.c * a + m.d * c, m.c * b + m.d * d,
            m.e * a + m.f * c + e, m.e * b + m.f * d + f)


def _painted(obj) -> bool:
    """Whether the path is stroked or filled in a colour other than white (a clipping path or a
    white cover is not a line on paper)."""
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke):
        return False
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if stroke.value and pdfium_c.FPDFPageObj_GetStrokeColor(obj, r, g, b, a) and not _white(r.value, g.value, b.value, a.value):
        return True
    return bool(fill.value) and bool(pdfium_c.FPDFPageObj_GetFillColor(obj, r, g, b, a)) and not _white(
        r.value, g.value, b.value, a.value)


def _segments(obj, m: tuple[float, ...]) -> Iterator[tuple[Point, Point]]:
    """The straight segments of a path object as pairs of user-space points."""
    a, b, c, d, e, f = m
    x, y = ctypes.c_float(), ctypes.c_float()
    start = prev = None
    for k in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, k)
        pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
        pt = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = pt
        elif kind == pdfium_c.FPDF_SEGMENT_LINETO and prev is not None:
            yield prev, pt
        if pdfium_c.FPDFPathSegment_GetClose(seg) and start is not None and start != pt:
            yield pt, start
            pt = start
        prev = pt


def _walk(parent, count, get, outer: tuple[float, ...], depth: int, found: list[tuple[Point, Point]]) -> None:
    """Add to ``found`` the straight segments of every painted path under ``parent`` (the page or
    a Form XObject, whose objects ``count`` and ``get`` list), each matrix applied inside ``outer``."""
    matrix = pdfium_c.FS_MATRIX()
    for i in range(count(parent)):
        obj = get(parent, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind not in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM):
            continue
        pdfium_c.FPDFPageObj_GetMatrix(obj, matrix)
        m = _compose(matrix, outer)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            if depth < MAX_FORM_DEPTH:
                _walk(obj, pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject, m, depth + 1, found)
        elif _painted(obj):
            found.extend(_segments(obj, m))


def edges(page: pypdfium2.PdfPage, rotation: int, box: tuple[float, float, float, float]) -> list[dict]:
    """The page's painted horizontal and vertical straight segments as pdfplumber edges."""
    segments: list = []
    _walk(page, pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject, (1, 0, 0, 1, 0, 0), 0, segments)
    to = _to_display(rotation, box)
    out = []
    for p, q in segments:
        (x0, t0), (x1, t1) = to(*p), to(*q)
        if abs(t0 - t1) < STRAIGHT:
            orientation = "h"
            t1 = t0
        elif abs(x0 - x1) < STRAIGHT:
            orientation = "v"
            x1 = x0
        else:
            continue
        x0, x1, top, bottom = min(x0, x1), max(x0, x1), min(t0, t1), max(t0, t1)
        out.append({"x0": x0, "x1": x1, "top": top, "bottom": bottom, "width": x1 - x0,
                    "height": bottom - top, "orientation": orientation, "object_type": "line"})
    return out
