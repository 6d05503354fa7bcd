"""Active and untrustworthy content in a returned file: kept, but never passed over in silence.

A returned form is text in a table. Anything that can run or reach out when the office opens the
file is flagged with a problem the office sees, and the file goes back to be saved clean:

* Word: macros (``vbaProject.bin``, a macro-enabled content type: .docm), embedded OLE objects,
  ActiveX controls, and relationships to outside targets (a remote template, a linked picture,
  a linked sub-document — anything but an ordinary hyperlink);
* PDF: JavaScript, actions that launch a program, submit or import data, embedded files, rich
  media and XFA forms, wherever they sit (document catalogue, pages, annotations, fields).

Two things make the package itself untrustworthy, and the file is refused (quarantined) instead:
zip members that share a name (different readers would read different ``document.xml``s) or whose
path leaves the package, and a DTD in any XML part (the door to entity expansion and external
fetches), looked for in every part whatever its encoding, not only in the parts this program reads.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from pipeline.errors import InputFileError
from pipeline.parse.members import first_bytes, read_member
from pipeline.parse.route import ZIP_DAMAGE, raised_in_library
from pipeline.records import Problem

_DTD_RE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.I)
_EXTERNAL_RE = re.compile(rb"<Relationship\b[^>]*>", re.I)
_TARGET_OUTSIDE_RE = re.compile(r'TargetMode\s*=\s*"External"', re.I)
_HYPERLINK_RE = re.compile(r'Type\s*=\s*"[^"]*/hyperlink"', re.I)
#: A member path that leaves the package: absolute, a drive letter, or a ".." step.
_LEAVING_RE = re.compile(r"^[/\\]|^[A-Za-z]:|(?:^|[/\\])\.\.(?:[/\\]|$)")
#: What an XML part may be encoded in, by its first bytes (XML 1.0 appendix F).
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
         (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"))
_REFUSE_HINT = "不要打开此文件；请让填表人用 Word/WPS 重新保存表格后再发送"
_CLEAN_HINT = "请在 Word/WPS 中删除宏、控件和嵌入对象，另存为普通 .docx（或重新导出 PDF）后再报送"


def docx_findings(path: Path, zf: zipfile.ZipFile, *, checked_by_reader: frozenset[str] = frozenset()) -> list[Problem]:
    """Problems for active content in a .docx; raises InputFileError for a package that cannot be trusted.

    ``checked_by_reader``: parts the caller reads whole and refuses a DTD in itself
    (:func:`refuse_dtd`), so their prologs are not decompressed twice.
    """
    infos = zf.infolist()
    names = [i.filename for i in infos]
    folded = [n.replace("\\", "/").lower() for n in names]
    if len(set(folded)) != len(folded):
        twice = sorted({n for n in folded if folded.count(n) > 1})
        raise InputFileError(f"文件里有重名的部件（{'、'.join(twice[:3])}），不同软件会读出不同的内容，已拒绝读取",
                             path=path, hint=_REFUSE_HINT)
    leaving = [n for n in names if _LEAVING_RE.search(n)]
    if leaving:
        raise InputFileError(f"文件里有指向包外的部件路径（{leaving[0]}），可能是恶意构造的文件，已拒绝读取",
                             path=path, hint=_REFUSE_HINT)
    found: list[str] = []
    for info in infos:
        name = info.filename.lower()
        if not name.endswith((".xml", ".rels")) or info.file_size > 50 * 1024 * 1024 \
                or info.filename in checked_by_reader:
            continue
        try:
            if name.endswith(".rels"):  # small: read whole, its prolog with it
                data = read_member(zf, info)
                refuse_dtd(path, info.filename, data)
                if _external(data):
                    found.append("外部链接（远程模板、链接的图片或文档）")
            elif _DTD_RE.search(_prolog(zf, info)):
                _refuse(path, info.filename)
        except ZIP_DAMAGE:
            raise InputFileError(f"文件已损坏（{info.filename} 读不出来）", path=path,
                                 hint="请填表人在 Word/WPS 中重新保存为 .docx 后再发送") from None
    lowered = set(folded)
    if any(n.endswith("vbaproject.bin") for n in lowered) or b"macroEnabled" in _content_types(zf):
        found.append("宏（VBA 代码）")
    if any("/embeddings/" in n for n in lowered):  # word/ or xl/embeddings
        found.append("嵌入的 OLE 对象")
    if any("/activex/" in n for n in lowered):
        found.append("ActiveX 控件")
    return _problems(found)


#: Bytes read at a time while looking for the end of an XML part's prolog.
_PROLOG_CHUNK = 4096
#: A prolog is an XML declaration and at most a DTD: the first element of a part Word or WPS
#: wrote starts within this many bytes.
_PROLOG_GUESS = 512
#: Where markup starts in a prolog: a comment, a processing instruction, a declaration, an element.
_MARKUP_RE = re.compile(r"<(!--|\?|!|[A-Za-z_])")


def _prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """The part's text up to its first element: the only place XML allows a DTD (and so an entity
    declaration), so the rest of the part need not be decompressed to look for one."""
    head = first_bytes(zf, info, _PROLOG_GUESS)
    if head is not None and (prolog := _prolog_of(head)) is not None:
        return prolog
    out, want = b"", _PROLOG_CHUNK
    with zf.open(info) as f:
        while True:
            chunk = f.read(want)
            out += chunk
            prolog = _prolog_of(out)
            if prolog is not None:
                return prolog
            if not chunk:
                return _decoded(out)
            want *= 2  # a long comment is looked through in linear time, not once per chunk


def refuse_dtd(path: Path, name: str, data: bytes) -> None:
    """Raise InputFileError if the part ``name`` (its whole bytes, ``data``) declares a DTD."""
    prolog = _prolog_of(data[:_PROLOG_CHUNK])
    if prolog is None:  # a long prolog, or no element at all
        prolog = _prolog_of(data)
    if _DTD_RE.search(_decoded(data) if prolog is None else prolog):
        _refuse(path, name)


def _refuse(path: Path, name: str) -> None:
    raise InputFileError(f"文件的 {name} 内含 DOCTYPE/外部实体声明，可能是恶意构造的文件，已拒绝读取",
                         path=path, hint=_REFUSE_HINT)


def _decoded(data: bytes) -> str:
    """An XML part's text in the encoding its first bytes show (XML 1.0 appendix F); a cut
    character at the end of a piece is replaced, never an error."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    return data.decode("utf-8", errors="replace")  # and ASCII: the markup is the same bytes


def _prolog_of(data: bytes) -> str | None:
    """The prolog of the part whose first bytes are ``data``: its text up to the first element, or
    None if ``data`` ends first. Comments and processing instructions are stepped over whole — they
    may hold anything, "<a" too, and a DTD may follow them."""
    text = _decoded(data)
    pos = 0
    while (m := _MARKUP_RE.search(text, pos)) is not None:
        kind = m.group(1)
        if kind == "!--" or kind == "?":
            close = text.find("-->" if kind == "!--" else "?>", m.end())
            if close < 0:
                return None
            pos = close + (3 if kind == "!--" else 2)
        elif kind == "!":  # a DOCTYPE (or other declaration): part of the prolog
            pos = m.end()
        else:
            return text[:m.start()]
    return None


def _external(rels: bytes) -> bool:
    """Whether a relationships part points outside the package other than by an ordinary hyperlink."""
    if b"external" not in rels.lower():  # most parts: no outside target at all
        return False
    for m in _EXTERNAL_RE.finditer(rels):
        tag = m.group().decode("utf-8", errors="replace")
        if _TARGET_OUTSIDE_RE.search(tag) and not _HYPERLINK_RE.search(tag):
            return True
    return False


def _content_types(zf: zipfile.ZipFile) -> bytes:
    try:
        return read_member(zf, "[Content_Types].xml")
    except (KeyError, *ZIP_DAMAGE):  # missing or damaged: the reader reports damage where it matters
        return b""


#: PDF names that run code, start programs, move data or hide files; each with what to tell the office.
_PDF_KEYS = {"/JavaScript": "PDF 脚本（JavaScript）", "/JS": "PDF 脚本（JavaScript）",
             "/Launch": "启动外部程序的动作", "/SubmitForm": "向外提交数据的动作", "/ImportData": "导入数据的动作",
             "/EmbeddedFile": "嵌入的文件", "/EmbeddedFiles": "嵌入的文件", "/RichMedia": "多媒体内容",
             "/XFA": "XFA 动态表单"}


def pdf_findings(path: Path, data: bytes) -> list[Problem]:
    """Problems for active content anywhere in a PDF (pikepdf walks every object, compressed ones too)."""
    import pikepdf

    found: list[str] = []
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            for obj in pdf.objects:
                if not isinstance(obj, pikepdf.Dictionary):
                    continue
                found += (_PDF_KEYS[key] for key in obj.keys() if key in _PDF_KEYS)
                action = obj.get("/S")
                if isinstance(action, pikepdf.Name) and str(action) in _PDF_KEYS:
                    found.append(_PDF_KEYS[str(action)])
    except pikepdf.PdfError:
        pass  # damage pikepdf alone trips on: the PDF reader has read what it could, and reports the rest
    except Exception as e:
        if not raised_in_library(e, ("pikepdf",)):
            raise
    return _problems(found)


def _problems(found: list[str]) -> list[Problem]:
    kinds = list(dict.fromkeys(found))
    if not kinds:
        return []
    return [Problem(code="active_content", where="全文",
                    message=f"文件含有{'、'.join(kinds)}，打开时可能运行代码或访问外部：{_CLEAN_HINT}")]
