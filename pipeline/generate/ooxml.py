"""Small python-docx helpers for what python-docx has no API for.

python-docx sets only the Latin font of a run; Word, WPS and LibreOffice pick Chinese glyphs from
``w:eastAsia``, so without it a 仿宋 paragraph renders in whatever the viewer defaults to. Repeating
table headers, cell borders and page numbers are likewise raw OOXML. Both the plan and the form
templates use these, so they live in one place.
"""

from __future__ import annotations

from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import nsmap, qn
from docx.shared import Mm, Pt

CORE_PROPERTIES_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def _pin_core_properties_prefix() -> None:
    """Keep python-docx's ``cp`` prefix on the core-properties namespace.

    docxcompose (imported by docxtpl, and by the plan to bind its annexes) rebinds ``cp`` in
    python-docx's process-wide prefix map to the custom-properties namespace when it is first
    imported; every core property set afterwards (author, last_modified_by, …) is then appended
    as a second element in the wrong namespace, which Word reports as unreadable content. Importing
    it here, once, and restoring the prefix fixes the whole process whatever imports it later
    (docxcompose keeps its own prefix table, so it is unaffected).
    """
    try:
        import docxcompose.utils  # noqa: F401  (the import that rebinds the prefix)
    except ImportError:
        pass
    nsmap["cp"] = CORE_PROPERTIES_NS


_pin_core_properties_prefix()

#: Official fonts first; the README names the free substitutes (Noto CJK, Fandol) that
#: LibreOffice falls back to when these are absent.
FONT_SONG = "宋体"
FONT_FANGSONG = "仿宋_GB2312"
FONT_HEI = "黑体"
FONT_KAI = "楷体_GB2312"
FONT_XBS = "方正小标宋简体"

#: Chinese font sizes (号) in points.
SIZE = {"初号": 42, "小初": 36, "一号": 26, "小一": 24, "二号": 22, "小二": 18, "三号": 16, "小三": 15,
        "四号": 14, "小四": 12, "五号": 10.5, "小五": 9}


def set_run_font(run, east_asia: str, size_pt: float | None = None, *, bold: bool | None = None,
                 ascii_font: str = "Times New Roman", color: str | None = None) -> None:
    """Set Latin and East Asian font (and size) on one run."""
    run.font.name = ascii_font
    _set_rfonts(run._element.get_or_add_rPr(), east_asia, ascii_font)
    if size_pt is not None:
        run.font.size = Pt(size_pt)
    if bold is not None:
        run.font.bold = bold
    if color is not None:
        from docx.shared import RGBColor

        run.font.color.rgb = RGBColor.from_string(color)


def set_style_font(style, east_asia: str, size_pt: float, ascii_font: str = "Times New Roman") -> None:
    """Same as :func:`set_run_font` for a paragraph style (Normal, headings)."""
    style.font.name = ascii_font
    style.font.size = Pt(size_pt)
    _set_rfonts(style.element.get_or_add_rPr(), east_asia, ascii_font)


def _set_rfonts(rpr, east_asia: str, ascii_font: str) -> None:
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), ascii_font)
    rfonts.set(qn("w:eastAsia"), east_asia)


def set_page(section, *, landscape: bool = False, top: float = 37, bottom: float = 35,
             left: float = 28, right: float = 26) -> None:
    """A4 page with margins in millimetres (defaults: GB/T 9704-2012)."""
    width, height = Mm(210), Mm(297)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        width, height = height, width
    else:
        section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = width, height
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)


def repeat_header_row(row) -> None:
    """Mark a table row as a header row that repeats at the top of every page.

    No ``w:val``: the element alone means on, and Word's validator takes only on/off there.
    """
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def keep_row_together(row) -> None:
    """Forbid a row from breaking across pages."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def set_table_borders(table, size_eighths: int = 6) -> None:
    """Single black borders on every edge and inner line of a table."""
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size_eighths))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    tblpr.append(borders)


def add_field(run, instruction: str) -> None:
    """Insert a field (e.g. ``PAGE``) into a run: begin, instruction, separate, end."""
    for kind, text in (("begin", None), (None, instruction), ("separate", None), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
        run._r.append(el)


# --- schema order ------------------------------------------------------------------------------
# Word reports "unreadable content" and offers to repair a file whose property elements are out of
# the order ECMA-376 prescribes; LibreOffice does not mind, so nothing else would show it. python-docx
# appends what it has no API for at the end, and so do the helpers above, so every builder runs
# :func:`normalize` over its document before saving. Hand-written because python-docx only orders
# the elements it models itself; the sequences below are ECMA-376 Part 1 (transitional), §17.

_SEQUENCES = {
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof "
           "snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd "
           "fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath rPrChange",
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd "
           "tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
           "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc "
           "textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc "
             "tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription tblPrChange",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign "
            "hideMark headers cellIns cellDel cellMerge tcPrChange",
    "sectPr": "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc pgBorders "
              "lnNumType pgNumType cols formProt vAlign noEndnote titlePg textDirection bidi rtlGutter "
              "docGrid printerSettings sectPrChange",
}
_RANK = {qn(f"w:{parent}"): {qn(f"w:{tag}"): i for i, tag in enumerate(seq.split())}
         for parent, seq in _SEQUENCES.items()}


def normalize(root) -> None:
    """Put the children of every rPr, pPr, tblPr, tcPr and sectPr under ``root`` in schema order."""
    for parent_tag, rank in _RANK.items():
        for parent in root.iter(parent_tag):
            children = list(parent)
            ordered = sorted(children, key=lambda el: rank.get(el.tag, len(rank)))
            if ordered != children:
                for el in children:
                    parent.remove(el)
                parent.extend(ordered)


def finish(document) -> None:
    """Last step before saving a python-docx document: schema order, and no stale stylesWithEffects.

    python-docx's default template carries word/stylesWithEffects.xml, a Word 2010 copy of the styles
    that no longer matches once styles are added; Word then reports unreadable content. Word rebuilds
    the part when it is absent, so it is dropped.
    """
    for part in (document.part, *(rel.target_part for rel in document.part.rels.values() if not rel.is_external)):
        element = getattr(part, "element", None)
        if element is not None:
            normalize(element)
    for rid, rel in list(document.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            document.part.drop_rel(rid)
