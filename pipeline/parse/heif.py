"""HEIC photos — an iPhone camera's default format — opened by Pillow through pillow-heif.

A phone photo of a signed form comes as .heic as often as .jpg. Pillow does not read HEIF itself;
the pillow-heif wheel (libheif inside, maintained) registers an opener for it, and is part of the
``ocr`` extra. Without it a HEIC file is still known for a photo by its first bytes, and the
message names the package to install instead of calling the photo broken.
"""

from __future__ import annotations

import functools

#: The ISO base-media brands of HEIF still images and sequences (``ftyp`` box at byte 4).
BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"})
MISSING = "读取 HEIC 照片需要 pillow-heif，尚未安装"
INSTALL_HINT = "pip install pillow-heif（或 pip install 'lianzheng[ocr]'）后重试；也可在手机上把照片存为 JPG 再交"


def is_heif(head: bytes) -> bool:
    """Whether the file's first bytes are a HEIF file's ``ftyp`` box with a HEIF brand."""
    return head[4:8] == b"ftyp" and head[8:12] in BRANDS


@functools.cache
def register() -> bool:
    """Pillow made able to open HEIF (once per process); ``False`` when pillow-heif is not installed."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True
