"""PDFs that swell when read: a few kilobytes of compressed drawing that inflate to gigabytes.

PDFium parses a page's whole content stream before it hands over a single character, holding
every drawing operator in memory: a 600 KB file whose content inflates to 300 MB of path
operators keeps a reader busy for many minutes and takes more than 10 GB. So before PDFium sees
a PDF, its Flate streams are inflated here (zlib, a little at a time) up to a budget: a form's
pages and fonts inflate to a few megabytes; a file beyond the budget is refused as hostile.
Images are left out of the count (a scanned page inflates to tens of megabytes and is bounded
by its own width and height), and so is anything not Flate-compressed (the ratio of the other
filters is small).
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from pipeline.errors import InputFileError

#: What all of a PDF's non-image streams may inflate to, and any one of them.
MAX_INFLATED = 128 * 1024 * 1024
MAX_STREAM = 48 * 1024 * 1024
_STREAM_RE = re.compile(rb"stream\r?\n")
_OBJ_RE = re.compile(rb"\d+\s+\d+\s+obj\b")
_STEP = 1 << 20
#: How far before ``stream`` its dictionary may begin (dictionaries of forms are a few hundred bytes).
_DICT_WINDOW = 4096


def refuse_inflated(path: Path, data: bytes) -> None:
    """Raise InputFileError if the PDF's Flate streams (images aside) inflate beyond the budget."""
    total = 0
    for m in _STREAM_RE.finditer(data):
        head = data[max(0, m.start() - _DICT_WINDOW):m.start()]
        starts = list(_OBJ_RE.finditer(head))
        if starts:
            head = head[starts[-1].end():]
        if b"FlateDecode" not in head or b"/Image" in head:
            continue
        size = _inflated(data, m.end(), MAX_STREAM + 1)
        total += size
        if size > MAX_STREAM or total > MAX_INFLATED:
            raise InputFileError(
                f"PDF 中的内容解压后异常巨大（超过 {(MAX_STREAM if size > MAX_STREAM else MAX_INFLATED) // (1024 * 1024)} MB），"
                "疑似“解压炸弹”，已拒绝读取", path=path,
                hint="不要打开此文件；请向发送人核实，让其用 Word/WPS 重新导出正常的 PDF")


def _inflated(data: bytes, start: int, limit: int) -> int:
    """How many bytes the Flate stream at ``start`` inflates to, counted up to ``limit``."""
    d = zlib.decompressobj()
    size, pos = 0, start
    try:
        while size < limit and not d.eof and pos < len(data):
            size += len(d.decompress(data[pos:pos + _STEP], limit - size))
            while d.unconsumed_tail and size < limit:
                size += len(d.decompress(d.unconsumed_tail, limit - size))
            pos += _STEP
    except zlib.error:  # damaged or not Flate after all: PDFium says what it makes of it
        pass
    return size
