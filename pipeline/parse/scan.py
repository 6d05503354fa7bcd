"""Scanned returns: a PDF with no text layer, or a scanned image, still says which form it is.

Until scanned forms are read by OCR, a scan cannot give risk records, but matching it to the
issued form already tells the office who has returned their form (and the revision notice can ask
for the Word file instead of asking everyone). pypdfium2 (pdfplumber's own renderer) draws a PDF
page, Pillow opens an image (PNG, JPEG, multi-page TIFF), and zxing-cpp finds the code anywhere on
it, at any angle.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from pipeline.campaign import identity
from pipeline.errors import InputFileError
from pipeline.campaign.identity import FormId
from pipeline.parse import heif
from pipeline.parse.route import raised_in_library

#: 200 dpi resolves the 18 mm code's modules several pixels wide even after a lossy scan.
DPI = 200
MAX_PAGES = 4


def form_id_from_pdf(data: bytes) -> FormId | None:
    """The first valid form id in a QR code on the first pages of a PDF, or ``None``."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return None
    try:
        pages = (pdf[i].render(scale=DPI / 72, grayscale=True).to_pil() for i in range(min(len(pdf), MAX_PAGES)))
        return _first_id(pages)
    except Exception as e:  # a page pdfium cannot draw has no code to read; anything else is a fault
        if isinstance(e, pypdfium2.PdfiumError) or raised_in_library(e, ("pypdfium2", "PIL")):
            return None
        raise
    finally:
        pdf.close()


def form_id_from_image(path: Path, data: bytes) -> FormId | None:
    """The first valid form id in a QR code of a scanned image (each frame of a TIFF); ``None``
    for a HEIC photo when pillow-heif, which opens it, is not installed."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    if heif.is_heif(data[:12]) and not heif.register():
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            frames = (frame.convert("L") for frame, _ in zip(ImageSequence.Iterator(image), range(MAX_PAGES)))
            return _first_id(frames)
    except Image.DecompressionBombError:
        raise InputFileError("图片尺寸异常巨大，疑似恶意文件，已拒绝读取", path=path,
                             hint="请重新扫描（200 dpi 左右即可）后再交") from None
    except Exception as e:  # Pillow's errors for a broken image; anything else is a fault of this program
        if isinstance(e, (UnidentifiedImageError, OSError, SyntaxError)) \
                or raised_in_library(e, ("PIL", "pillow_heif")):
            raise InputFileError("图片文件已损坏，无法打开", path=path, hint="请重新扫描或拍照后再交") from None
        raise


def _first_id(images: Iterable) -> FormId | None:
    import zxingcpp

    for image in images:
        for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
            found = identity.parse(barcode.text)
            if found is not None:
                return found
    return None
