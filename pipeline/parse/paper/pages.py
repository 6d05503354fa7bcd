"""A scan's pages as pixels, and the QR code on them: what the paper reader starts from.

pypdfium2 draws the pages of an image-only PDF, Pillow opens PNG, JPEG, every frame of a TIFF and
(through pillow-heif) a phone's HEIC photo; zxing-cpp finds our QR code at any angle and reports
where it is and which way up, which turns the page upright before anything is read.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.campaign import identity
from pipeline.campaign.identity import FormId
from pipeline.errors import InputFileError, MissingProgramError
from pipeline.parse import heif
from pipeline.parse.route import raised_in_library
from pipeline.parse.settings import ParseSettings

#: A phone photo is brought down to about this many pixels on its long side (A4 at 200 dpi):
#: a 48-megapixel photo read as is costs memory and time and gains no accuracy.
MAX_SIDE = 2400
#: The most a page's pixels may be stretched to square them (a standard-mode fax is 204 × 98 dpi).
MAX_STRETCH = 4


@dataclass
class Code:
    """The form id a QR code carries, its orientation (degrees) and box on its page."""

    form_id: FormId
    page: int
    orientation: int
    box: tuple[int, int, int, int]


def _limit(page: np.ndarray) -> np.ndarray:
    import cv2

    side = max(page.shape[:2])
    if side <= MAX_SIDE:
        return page
    f = MAX_SIDE / side
    return cv2.resize(page, (round(page.shape[1] * f), round(page.shape[0] * f)), interpolation=cv2.INTER_AREA)


def _square(page: np.ndarray, dpi: object) -> np.ndarray:
    """The page with square pixels again when its file says they are not: a fax in standard mode
    is 204 × 98 dpi, every line of it standing for two of the 204-dpi grid, and read as it is its
    characters would be half as tall as they are wide. The coarser axis is stretched to the finer
    one by repeating lines (nearest neighbour), so a 1-bit page stays 1-bit and is softened as the
    1-bit page it is (:func:`pipeline.parse.paper.clean.soften`). A ratio past
    :data:`MAX_STRETCH` is no scanner's and is ignored: it would only blow the page up."""
    import cv2

    try:
        x, y = (float(v) for v in dpi)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return page
    if x <= 0 or y <= 0 or 0.9 <= x / y <= 1.1 or not 1 / MAX_STRETCH <= x / y <= MAX_STRETCH:
        return page
    h, w = page.shape[:2]
    size = (w, round(h * x / y)) if x > y else (round(w * y / x), h)
    return cv2.resize(page, size, interpolation=cv2.INTER_NEAREST)


def _pdf_page(page, settings: ParseSettings) -> np.ndarray:
    """A PDF page's pixels: the page's one 1-bit image as stored, squared like a TIFF frame, when
    it is a fax's or a black-and-white scan's (an upright image filling the page), else the page
    drawn at ``ocr_dpi``. pdfium smooths a 1-bit image as it scales it, a standard-mode fax's
    two-fold in height: the page is then neither 1-bit, which :func:`clean.soften` looks for,
    nor sharp, and its strokes come out doubled and jagged ("1." read as "1..")."""
    import pypdfium2.raw as pdfium_c

    images = list(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=1))
    if len(images) == 1 and not page.get_rotation():
        image = images[0]
        meta = image.get_metadata()
        a, b, c, d, _, _ = image.get_matrix().get()
        if meta.bits_per_pixel == 1 and a > 0 and d > 0 and b == c == 0:
            bitmap = image.get_bitmap(render=False)
            gray = np.array(bitmap.to_numpy())
            if gray.ndim == 2:
                return _square(gray, (meta.horizontal_dpi, meta.vertical_dpi))
    return np.asarray(page.render(scale=settings.ocr_dpi / 72).to_pil().convert("RGB"))


def load(path: Path, kind: str, data: bytes, settings: ParseSettings) -> list[np.ndarray]:
    """The pages of a scan as RGB (or gray) arrays (at most ``settings.ocr_max_pages``); a PDF drawn
    at ``ocr_dpi`` unless a page is one 1-bit image (:func:`_pdf_page`)."""
    if kind == "pdf":
        import pypdfium2

        try:
            pdf = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError:
            return []
        try:
            return [_limit(_pdf_page(pdf[i], settings)) for i in range(min(len(pdf), settings.ocr_max_pages))]
        except Exception as e:  # a page pdfium cannot draw is not read; anything else is a fault
            if isinstance(e, pypdfium2.PdfiumError) or raised_in_library(e, ("pypdfium2", "PIL")):
                return []
            raise
        finally:
            pdf.close()
    from PIL import Image, ImageSequence, UnidentifiedImageError

    if heif.is_heif(data[:12]) and not heif.register():
        raise MissingProgramError(heif.MISSING, path=path, hint=heif.INSTALL_HINT)
    try:
        with Image.open(io.BytesIO(data)) as image:
            return [_limit(_square(np.asarray(frame.convert("RGB")), frame.info.get("dpi")))
                    for frame, _ in zip(ImageSequence.Iterator(image), range(settings.ocr_max_pages))]
    except Exception as e:  # Pillow's errors for a broken image; anything else is a fault of this program
        if isinstance(e, (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError)) \
                or raised_in_library(e, ("PIL", "pillow_heif")):
            raise InputFileError("图片文件已损坏，无法打开", path=path, hint="请重新扫描或拍照后再交") from None
        raise


def find_code(pages: list[np.ndarray]) -> Code | None:
    """The first QR code on the pages that carries a valid form id."""
    import zxingcpp

    for n, page in enumerate(pages, start=1):
        for barcode in zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode):
            found = identity.parse(barcode.text)
            if found is None:
                continue
            p = barcode.position
            xs = [p.top_left.x, p.top_right.x, p.bottom_right.x, p.bottom_left.x]
            ys = [p.top_left.y, p.top_right.y, p.bottom_right.y, p.bottom_left.y]
            margin = (max(xs) - min(xs)) // 8
            return Code(found, n, int(barcode.orientation),
                        (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin))
    return None


def read_scan(path: Path, kind: str, data: bytes, settings: ParseSettings, *, pictures: list[bytes] | None = None,
              levels: Sequence[str] = (), categories: Sequence[str] = ()):
    """A scan read into a :class:`~pipeline.parse.paper.read.PaperLayout`, the QR code's form id
    in its custom properties and the labels of the form it names put back where they were misread
    (:mod:`~pipeline.parse.paper.labels`), its level and category cells read over the campaign's
    ``levels`` and ``categories`` (and the vocabulary's); no OCR engine installed is a
    MissingProgramError (the caller says so).
    ``pictures``: the page images of a scan pasted into a Word file, read instead of ``data``."""
    from pipeline import forms
    from pipeline._exec.ocr import engine
    from pipeline.parse.form import FORM_ID_PROPERTY
    from pipeline.parse.paper import labels
    from pipeline.parse.paper.read import WordColumn, read_pages
    from pipeline.parse.text import squash
    from pipeline.parse.vocabulary import VOCABULARY

    ocr = engine(threads=settings.ocr_threads)
    if pictures is not None:
        pages = [p for picture in pictures[:settings.ocr_max_pages] for p in load(path, "image", picture, settings)]
    else:
        pages = load(path, kind, data, settings)
    if not pages:
        return None
    code = find_code(pages)
    definition = forms.by_code(code.form_id.form_code) if code else None
    words = {"level": tuple(levels), "category": (*categories, *VOCABULARY.categories)}
    columns = [WordColumn(frozenset(squash(x) for x in c.labels), words[c.type])
               for c in (definition.columns if definition else ()) if words.get(c.type)]
    paper = read_pages(pages, ocr, settings, orientation=code.orientation if code else 0,
                       qr_page=code.page if code else 0, qr_box=code.box if code else None, columns=columns)
    if code is not None:
        paper.layout.custom[FORM_ID_PROPERTY] = str(code.form_id)
    if definition is not None:
        labels.snap(paper, definition)
    else:
        labels.snap_columns(paper)
    return paper
