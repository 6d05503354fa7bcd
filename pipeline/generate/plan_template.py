"""Build ``templates/plan.docx``: the docxtpl template of the implementation plan (实施方案).

The template is generated rather than hand-drawn so that its GB/T 9704-2012 geometry (margins,
3号 仿宋 on a 28.95 pt line, red header and rule, outer-side page numbers, 版记 at the page foot)
is written down in code a reviewer can read. Every look lives in a named paragraph style
(``公文-正文``, ``公文-一级标题`` …), so an office can restyle the template in Word or WPS without
touching the Jinja tags; the tags only carry text and loops.

Run ``python -m pipeline.generate.plan_template`` after changing this file; the generated
template is committed so that a user never needs to run it.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from pipeline.generate.ooxml import (
    finish,
    FONT_FANGSONG, FONT_HEI, FONT_KAI, FONT_SONG, FONT_XBS, SIZE, add_field, set_page, set_run_font,
    set_style_font,
)

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "plan.docx"

RED = "FF0000"
#: GB/T 9704-2012 7.1: 22 lines per page in a 225 mm text block, i.e. a 28.95 pt line pitch.
LINE_PT = 28.95
BODY_PT = SIZE["三号"]
TEXT_WIDTH_MM = 210 - 28 - 26
#: Width in body characters of an annex's number in the 附件说明 ("1." to "99.": digits are half-width).
ANNEX_NUMBER_CHARS = 1.5
#: Width of the column holding the issuers in the red header; "文件" takes the rest.
ISSUER_COL_MM = 124
#: Height of the empty line above the red header: 35 mm less the gap LibreOffice and Word leave
#: between a 小初 line's top and its glyphs' upper edge (measured on the PDF, see test_plan).
HEADER_SPACER_PT = 35 / 25.4 * 72 - 3


# --- styles -------------------------------------------------------------------------------------

def _doc_defaults(doc) -> None:
    """Replace the default template's theme fonts (Calibri/MS Mincho) with the official ones.

    Theme font attributes win over explicit names in Word, so they must go, or every run that
    inherits from the defaults would render in the theme font.
    """
    rpr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr_default.find(qn("w:rFonts"))
    for attr in list(rfonts.attrib):
        del rfonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), "Times New Roman")
    rfonts.set(qn("w:eastAsia"), FONT_FANGSONG)
    lang = rpr_default.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr_default.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _para_style(doc, name: str, east_asia: str, size: float, *, base: str | None = "Normal",
                align=None, first_indent: float | None = None, left: float | None = None,
                right: float | None = None, before: float = 0, after: float = 0,
                line: float | None = LINE_PT, keep_next: bool = False, color: str | None = None):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if base:
        style.base_style = doc.styles[base]
    set_style_font(style, east_asia, size)
    if color:
        from docx.shared import RGBColor

        style.font.color.rgb = RGBColor.from_string(color)
    pf = style.paragraph_format
    if align is not None:
        pf.alignment = align
    if first_indent is not None:
        pf.first_line_indent = Pt(first_indent)
    if left is not None:
        pf.left_indent = Pt(left)
    if right is not None:
        pf.right_indent = Pt(right)
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(line)
    pf.keep_with_next = keep_next
    pf.widow_control = True
    return style


def _char_style(doc, name: str, east_asia: str):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
    rpr = style.element.get_or_add_rPr()
    rfonts = OxmlElement("w:rFonts")
    rfonts.set(qn("w:eastAsia"), east_asia)
    rpr.insert(0, rfonts)
    return style


def _styles(doc) -> None:
    _doc_defaults(doc)
    normal = doc.styles["Normal"]
    set_style_font(normal, FONT_FANGSONG, BODY_PT)
    # GB/T 9704-2012 7.1 asks for 28 characters a line in the 156 mm text block; 28 × 16 pt is
    # 448 pt, 6 pt more than 156 mm, so characters are drawn 0.25 pt closer (w:spacing, in
    # twentieths of a point), which Word, WPS and LibreOffice all honour.
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(-round(0.25 * 20)))
    normal.element.get_or_add_rPr().append(spacing)
    pf = normal.paragraph_format
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(LINE_PT)
    pf.space_before = pf.space_after = Pt(0)
    body = BODY_PT
    _para_style(doc, "公文-正文", FONT_FANGSONG, body, first_indent=2 * body)
    _para_style(doc, "公文-版头", FONT_XBS, SIZE["小初"], align=WD_ALIGN_PARAGRAPH.DISTRIBUTE,
                first_indent=0, line=None, color=RED)
    _para_style(doc, "公文-文件", FONT_XBS, SIZE["小初"], align=WD_ALIGN_PARAGRAPH.CENTER,
                first_indent=0, line=None, color=RED)
    number = _para_style(doc, "公文-发文字号", FONT_FANGSONG, body, align=WD_ALIGN_PARAGRAPH.CENTER,
                         first_indent=0, before=2 * LINE_PT, after=2 * LINE_PT)
    _bottom_border(number.element.get_or_add_pPr(), RED, size_eighths=18, space_pt=11)  # 4 mm below
    _para_style(doc, "公文-标题", FONT_XBS, SIZE["二号"], align=WD_ALIGN_PARAGRAPH.CENTER,
                first_indent=0, line=36, after=LINE_PT)
    new_page = _para_style(doc, "公文-标题-另页", FONT_XBS, SIZE["二号"], base="公文-标题",
                           align=WD_ALIGN_PARAGRAPH.CENTER, first_indent=0, line=36, after=LINE_PT)
    new_page.paragraph_format.page_break_before = True
    _para_style(doc, "公文-主送", FONT_FANGSONG, body, first_indent=0)
    _para_style(doc, "公文-一级标题", FONT_HEI, body, first_indent=2 * body, keep_next=True)
    _para_style(doc, "公文-分项", FONT_FANGSONG, body, first_indent=2 * body)
    # name lists: left aligned, their lines broken by plan.py between names; plan.py sets the
    # hanging indent each list needs (its label's width)
    _para_style(doc, "公文-名单", FONT_FANGSONG, body, align=WD_ALIGN_PARAGRAPH.LEFT, left=6 * body,
                first_indent=-4 * body)
    # GB/T 9704-2012 7.2.3: the 发文机关标志's upper edge 35 mm below the 版心's top edge
    _para_style(doc, "公文-版头上空", FONT_FANGSONG, 1, first_indent=0, line=HEADER_SPACER_PT)
    # 附件说明 kept on one page (keep with next, each line kept whole); GB/T 9704-2012 7.3.4: a long
    # title wraps under its own first character, so each title follows its number after a tab stop
    # at the hanging indent (附件： 3 characters, the number ANNEX_NUMBER_CHARS, from 2 characters in)
    title_at = (5 + ANNEX_NUMBER_CHARS) * body
    annex = _para_style(doc, "公文-附件说明", FONT_FANGSONG, body, left=title_at,
                        first_indent=-(3 + ANNEX_NUMBER_CHARS) * body, before=LINE_PT, keep_next=True)
    annex.paragraph_format.keep_together = True
    cont = _para_style(doc, "公文-附件续", FONT_FANGSONG, body, left=title_at, first_indent=-ANNEX_NUMBER_CHARS * body,
                       keep_next=True)
    cont.paragraph_format.keep_together = True
    for style in (annex, cont):  # a list, not prose: justified, a broken line would be spread out
        style.paragraph_format.tab_stops.add_tab_stop(Pt(title_at))
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    # GB/T 9704-2012 8: an annex starts a new page, 附件N in 3号黑体 on the first line flush left,
    # its title centred on the third.
    mark = _para_style(doc, "公文-附件标识", FONT_HEI, body, first_indent=0, after=LINE_PT)
    mark.paragraph_format.page_break_before = True
    for hang in (4, 8):  # name lists: names under the first name, or titles under the first title
        _para_style(doc, f"公文-名册{hang}", FONT_FANGSONG, body, align=WD_ALIGN_PARAGRAPH.LEFT,
                    left=hang * body, first_indent=-hang * body)
    _para_style(doc, "公文-落款", FONT_FANGSONG, body, align=WD_ALIGN_PARAGRAPH.RIGHT,
                first_indent=0, right=2 * body, keep_next=True)
    _para_style(doc, "公文-落款-首行", FONT_FANGSONG, body, base="公文-落款", align=WD_ALIGN_PARAGRAPH.RIGHT,
                first_indent=0, right=2 * body, before=LINE_PT, keep_next=True)  # 7.3.5.2: 正文下空一行
    _para_style(doc, "公文-成文日期", FONT_FANGSONG, body, align=WD_ALIGN_PARAGRAPH.RIGHT,
                first_indent=0, right=4 * body)
    four = SIZE["四号"]
    _para_style(doc, "公文-版记", FONT_FANGSONG, four, first_indent=0, left=four, right=four, line=None,
                before=2, after=2)
    _para_style(doc, "公文-页码", FONT_SONG, four, first_indent=0, line=None)
    _char_style(doc, "公文-二级标题字", FONT_KAI)
    _char_style(doc, "公文-黑体字", FONT_HEI)


def _bottom_border(ppr, color: str, *, size_eighths: int, space_pt: int) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(size_eighths))
    bottom.set(qn("w:space"), str(space_pt))
    bottom.set(qn("w:color"), color)
    borders.append(bottom)
    # pBdr must come before spacing/ind/jc in CT_PPr's sequence.
    anchor = next((ppr.find(qn(t)) for t in ("w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc")
                   if ppr.find(qn(t)) is not None), None)
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        ppr.append(borders)


# --- content ------------------------------------------------------------------------------------

def _p(container, text: str, style: str, east_asia: str = FONT_FANGSONG, size: float | None = None):
    """A paragraph holding one run; every run names its East Asian font (see ooxml.py)."""
    para = container.add_paragraph(style=style)
    if text:
        run = para.add_run(text)
        set_run_font(run, east_asia, size)
    return para


def _run(para, text: str, east_asia: str, style: str | None = None):
    run = para.add_run(text, style=style)
    set_run_font(run, east_asia)
    return run


def _cell_margins_zero(table) -> None:
    tblpr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tblpr.append(mar)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def _fixed_layout(table, widths_mm: list[float]) -> None:
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm):
            cell.width = Mm(width)
    for col, width in zip(table.columns, widths_mm):
        col.width = Mm(width)


def _red_header(doc) -> None:
    """发文机关标志: the issuers stacked (joint issue) on the left, "文件" centred on their right.

    GB/T 9704-2012 7.2.2 puts "文件" to the right of the joint issuers, centred over their height;
    a borderless table is the way Word users build exactly that. The issuers' size is computed per
    profile (``header_size``) so that the longest name fills, and never overflows, its column.
    """
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _cell_margins_zero(table)
    _fixed_layout(table, [ISSUER_COL_MM, TEXT_WIDTH_MM - ISSUER_COL_MM])
    left, right = table.rows[0].cells
    left.vertical_alignment = right.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    first = left.paragraphs[0]
    first.style = doc.styles["公文-版头"]
    _run(first, "{%p for issuer in issuers %}", FONT_XBS)
    _p(left, "{{r issuer }}", "公文-版头", FONT_XBS)
    _p(left, "{%p endfor %}", "公文-版头", FONT_XBS)
    word = right.paragraphs[0]
    word.style = doc.styles["公文-文件"]
    _run(word, "{{r file_word }}", FONT_XBS)


def _paragraphs(doc, loop: str) -> None:
    """Body paragraphs as the profile writes them: a 楷体 lead （一）… run into 仿宋 text, or a
    name list (plan.py breaks its lines between names and sets its hanging indent)."""
    _p(doc, "{%p for para in " + loop + " %}", "公文-正文")
    _p(doc, "{%p if para.roster %}", "公文-正文")
    _p(doc, "{{ para.text }}", "公文-名单")
    _p(doc, "{%p else %}", "公文-正文")
    para = doc.add_paragraph(style="公文-正文")
    _run(para, "{{ para.lead }}", FONT_KAI, style="公文-二级标题字")
    _run(para, "{{ para.text }}", FONT_FANGSONG)
    _p(doc, "{%p endif %}", "公文-正文")
    _p(doc, "{%p endfor %}", "公文-正文")


def _signature(doc) -> None:
    """落款 (one issuer a line, joint issue stacked) and 成文日期; plan.py sets their right indents
    after rendering (GB/T 9704-2012 7.3.5.2 relates them to the names' lengths)."""
    _p(doc, "{{ signature[0] }}", "公文-落款-首行")
    _p(doc, "{%p for name in signature[1:] %}", "公文-落款")
    _p(doc, "{{ name }}", "公文-落款")
    _p(doc, "{%p endfor %}", "公文-落款")
    _p(doc, "{{ date }}", "公文-成文日期")


def _annex_list(doc) -> None:
    """附件说明: ``附件：1.⇥标题`` then each further ``N.⇥标题`` on its own line, numbers under ``1.``."""
    _p(doc, "{%p if annexes %}", "公文-正文")
    _p(doc, "{{ annex_label }}：{{ annexes[0] }}", "公文-附件说明")
    _p(doc, "{%p for a in annexes[1:] %}", "公文-附件续")
    _p(doc, "{{ a }}", "公文-附件续")
    _p(doc, "{%p endfor %}", "公文-附件续")
    _p(doc, "{%p endif %}", "公文-正文")


def _leadership_annex(doc) -> None:
    """附件1 领导小组名单 where the profile asks for it (annexes.leadership_list), before the 版记."""
    _p(doc, "{%p if leadership_annex %}", "公文-正文")
    _p(doc, "{{ leadership_annex.label }}", "公文-附件标识", FONT_HEI)
    _p(doc, "{{ leadership_annex.title }}", "公文-标题", FONT_XBS)
    _p(doc, "{%p for g in leadership_annex.groups %}", "公文-正文")
    _p(doc, "{%p if g.heading %}", "公文-正文")
    _p(doc, "{{ g.heading }}", "公文-一级标题", FONT_HEI)
    _p(doc, "{%p endif %}", "公文-正文")
    _p(doc, "{%p for line in g.lines %}", "公文-正文")
    _p(doc, "{%p if line.hang == 8 %}", "公文-正文")
    _p(doc, "{{ line.text }}", "公文-名册8")
    _p(doc, "{%p elif line.hang == 4 %}", "公文-正文")
    _p(doc, "{{ line.text }}", "公文-名册4")
    _p(doc, "{%p else %}", "公文-正文")
    _p(doc, "{{ line.text }}", "公文-正文")
    _p(doc, "{%p endif %}", "公文-正文")
    _p(doc, "{%p endfor %}", "公文-正文")
    _p(doc, "{%p endfor %}", "公文-正文")
    _p(doc, "{%p endif %}", "公文-正文")


def _closing_block(doc) -> None:
    """版记: 主题词, 抄送 and the 印发 line between rules, floated to the foot of the last page.

    GB/T 9704-2012 puts the 版记 at the bottom of the last page, first and last rule 0.35 mm,
    rules between 0.25 mm. A floating table anchored to the bottom margin does that in Word,
    WPS and LibreOffice without guessing how much body text precedes it. When that foot is on an
    odd page, plan.py gives the table a section (and page) of its own without page numbers.
    """
    table = doc.add_table(rows=7, cols=1)
    tblpr = table._tbl.tblPr
    float_ = OxmlElement("w:tblpPr")
    # Anchored horizontally to the page at the left margin, not to the margin itself: LibreOffice
    # only keeps a table floating when text could flow beside it, and it measures that against
    # the page width for page-anchored tables (a margin-anchored table of full text width would
    # be laid out inline, right after the annex list).
    for k, v in (("leftFromText", "0"), ("rightFromText", "0"), ("topFromText", "0"),
                 ("bottomFromText", "0"), ("vertAnchor", "margin"), ("horzAnchor", "page"),
                 ("tblpX", str(round(28 / 25.4 * 1440))), ("tblpYSpec", "bottom")):
        float_.set(qn(f"w:{k}"), v)
    tblpr.insert(1, float_)  # after tblStyle, before the rest (CT_TblPr sequence)
    borders = OxmlElement("w:tblBorders")
    for edge, size in (("top", 8), ("left", 0), ("bottom", 8), ("right", 0), ("insideH", 6), ("insideV", 0)):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single" if size else "nil")
        if size:
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    tblpr.append(borders)
    _cell_margins_zero(table)
    _fixed_layout(table, [TEXT_WIDTH_MM])
    rows = [row.cells[0] for row in table.rows]
    tags = ["{%tr if subject_words %}", None, "{%tr endif %}", "{%tr if cc %}", None, "{%tr endif %}", None]
    for cell, tag in zip(rows, tags):
        para = cell.paragraphs[0]
        para.style = doc.styles["公文-版记"]
        if tag:
            _run(para, tag, FONT_FANGSONG)
    subject = rows[1].paragraphs[0]
    _run(subject, "主题词：", FONT_HEI, style="公文-黑体字")
    _run(subject, "{{ subject_words }}", FONT_FANGSONG)
    cc = rows[4].paragraphs[0]
    _run(cc, "抄送：{{ cc }}", FONT_FANGSONG)
    printed = rows[6].paragraphs[0]
    printed.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM) - Pt(SIZE["四号"]),
                                                    WD_TAB_ALIGNMENT.RIGHT)
    _run(printed, "{{ printer }}\t{{ print_date }}印发", FONT_FANGSONG)


def _page_numbers(doc, section) -> None:
    """"— 1 —" in 4号 宋体: odd pages right, even pages left, one character in from the edge."""
    doc.settings.odd_and_even_pages_header_footer = True
    # 7 mm from the text block to the number: footer distance = 35 mm - 7 mm - one 14 pt line.
    section.footer_distance = Mm(35 - 7) - Pt(SIZE["四号"] * 1.3)
    section.header_distance = Mm(15)
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        para = footer.paragraphs[0]
        para.style = doc.styles["公文-页码"]
        para.alignment = align
        setattr(para.paragraph_format, f"{side}_indent", Pt(SIZE["四号"]))
        for text, field in (("— ", False), ("PAGE", True), (" —", False)):
            run = para.add_run("" if field else text)
            set_run_font(run, FONT_SONG, SIZE["四号"])
            run._element.rPr.find(qn("w:rFonts")).set(qn("w:hint"), "eastAsia")
            if field:
                add_field(run, "PAGE")


def build(path: Path = TEMPLATE) -> Path:
    doc = Document()
    _styles(doc)
    section = doc.sections[0]
    set_page(section)
    _page_numbers(doc, section)
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):  # the default document's empty paragraph
        body.remove(p)

    _p(doc, "{%p if header %}", "公文-正文")
    _p(doc, "", "公文-版头上空")
    _red_header(doc)
    _p(doc, "{{ number }}", "公文-发文字号")
    _p(doc, "{{ notice_title }}", "公文-标题", FONT_XBS)
    _p(doc, "{{ addressees }}：", "公文-主送")
    _p(doc, "{{ notice_text }}", "公文-正文")
    _signature(doc)
    _p(doc, "{{ title }}", "公文-标题-另页", FONT_XBS)
    _p(doc, "{%p else %}", "公文-正文")
    _p(doc, "{{ title }}", "公文-标题", FONT_XBS)
    _p(doc, "{%p if addressees %}", "公文-正文")
    _p(doc, "{{ addressees }}：", "公文-主送")
    _p(doc, "{%p endif %}", "公文-正文")
    _p(doc, "{%p endif %}", "公文-正文")
    _p(doc, "{%p if preamble %}", "公文-正文")
    _p(doc, "{{ preamble }}", "公文-正文")
    _p(doc, "{%p endif %}", "公文-正文")

    _p(doc, "{%p for s in sections %}", "公文-正文")
    _p(doc, "{{ s.heading }}", "公文-一级标题", FONT_HEI)
    _paragraphs(doc, "s.body")
    _p(doc, "{%p endfor %}", "公文-正文")
    _paragraphs(doc, "closing_paras")

    _annex_list(doc)
    _p(doc, "{%p if not header %}", "公文-正文")
    _signature(doc)
    _p(doc, "{%p endif %}", "公文-正文")
    _leadership_annex(doc)
    _p(doc, "{%p if closing %}", "公文-正文")
    _closing_block(doc)
    _p(doc, "{%p endif %}", "公文-正文")
    # A document must end with a paragraph; this one also anchors the floating 版记.
    _p(doc, "", "公文-正文")
    finish(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build())
