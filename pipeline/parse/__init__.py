"""Parse one returned form (.docx or PDF, ours or an office's own) into risk records.

``parse_file`` is stateless: the bytes decide the reader (route), the reader gives lines and
grids (docx / pdf), and the form logic (form) finds the table by its labels, reads the header,
places the levels and lists the problems. Bad input raises :class:`InputFileError`.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import InputFileError
from pipeline.records import ParsedForm, Scheme

if TYPE_CHECKING:
    from pipeline.parse.settings import ParseSettings
    from pipeline.profile import Profile


def scheme_of(profile: "Profile | None" = None, levels: Sequence[str] | None = None) -> Scheme:
    """The parser's view of a campaign: ``levels`` (``--levels``) if given, else the profile's level
    labels; the profile's post levels, categories and annex forms. No profile, no levels: an empty scheme."""
    return Scheme(
        levels=tuple(levels or (profile.levels.labels if profile is not None else ())),
        post_levels=tuple(profile.levels.post_labels) if profile is not None else (),
        categories=tuple(profile.categories) if profile is not None else (),
        forms=tuple(profile.annexes.forms) if profile is not None else (),
    )


def parse_file(path: Path, *, levels: Sequence[str] | None = None, profile: "Profile | None" = None,
               scheme: Scheme | None = None, settings: "ParseSettings | None" = None,
               converted: "dict[Path, Path] | None" = None) -> ParsedForm:
    """Read ``path`` and return its form type, header, risks and problems.

    ``scheme`` is the campaign's levels and categories; without it one is made from ``levels`` and
    ``profile`` (:func:`scheme_of`). ``settings`` are the thresholds, :data:`pipeline.parse.settings.DEFAULT`
    if not given. A .doc/.wps/.rtf/.odt is read from its LibreOffice conversion: ``converted``
    (original → .docx, made for a whole batch by :func:`pipeline.parse.legacy.convert_all`), else
    one converted here alone."""
    from pipeline.parse.active import docx_findings, pdf_findings
    from pipeline.parse.form import build
    from pipeline.parse.route import CONVERTED, open_docx_zip, sniff
    from pipeline.parse.xlsx import read_xls, read_xlsx
    from pipeline.parse.settings import DEFAULT

    settings = settings or DEFAULT
    if scheme is None:
        scheme = scheme_of(profile, levels)

    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError("文件不存在", path=path, hint="检查文件名和路径") from None
    except IsADirectoryError:
        raise InputFileError("这是一个文件夹，不是文件", path=path, hint="请指定一个 .docx 或 .pdf 文件") from None
    except OSError as e:
        raise InputFileError(f"文件读不出来（{e.strerror}）", path=path, hint="检查文件权限或重新复制该文件") from None
    kind = sniff(path, data[:2048])
    active: list = []  # active content found in the file (macros, scripts, outside links)
    pictures: list[bytes] | None = None  # the pages of a scan pasted into a Word file
    sha = hashlib.sha256(data).hexdigest()
    if kind == "docx":
        from pipeline.parse.docx import ALWAYS_READ, read_docx

        with open_docx_zip(path, io.BytesIO(data), workbook=True) as zf:
            if "xl/workbook.xml" in zf.NameToInfo:  # a form typed in Excel or WPS 表格
                active = docx_findings(path, zf)
                layout = read_xlsx(path, data, zf)
            else:
                active = docx_findings(path, zf, checked_by_reader=ALWAYS_READ)
                layout = read_docx(path, zf)
            if not layout.has_text:  # a scan pasted into Word: its pictures are the pages
                from pipeline.parse.docx import body_pictures

                pictures = body_pictures(zf, path)
    elif kind == "doc" and (workbook := read_xls(path, data)) is not None:  # an .xls, not an old Word file
        layout = workbook
    elif kind in CONVERTED:  # .doc, .wps, .rtf, .odt: read from LibreOffice's .docx of it
        from pipeline.parse.docx import read_docx
        from pipeline.parse.legacy import converted_one

        with tempfile.TemporaryDirectory(prefix="lz-legacy-") as tmp:
            out = converted.get(path) if converted else None
            docx = out if out is not None else converted_one(path, data, kind, Path(tmp))
            with open_docx_zip(path, io.BytesIO(docx.read_bytes())) as zf:
                layout = read_docx(path, zf)
        layout.meta["converted_from"] = kind
    elif kind == "pdf":
        from pipeline.parse.pdf import read_pdf

        layout = read_pdf(path, data, settings=settings)
        active = pdf_findings(path, data)
    else:  # a scanned image: read by OCR below
        from pipeline.parse.layout import Layout

        layout = Layout(has_text=False)
    paper, no_engine = None, ""
    if not layout.has_text:  # a scan: OCR gives the layout, the QR code the form id
        from pipeline.errors import MissingProgramError
        from pipeline.parse.paper.pages import read_scan

        try:
            paper = read_scan(path, kind, data, settings, pictures=pictures, levels=scheme.levels,
                              categories=scheme.categories)
        except MissingProgramError as e:
            no_engine = f"（{e.message}；{e.hint}）"
        if paper is not None:
            layout = paper.layout
    form = build(str(path), sha, layout, scheme=scheme, settings=settings)
    form.problems += active
    if paper is not None and layout.has_text:
        from pipeline.parse.paper.confidence import flag

        flag(form, paper, settings)
    if not layout.has_text:
        from pipeline.records import Problem

        if form.form_id is None:
            for page_kind, page in ([("image", pic) for pic in pictures] if pictures is not None else [(kind, data)]):
                _identify_scan(form, path, page_kind, page)
                if form.form_id is not None:
                    break
        what = {"image": "扫描图片", "pdf": "PDF 没有文字层（可能是扫描件），"}.get(kind, "Word 文件里只有图片（扫描件），")
        form.problems.append(Problem(code="needs_ocr", message=what + "暂不能自动识别" + no_engine
                                     + "，请交 Word 文件或由人工录入", where="全文"))
    return form


def _identify_scan(form: ParsedForm, path: Path, kind: str, data: bytes) -> None:
    """Fill the form id, type and title of a scan from its QR code, when one can be read."""
    from pipeline import forms
    from pipeline.parse.scan import form_id_from_image, form_id_from_pdf

    found = form_id_from_pdf(data) if kind == "pdf" else form_id_from_image(path, data)
    if found is None:
        return
    form.form_id = str(found)
    definition = forms.by_code(found.form_code)
    if definition is not None:
        form.form_type, form.form_title = definition.id, definition.title
