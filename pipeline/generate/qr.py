"""The QR code printed on every form: its id, readable back from a scan or a rendered PDF.

Generation is on the hot path (one code per form, 10,000 forms a batch), so two things that
cost most of qrcode's time are skipped:

* the mask search: qrcode tries all eight masks and scores each; a fixed mask is valid by the
  standard (scoring only avoids patterns that confuse old readers) and the ids are short
  alphanumeric strings, so mask 2 is used for all — about three times faster;
* qrcode's PIL image factory, which draws one rectangle per module: the module matrix is turned
  into a one-module-per-pixel image and scaled up with nearest-neighbour instead.

Error correction M (15 % of the code can be lost), a quiet zone of four modules as the standard asks.
"""

from __future__ import annotations

import io

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

BOX_PX = 6
BORDER = 4
MASK = 2


def png(text: str, *, box: int = BOX_PX) -> bytes:
    """PNG bytes of a QR code for ``text`` (black on white, 1 bit per pixel)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=BORDER, mask_pattern=MASK)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    raw = bytes(0 if dark else 255 for row in matrix for dark in row)
    image = Image.frombytes("L", (n, n), raw).resize((n * box, n * box), Image.NEAREST).convert("1")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()
