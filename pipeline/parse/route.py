"""Sniff what a returned file really is and refuse hostile or broken input before reading it.

The extension is only a hint: users rename files, mail clients mangle names. The first bytes
decide. Every refusal is an :class:`InputFileError` with one Chinese line saying what to do.

The readers turn only their libraries' own exceptions for broken files into InputFileError
(``ZIP_DAMAGE`` here, lxml's XMLSyntaxError, PDFium's and pdfplumber's errors in ``pdf``, Pillow's
and PDFium's in ``scan``); any other exception is a fault of this program and is let through, so
ingest can report it as one and keep its traceback.
"""

from __future__ import annotations

import lzma
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO, Literal

from pipeline.errors import InputFileError
from pipeline.parse.heif import is_heif

Kind = Literal["docx", "pdf", "image", "doc", "rtf", "odt"]
#: The formats read through a LibreOffice conversion to .docx (pipeline.parse.legacy).
CONVERTED: tuple[Kind, ...] = ("doc", "rtf", "odt")

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Scans and phone photos: PNG, JPEG, TIFF (both byte orders); HEIC photos by their ``ftyp`` box.
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
#: A returned form is tens of kilobytes of XML; these limits leave room for pasted images.
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBER_RATIO = 200
MAX_MEMBERS = 5000
SAVE_AS = "用 Word 或 WPS 打开后“另存为” .docx 格式再交"
#: What the zip module raises for a damaged container or member (found by fuzzing real forms):
#: a bad directory or CRC (BadZipFile), a corrupt deflate or LZMA stream (zlib.error, LZMAError),
#: data cut short (EOFError), an unsupported zip version or method (NotImplementedError), and
#: offsets pointing outside the file (OSError / ValueError from the seek). Only the library calls
#: are wrapped in it; any other exception is a fault of this program and propagates.
ZIP_DAMAGE: tuple[type[BaseException], ...] = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError,
                                               NotImplementedError, OSError, ValueError)


#: Built-in exceptions that PDF and image libraries let out of their parsers on corrupt input
#: (pdfminer's page raises TypeError for a missing MediaBox, for one). They count as damage only
#: when raised inside the library's own code: the same TypeError raised in this program is a bug.
LIBRARY_BUILTINS: tuple[type[BaseException], ...] = (TypeError, ValueError, KeyError, IndexError, AttributeError,
                                                     AssertionError, ZeroDivisionError, OverflowError,
                                                     RecursionError, EOFError, zlib.error, struct.error)


def raised_in_library(exc: BaseException, packages: tuple[str, ...]) -> bool:
    """Whether ``exc`` is a built-in error raised by code of one of ``packages`` (e.g. "pdfminer")."""
    if not isinstance(exc, LIBRARY_BUILTINS):
        return False
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    module = tb.tb_frame.f_globals.get("__name__", "")
    return module.split(".", 1)[0] in packages


_ODF = b"mimetypeapplication/vnd.oasis.opendocument."
#: OpenDocument files other than text, by their mimetype's last word: what to call them.
_ODF_OTHERS = {b"spreadsheet": "OpenDocument 电子表格（.ods）", b"presentation": "OpenDocument 演示文稿（.odp）",
               b"graphics": "OpenDocument 绘图（.odg）", b"formula": "OpenDocument 公式（.odf）"}


def _opendocument(path: Path, kind: bytes) -> Kind:
    """An OpenDocument text (and its template) is read through LibreOffice; any other is named."""
    if kind.startswith(b"text"):
        return "odt"
    what = next((name for word, name in _ODF_OTHERS.items() if kind.startswith(word)), "OpenDocument 文件")
    raise InputFileError(f"这是{what}，不是 Word 表格", path=path,
                         hint="请用下发的 Word 表格（.docx）填写；已填在电子表格里的，可另存为 .xlsx 后再交")


def sniff(path: Path, head: bytes) -> Kind:
    """Decide the reader from the file's first bytes; refuse what no reader can take."""
    if not head:
        raise InputFileError("文件是空的（0 字节）", path=path, hint="请重新导出或向填表人重新索取该文件")
    if head.startswith(b"PK\x03\x04"):  # OpenDocument stores its mimetype first, uncompressed
        if head[30:].startswith(_ODF):
            return _opendocument(path, head[30 + len(_ODF):])
        return "docx"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(IMAGE_MAGIC) or is_heif(head):
        return "image"
    if head.startswith(OLE_MAGIC):  # Word 97–2003, WPS, or a password-protected .docx
        return "doc"
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"PK"):
        raise InputFileError("文件已损坏（压缩包不完整）", path=path, hint="请填表人重新保存后再发送")
    raise InputFileError("不是 Word（.docx）或 PDF 文件，可能是改了扩展名的其他文件", path=path,
                         hint="请交 Word 的 .docx 或 PDF 文件")


def open_docx_zip(path: Path, data: BinaryIO | None = None, *, workbook: bool = False) -> zipfile.ZipFile:
    """Open the .docx container (with ``workbook`` an .xlsx too), checking the zip directory for
    damage and bombs before any read."""
    try:
        zf = zipfile.ZipFile(data if data is not None else path)
    except ZIP_DAMAGE:
        raise InputFileError("文件已损坏或不完整，无法作为 Word 文档打开", path=path,
                             hint="请填表人在 Word/WPS 中重新保存为 .docx 后再发送") from None
    infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    bomb = len(infos) > MAX_MEMBERS or total > MAX_UNCOMPRESSED or any(
        i.file_size > 1024 * 1024 and i.file_size > MAX_MEMBER_RATIO * max(i.compress_size, 1) for i in infos)
    if bomb:
        zf.close()
        raise InputFileError(f"文件解压后异常巨大（{total // (1024 * 1024)} MB），疑似“压缩炸弹”，已拒绝读取", path=path,
                             hint="不要打开此文件；请向发送人核实，让其重新导出正常的表格")
    names = {i.filename for i in infos}
    if "word/document.xml" not in names and not (workbook and "xl/workbook.xml" in names):
        zf.close()
        if "xl/workbook.xml" in names:
            what = "这是 Excel 文件，不是 Word 表格"
        elif "ppt/presentation.xml" in names:
            what = "这是 PowerPoint 文件，不是 Word 表格"
        else:
            what = "压缩包里没有 Word 文档内容，不是有效的 .docx"
        raise InputFileError(what, path=path, hint="请交下发的 Word 表格（.docx）或其 PDF")
    return zf
