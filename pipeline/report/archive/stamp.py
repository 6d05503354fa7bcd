"""The 归档章 (DA/T 22-2015, 附录): a two-row, three-column stamp in the top right of page one.

Top row 全宗号 | 年度 | 件号, bottom row 机构（问题）| 保管期限 | 页数, each cell 15 mm × 7 mm, red.
It is drawn into the .docx *before* the PDF/A export, as a table floating at a fixed place on the
page (``w:tblpPr`` anchored to the page, 8 mm from its top edge, flush with the right margin), so
LibreOffice lays it out and embeds its font like any other text — an overlay added to the PDF
afterwards would need its own embedded CJK font to stay PDF/A. 页数 is a NUMPAGES field, so it
shows the page count of the PDF it is printed in. The source .docx in the package stays unstamped.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

TWIPS_PER_MM = 56.6929
CELL_W, CELL_H, TOP = 15, 7, 8  # mm
STAMP_RED = "C00000"
_BODY = re.compile(rb"<w:body>")
_PAGE_W = re.compile(rb'<w:pgSz[^>]*?w:w="(\d+)"')
_RIGHT = re.compile(rb'<w:pgMar[^>]*?w:right="(\d+)"')


@dataclass(frozen=True)
class StampFields:
    fonds: str
    year: int
    item: str
    org: str
    retention: str


def _cell(content: str) -> str:
    width = round(CELL_W * TWIPS_PER_MM)
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
            '<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
            f'<w:ind w:left="0" w:right="0" w:firstLine="0"/><w:jc w:val="center"/></w:pPr>{content}</w:p></w:tc>')


def _run(text: str) -> str:
    return (f'<w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="SimSun"/>'
            f'<w:color w:val="{STAMP_RED}"/><w:sz w:val="18"/></w:rPr><w:t>{escape(text)}</w:t></w:r>')


def stamp_xml(fields: StampFields, page_width: int, right_margin: int) -> str:
    """The floating table, as WordprocessingML."""
    width = round(CELL_W * TWIPS_PER_MM)
    x = page_width - right_margin - 3 * width
    border = f'w:val="single" w:sz="8" w:space="0" w:color="{STAMP_RED}"'
    borders = "".join(f"<w:{side} {border}/>" for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    row_h = round(CELL_H * TWIPS_PER_MM)
    grid = f'<w:gridCol w:w="{width}"/>' * 3
    row = f'<w:tr><w:trPr><w:trHeight w:val="{row_h}" w:hRule="exact"/><w:jc w:val="left"/></w:trPr>'
    pages = '<w:fldSimple w:instr=" NUMPAGES \\* Arabic ">' + _run("1") + "</w:fldSimple>"
    return (
        '<w:tbl><w:tblPr>'
        '<w:tblpPr w:leftFromText="0" w:rightFromText="0" w:topFromText="0" w:bottomFromText="0" '
        f'w:vertAnchor="page" w:horzAnchor="page" w:tblpX="{x}" w:tblpY="{round(TOP * TWIPS_PER_MM)}"/>'
        f'<w:tblOverlap w:val="overlap"/><w:tblW w:w="{3 * width}" w:type="dxa"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar>'
        f'</w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
        f'{row}{_cell(_run(fields.fonds))}{_cell(_run(str(fields.year)))}{_cell(_run(fields.item))}</w:tr>'
        f'{row}{_cell(_run(fields.org))}{_cell(_run(fields.retention))}{_cell(pages)}</w:tr>'
        '</w:tbl>')


def stamp_docx(data: bytes, fields: StampFields) -> bytes:
    """``data`` (a .docx) with the 归档章 as the first element of its body; every other part unchanged."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "word/document.xml":
                width = _PAGE_W.search(body)
                right = _RIGHT.search(body)
                xml = stamp_xml(fields, int(width.group(1)) if width else 11906,
                                int(right.group(1)) if right else 1588)
                body = _BODY.sub(lambda m: m.group(0) + xml.encode("utf-8"), body, count=1)
            dst.writestr(item, body)
    return out.getvalue()
