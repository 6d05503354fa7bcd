"""Scanned returns: a PDF with no text layer still says which form it is, through its QR code.

Until scanned forms are read by OCR, a scan cannot give risk records, but matching it to the
issued form already tells the office who has returned their form (and the revision notice can ask
for the Word file instead of asking everyone). pypdfium2 (pdfplumber's own renderer) draws the
page and zxing-cpp finds the code anywhere on it, at any angle.
"""

from __future__ import annotations

from pipeline import identity
from pipeline.identity import FormId

#: 200 dpi resolves the 18 mm code's modules several pixels wide even after a lossy scan.
DPI = 200
MAX_PAGES = 4


def form_id_from_images(data: bytes) -> FormId | None:
    """The first valid form id in a QR code on the first pages of a PDF, or ``None``."""
    import pypdfium2
    import zxingcpp

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return None
    try:
        for index in range(min(len(pdf), MAX_PAGES)):
            image = pdf[index].render(scale=DPI / 72, grayscale=True).to_pil()
            for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
                found = identity.parse(barcode.text)
                if found is not None:
                    return found
    finally:
        pdf.close()
    return None
