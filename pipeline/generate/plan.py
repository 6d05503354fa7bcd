"""The implementation plan (实施方案) as an official document after GB/T 9704-2012.

The look lives in ``templates/plan.docx`` (built by :mod:`pipeline.generate.plan_template`, or
replaced by an office's own copy in the workspace's ``templates/``); this module only turns the
profile into the template's context: the sections in order, Chinese numbering, dates written the
way the standard writes them, and the annex references 《标题》（附件N） inside the tasks.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass, replace
from pathlib import Path

from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Twips
from docxtpl import DocxTemplate, RichText

from pipeline import atomic, forms
from pipeline.cnfmt import chinese_number, cn_date
from pipeline.errors import LianzhengError, MissingProgramError
from pipeline.generate.ooxml import FONT_XBS, SIZE, finish
from pipeline.generate.plan_template import ANNEX_NUMBER_CHARS, LINE_PT
from pipeline.generate.titles import break_title
from pipeline.profile import Profile
from pipeline.workspace import Workspace

TEMPLATE_NAME = "plan.docx"
BODY_PT = SIZE["三号"]
#: Width of the issuers' column of the red header (see plan_template.ISSUER_COL_MM), in points.
ISSUER_COL_PT = 124 / 25.4 * 72
#: The issuers' size never exceeds 小初 (36 pt): a short name should not shout.
ISSUER_MAX_PT = SIZE["小初"]
RED = "FF0000"
#: The 发文机关标志's line height, in ems of its size (see :func:`_fix_header_lines`).
HEADER_LINE_EM = 1.2

#: Characters of body text per line: 156 mm at 3号 with the template's 0.25 pt tightening.
LINE_CHARS = 28
#: A paragraph's first-line indent, in characters.
INDENT = 2
#: Characters of an annex title per line of the 附件说明: the line less 附件：, the number and the two
#: characters in, and one spare (full-width brackets and Word's and LibreOffice's rounding differ).
#: A longer title is broken into balanced lines between words (GB/T 9704-2012 7.3.4: wrapped under
#: its first character), never left with one character alone on its last line.
ANNEX_TITLE_CHARS = int(LINE_CHARS - 5 - ANNEX_NUMBER_CHARS) - 1
_LEVEL2 = re.compile(r"^（[一二三四五六七八九十]+）")


def _para(text: str) -> dict:
    """A body paragraph as written in the profile; a level-2 heading （一）… gets its 楷体 lead:
    the whole line when it is a heading alone, else its first sentence when short."""
    m = _LEVEL2.match(text)
    if not m:
        return {"lead": "", "text": text, "roster": False}
    head, sep, rest = text.partition("。")
    if sep and rest and len(head) <= 30:
        return {"lead": head + sep, "text": rest, "roster": False}
    if not sep and len(text) <= 48:
        return {"lead": text, "text": "", "roster": False}
    if sep and not rest and len(text) <= 48:
        return {"lead": text, "text": "", "roster": False}
    return {"lead": m.group(0), "text": text[m.end():], "roster": False}


def _fill_lines(label: str, pieces: list[str], hang: int, *, first: int = LINE_CHARS - INDENT,
                rest: int | None = None) -> str:
    """Lay ``label`` + ``pieces`` out in lines of ``first`` then ``rest`` characters, breaking only
    between pieces (a name, or a name with its 、), so no name or post is split across lines."""
    rest = first - hang if rest is None else rest
    lines, line, room = [], label, first
    for piece in pieces:
        if len(line) + len(piece) > room and line.strip():
            lines.append(line)
            line, room = "", rest
        line += piece
    lines.append(line)
    return "\n".join(lines)


def _roster(label: str, people, *, sep: str = "、") -> dict:
    names = [p.name for p in people]  # the label names the post; the seeds list names alone
    pieces = [n + (sep if i < len(names) - 1 else "") for i, n in enumerate(names)]
    return {"lead": "", "text": _fill_lines(label, pieces, len(label)), "roster": True,
            "hang": len(label), "indent": INDENT}


def _leadership_paras(p: Profile) -> list[dict]:
    g = p.leadership
    out = [_roster("组　长：", g.leaders)]
    if g.deputies:
        out.append(_roster("副组长：", g.deputies))
    if g.members:
        out.append(_roster("成　员：", g.members))
    return out


def _office_paras(p: Profile) -> list[dict]:
    out = [_roster("主　任：", [p.office.director])]
    if p.office.members:
        out.append(_roster("成　员：", p.office.members))
    return out


def _task_line(n: int, task, profile: Profile) -> str:
    text = task.name.rstrip("。；;，,")
    for form_id in task.forms:
        definition = forms.get(form_id)
        title = definition.printed_title(profile.institution.name)
        ref = f"（{profile.annexes.annex_label(form_id)}）" if form_id in profile.annexes.forms else ""
        named = next((t for t in (title, definition.title) if f"《{t}》" in text), None)  # as printed, or short
        if named is not None:
            text = text.replace(f"《{named}》", f"《{named}》{ref}", 1)
        else:
            text += f"，填报《{title}》{ref}"
    if task.description:
        text += "，" + task.description.rstrip("。")
    due = cn_date(task.due, with_year=task.due.year != profile.campaign.year)
    return f"{n}. {text}（{due}前完成）。"


def _phase_paras(p: Profile) -> list[dict]:
    out = []
    for i, phase in enumerate(p.phases, start=1):
        heading = phase.heading or f"{phase.name}（{cn_date(phase.start)}—{cn_date(phase.end)}）"
        out.append({"lead": f"（{chinese_number(i)}）{heading}", "text": "", "roster": False})
        if phase.body:
            out += [_para(t) for t in phase.body]
        else:
            if phase.description:
                out.append(_para(phase.description))
            out += [_para(_task_line(j, t, p)) for j, t in enumerate(phase.tasks, start=1)]
    return out


def _body(p: Profile, texts: list[str]) -> list[dict]:
    out: list[dict] = []
    for text in texts:
        if text == "{leadership}":
            out += _leadership_paras(p)
        elif text == "{office}":
            out += _office_paras(p)
        elif text == "{phases}":
            out += _phase_paras(p)
        else:
            out.append(_para(text))
    return out


def _fallback_sections(p: Profile) -> list[tuple[str, list[str]]]:
    """A profile without ``texts.sections``: the sections its other keys fill, nothing invented."""
    t = p.texts
    out = []
    for heading, text in (("指导思想", t.guiding_thought), ("工作目标", t.goals), ("实施范围", p.scope),
                          ("主要内容", t.content)):
        if text:
            out.append((heading, [text]))
    out.append(("组织领导", ["（一）领导小组", "{leadership}", "（二）领导小组办公室", "{office}"]))
    out.append(("方法步骤", ["{phases}"]))
    if t.requirements:
        out.append(("工作要求", [f"（{chinese_number(i)}）{r}" for i, r in enumerate(t.requirements, start=1)]))
    return out


def sections(profile: Profile) -> list[dict]:
    """The document's level-1 sections in order, numbered 一、二、…, each paragraph as the profile
    writes it (``texts.sections``)."""
    p = profile
    raw = [(s.heading, s.body) for s in p.texts.sections] or _fallback_sections(p)
    return [{"heading": f"{chinese_number(i)}、{heading}", "body": _body(p, body)}
            for i, (heading, body) in enumerate(raw, start=1)]


def _issuer_size(issuers: list[str]) -> float:
    """The largest half-point size at which the longest issuer fits its column."""
    longest = max(len(name) for name in issuers) + 0.5  # half a character of slack for rounding
    return min(ISSUER_MAX_PT, math.floor(2 * ISSUER_COL_PT / longest) / 2)


def _red(text: str, size: float) -> RichText:
    return RichText(text, color=RED, size=int(size * 2), font=f"eastAsia:{FONT_XBS}")


def _pad(name: str) -> str:
    """Two-character names take a full-width space between (林　浩), so name lists stay in columns."""
    return f"{name[0]}　{name[1]}" if len(name) == 2 else name


def _roster_lines(label: str, people) -> list[dict]:
    """One line per person (name, then title) under a 4-character label such as 组　长：; people
    without titles run on in one line of padded names. ``hang`` is the hanging indent in characters
    the template gives each kind (under the title, under the first name)."""
    if not people:
        return []
    if not any(person.title for person in people):
        return [{"text": label + "　".join(_pad(person.name) for person in people), "hang": 4}]
    out = []
    for i, person in enumerate(people):
        head = (label if i == 0 else "　" * len(label)) + _pad(person.name) + "　"
        posts = re.split(r"(?<=[、，])|\s+", person.title) if person.title else []
        out.append({"text": _fill_lines(head, [x for x in posts if x], 8, first=LINE_CHARS), "hang": 8})
    return out


def leadership_list_title(profile: Profile) -> str:
    return f"{profile.institution.name}{profile.campaign.name}领导小组名单"


def leadership_annex(profile: Profile) -> dict | None:
    """附件1 领导小组名单 (``annexes.leadership_list``): the group, then its office, on a page of its own."""
    if not profile.annexes.leadership_list:
        return None
    group, office = profile.leadership, profile.office
    office_lines = [{"text": f"办公室设在{office.location}。", "hang": 0},
                    *_roster_lines("主　任：", [office.director]), *_roster_lines("成　员：", office.members)]
    if office.phone:
        office_lines.append({"text": f"联系电话：{office.phone}", "hang": 0})
    return {
        "label": f"{profile.annexes.label}1",
        "title": break_title(leadership_list_title(profile), words=_names(profile)),
        "groups": [
            {"heading": "", "lines": [*_roster_lines("组　长：", group.leaders), *_roster_lines("副组长：", group.deputies),
                                      *_roster_lines("成　员：", group.members)]},
            {"heading": "领导小组办公室", "lines": office_lines},
        ],
    }


def annex_list(profile: Profile) -> list[tuple[int, str]]:
    """The plan's annexes as (number, title): the leadership list when generated, then the forms
    under the numbers :meth:`Annexes.annex_number` gives them everywhere else."""
    annexes = profile.annexes
    head = [(1, leadership_list_title(profile))] if annexes.leadership_list else []
    return head + [(annexes.annex_number(f), forms.get(f).printed_title(profile.institution.name)) for f in annexes.forms]


def _names(profile: Profile) -> tuple[str, ...]:
    return (profile.institution.name, profile.campaign.name)


def notice_text(profile: Profile) -> str:
    return profile.document.notice_text or f"现将《{profile.document.title}》印发给你们，请贯彻执行。"


def context(profile: Profile) -> dict:
    """Everything the template shows, from the profile."""
    p, doc = profile, profile.document
    size = _issuer_size(doc.issuers)
    issued = doc.kind == "issued_plan"
    return {
        "header": issued,
        "issuers": [_red(name, size) for name in doc.issuers],
        "file_word": _red("文件", size),
        "number": doc.number or "",
        "notice_title": break_title(doc.notice_title, words=_names(p)) if issued and doc.notice_title else None,
        "addressees": doc.addressees,
        "notice_text": notice_text(p),
        "signature": doc.signature or doc.issuers,
        "date": cn_date(doc.issue_date),
        "title": break_title(doc.title, words=_names(p)),
        "preamble": p.texts.preamble,
        "sections": sections(p),
        "closing_paras": [_para(t) for t in p.texts.closing],
        "annex_label": p.annexes.label,
        "annexes": [f"{n}.\t{break_title(title, ANNEX_TITLE_CHARS, words=_names(p))}" for n, title in annex_list(p)],
        "leadership_annex": leadership_annex(p),
        "closing": bool(doc.printer),
        "subject_words": "　".join(doc.subject_words),
        "cc": "，".join(doc.cc) + "。" if doc.cc else "",
        "printer": doc.printer or "",
        "print_date": cn_date(doc.print_date or doc.issue_date),
    }


def _width_chars(text: str) -> float:
    """Width in body characters: CJK and full-width count 1, Arabic digits and Latin a little
    over ½, plus the quarter-character gap Word and LibreOffice put between Chinese and Latin."""
    width = sum(0.55 if ch.isascii() else 1 for ch in text)
    return width + 0.25 * sum(a.isascii() != b.isascii() for a, b in zip(text, text[1:]))


def _place_signatures(document) -> None:
    """GB/T 9704-2012 7.3.5.2: the names 右空二字, the date starting two characters right of them.

    The offsets depend on the names' and the date's lengths, which only the rendered text knows,
    so the template leaves 落款 and 成文日期 right-aligned and this sets their right indents.
    """
    block: list = []
    for para in document.paragraphs:
        style = para.style.name if para.style is not None else ""
        if style.startswith("公文-落款"):
            block.append(para)
        elif style == "公文-成文日期" and block:
            names = [_width_chars(p.text) for p in block]
            width, date_w = max(names), _width_chars(para.text)
            date_right = max(2.0, width - date_w)
            name_right = date_right + date_w + 2 - width
            for p, w in zip(block, names):
                p.paragraph_format.right_indent = Pt(BODY_PT * (name_right + (width - w) / 2))
            para.paragraph_format.right_indent = Pt(BODY_PT * date_right)
            block = []


def _fix_header_lines(document, size: float) -> None:
    """Set the 发文机关标志's lines (the issuers and 文件) to an exact height of
    :data:`HEADER_LINE_EM` times their size.

    With single spacing a line is as tall as the font's ascent plus descent, which depends on the
    font that renders it: LibreOffice's stand-in for 方正小标宋 (Noto Serif CJK) makes a line 1.44 em,
    so a joint 版头 grew by some 15 pt and pushed the 印发通知's 落款 and 成文日期 (GB/T 9704-2012
    7.3.5: under the text, with it) onto a page of their own. An exact height is the same in Word,
    WPS and LibreOffice, and 1.2 em with the 版头上空 above puts the glyphs' upper edge 35 mm below
    the 版心 (7.2.3).
    """
    for para in (p for table in document.tables for cell in table._cells for p in cell.paragraphs):
        if para.style is not None and para.style.name in ("公文-版头", "公文-文件"):
            para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            para.paragraph_format.line_spacing = Pt(round(HEADER_LINE_EM * size * 2) / 2)


def _end_annex_note(document) -> None:
    """The 附件说明's last line does not keep with the next paragraph.

    Its lines keep with each other, so the note is never split (GB/T 9704-2012 7.3.4); but a
    keep on its last line chained it to the 落款 and 成文日期 that follow (kept together in turn),
    and a block of nine lines or so jumped whole to a new page, leaving the text's last page
    short where the note alone would have fitted. The 落款 still never leaves its date; where it
    cannot follow the note on the same page it would open the next one alone, which the laid-out
    pages tell: :func:`convert_with_even_closing` then tightens that page (7.3.5), or, where it
    cannot, sets this keep again so that the note goes over with the 落款 (:class:`SignatureFit`).
    """
    note = ("公文-附件说明", "公文-附件续")
    paras = document.paragraphs
    for para, after in zip(paras, [*paras[1:], None]):
        in_note = para.style is not None and para.style.name in note
        if in_note and (after is None or after.style is None or after.style.name != "公文-附件续"):
            para.paragraph_format.keep_with_next = False


@dataclass(frozen=True)
class SignatureFit:
    """How a 落款 that would open a page alone stays with the text (GB/T 9704-2012 7.3.5).

    ``block`` is the 落款's first paragraph (its index among the body paragraphs). From ``start``
    to the 成文日期 the lines and their spacing are set at ``scale`` times their pitch; or, with
    ``keep``, the paragraph before the 落款 (the 附件说明's last line, or the text's) keeps with
    it, so the note (never split) or the text's last lines go over to the 落款's page.
    """

    block: int
    start: int = -1
    scale: float = 1.0
    keep: bool = False


def _inherited(para, attr: str):
    """A paragraph format value as the paragraph or its style chain sets it (None if nowhere)."""
    value, style = getattr(para.paragraph_format, attr), para.style
    while value is None and style is not None:
        value, style = getattr(style.paragraph_format, attr), style.base_style
    return value


def _fit_signature(document, fit: SignatureFit) -> None:
    """Apply ``fit`` (see :class:`SignatureFit`): an exact pitch stays exact, only closer."""
    paras = document.paragraphs
    if fit.keep:
        paras[fit.block - 1].paragraph_format.keep_with_next = True
        return
    end = next((i for i in range(fit.block, len(paras))
                if paras[i].style is not None and paras[i].style.name == "公文-成文日期"), fit.block)
    for para in paras[fit.start:end + 1]:
        pf = para.paragraph_format
        line = _inherited(para, "line_spacing")
        if _inherited(para, "line_spacing_rule") == WD_LINE_SPACING.EXACTLY and line:
            pf.line_spacing = Twips(int(line.twips * fit.scale))
            pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        for attr in ("space_before", "space_after"):
            space = _inherited(para, attr)
            if space:
                setattr(pf, attr, Twips(int(space.twips * fit.scale)))


#: A run of Latin letters, digits and signs no line may break inside (an e-mail address, a URL),
#: long enough to leave the line before it visibly short.
UNBREAKABLE = re.compile(r"[!-~]{16,}")


def _unspread_addresses(document) -> None:
    """Left-align a justified paragraph that holds an unbreakable run (:data:`UNBREAKABLE`).

    Such a run goes whole to the next line, and justification spreads the line it left short
    over the full width (联 系 电 话 ： …); an address broken across lines is misread, so the run
    stays whole and the line keeps its natural spacing. The paragraph's other lines lose nothing
    visible: a full line of Chinese fills the 版心 at 28 characters either way.
    """
    for para in document.paragraphs:
        if UNBREAKABLE.search(para.text) and _inherited(para, "alignment") == WD_ALIGN_PARAGRAPH.JUSTIFY:
            para.alignment = WD_ALIGN_PARAGRAPH.LEFT


def _closing_table(document):
    """The 版记 of the rendered plan: the last body table holding the 印发 line (None if an
    office's own template has none)."""
    tables = [t for t in document.element.body.iterchildren(qn("w:tbl")) if "印发" in "".join(t.itertext())]
    return tables[-1] if tables else None


def _set_roster_indents(document, ctx: dict) -> None:
    """Name lists: the hanging indent under the label (组　长：…), the first line at the paragraph
    indent; the lines were broken between names by :func:`_fill_lines`."""
    rosters = [para for s in ctx["sections"] for para in s["body"] if para.get("roster")]
    paras = [p for p in document.paragraphs if p.style is not None and p.style.name == "公文-名单"]
    for para, spec in zip(paras, rosters):
        para.paragraph_format.left_indent = Pt(BODY_PT * (spec["indent"] + spec["hang"]))
        para.paragraph_format.first_line_indent = Pt(-BODY_PT * spec["hang"])


def _footers_off(section) -> None:
    """Give a section footers of its own, empty: no page number on its pages (GB/T 9704-2012 7.5:
    a blank page before the 版记, and the 版记 page after it, are not numbered). The new footers keep
    the page-number paragraph's properties, so the body area stays what it was."""
    for footer in (section.footer, section.even_page_footer):
        ppr = footer.paragraphs[0]._p.pPr if footer.paragraphs else None
        ppr = deepcopy(ppr) if ppr is not None else None
        footer.is_linked_to_previous = False
        para = footer.paragraphs[0]._p
        if ppr is not None:
            para.remove(para.get_or_add_pPr())
            para.insert(0, ppr)


def _break_before(table) -> None:
    """Start the 版记 on a new page: an empty paragraph with "page break before" in front of it
    (LibreOffice 7.4 ignores a w:br page break there)."""
    breaker = OxmlElement("w:p")
    breaker.get_or_add_pPr().append(OxmlElement("w:pageBreakBefore"))
    table.addprevious(breaker)


def _closing_on_own_page(document, *, blank_before: bool, own_section: bool = False) -> None:
    """Move the 版记 to a page of its own, after a blank page with ``blank_before``.

    GB/T 9704-2012 puts the 版记 on the last, even page. On a page of its own it carries that
    page's number (7.5); only after a blank page are the blank page and the 版记 page left
    unnumbered, which a section of their own with empty footers does in Word, WPS and LibreOffice
    alike. ``own_section``: the 版记 already opens the document's last section (after bound annexes).
    """
    table = _closing_table(document)
    if table is None:
        return
    section = document.sections[-1]
    if not blank_before:
        if not own_section:
            _break_before(table)
        return
    if not own_section:
        end = table.getprevious()
        if end is None or end.tag != qn("w:p"):
            end = OxmlElement("w:p")
            table.addprevious(end)
        end.get_or_add_pPr().append(deepcopy(section._sectPr))  # the numbered body section ends here
        for ref in section._sectPr.findall(qn("w:footerReference")):
            section._sectPr.remove(ref)
        section.start_type = WD_SECTION.NEW_PAGE
    else:  # the 版记's section shares the plan's footers: it needs empty ones of its own
        for ref in section._sectPr.findall(qn("w:footerReference")):
            section._sectPr.remove(ref)
    _footers_off(section)
    # LibreOffice drops a section break followed directly by a floating table, so the section
    # opens with an empty paragraph: that page is the blank one, the next paragraph starts the
    # 版记's page.
    table.addprevious(OxmlElement("w:p"))
    _break_before(table)


def _atomic_save(tpl: DocxTemplate, target: Path) -> None:
    """Write beside the target and rename, so a failure never leaves half a document."""
    with atomic.replacing(target) as tmp:
        finish(tpl.docx)
        tpl.save(tmp)


#: Where the 版记 goes: at the foot of the last body page, on a page of its own, or on a page
#: of its own after a blank one.
CLOSING_AT_FOOT, CLOSING_OWN_PAGE, CLOSING_AFTER_BLANK = 0, 1, 2


def _hygiene(document, profile: Profile) -> None:
    """Document properties are the office's: author the issuing office, dates the document's date
    (so the same profile gives the same file), no python-docx description; theme language zh-CN."""
    props = document.core_properties
    office = (profile.document.signature or profile.document.issuers)[-1]
    when = dt.datetime.combine(profile.document.issue_date, dt.time(9, 0))
    props.author = props.last_modified_by = office
    props.created = props.modified = when
    props.last_printed = when
    props.title = profile.document.title
    props.comments = props.description = ""  # python-docx's template says "generated by python-docx"
    props.subject = props.keywords = props.category = ""
    props.revision = 1
    settings = document.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is None:
        lang = OxmlElement("w:themeFontLang")
        settings.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def render_docx(ws: Workspace, target: Path, *, closing: int = CLOSING_AT_FOOT, annexes: bool = True,
                fit: SignatureFit | None = None) -> Path:
    """Render the plan's .docx to ``target`` from the workspace's (or the bundled) template.

    ``annexes`` binds every blank annex form after the text (GB/T 9704-2012 7.3.7: on new pages,
    before the 版记), each in its own orientation. ``closing`` places the 版记 (see
    :data:`CLOSING_AT_FOOT` and its siblings); only a laid-out page tells which one lands it on an
    even page, see :func:`closing_for`. ``fit`` keeps a 落款 that the laid-out pages show alone
    with the text (see :func:`signature_fit`).
    """
    template = ws.template(TEMPLATE_NAME)
    if not template.is_file():
        raise LianzhengError("找不到实施方案模板 plan.docx", path=template,
                             hint="重新安装 lianzheng，或运行 python -m pipeline.generate.plan_template 重建模板")
    ctx = context(ws.profile)
    tpl = DocxTemplate(template)
    try:
        tpl.render(ctx, autoescape=True)
    except Exception as e:  # jinja raises many kinds when an office edits the tags by hand
        raise LianzhengError(f"实施方案模板中的标记有误（{type(e).__name__}：{e}）", path=template,
                             hint="检查模板中 {{ }} 和 {%p %} 标记是否成对、是否被 Word 拆开；或删除工作区的 templates/plan.docx 改用自带模板") from None
    _place_signatures(tpl.docx)
    _end_annex_note(tpl.docx)
    _unspread_addresses(tpl.docx)
    if fit is not None:
        _fit_signature(tpl.docx, fit)
    if ctx["header"]:
        _fix_header_lines(tpl.docx, _issuer_size(ws.profile.document.issuers))
    _set_roster_indents(tpl.docx, ctx)
    bound = False
    if annexes and ws.profile.annexes.forms:
        from pipeline.generate.plan_annexes import bind_annexes

        bound = bind_annexes(ws, tpl.docx, before=_closing_table(tpl.docx))
    if closing != CLOSING_AT_FOOT or bound:
        _closing_on_own_page(tpl.docx, blank_before=closing == CLOSING_AFTER_BLANK, own_section=bound)
    _hygiene(tpl.docx, ws.profile)
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_save(tpl, target)
    return target


def closing_layout(pdf_path: Path) -> tuple[int, int, int] | None:
    """(pages, page of the 印发 line, last page with body text) of a plan rendered with the 版记
    at the foot; None when no 印发 line is found (an office's own template without one)."""
    import pdfplumber

    with pdfplumber.open(pdf_path) as pdf:
        pages = len(pdf.pages)
        for page in reversed(pdf.pages):
            lines = page.extract_text_lines()
            printed = [ln for ln in lines if ln["text"].rstrip().endswith("印发")]
            if not printed:
                continue
            # the 版记 starts at its first line (主题词, 抄送 or 印发); anything above is body text
            start = min(ln["top"] for ln in lines if ln["top"] <= printed[-1]["top"]
                        and (ln["text"].startswith(("主题词", "抄送")) or ln is printed[-1]))
            body_here = any(ln["bottom"] < start for ln in lines)
            return pages, page.page_number, page.page_number if body_here else page.page_number - 1
    return None


def closing_for(pages: int, closing_page: int, body_end: int) -> int:
    """Which placement puts the 版记 on the last page and that page even (GB/T 9704-2012 7.5).

    At the foot only when it shares an even last page with the body: a 版记 pushed onto a page of
    its own would carry that page's number there.
    """
    if closing_page == pages == body_end and pages % 2 == 0:
        return CLOSING_AT_FOOT
    return CLOSING_OWN_PAGE if body_end % 2 else CLOSING_AFTER_BLANK


#: The closest pitch 7.3.5 lets the text's last page take to keep the 落款 with it, as a fraction
#: of the normal one: closer and the page reads cramped, so the 附件说明 goes over with the 落款.
MIN_PITCH_SCALE = 0.85
#: Room a tightened page keeps spare, in points, for LibreOffice's and Word's rounding.
FIT_SLACK_PT = 2.0
_MM = 72 / 25.4


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def signature_block(profile: Profile) -> list[str]:
    """The lines of the 落款 and 成文日期 as printed."""
    doc = profile.document
    return [*(doc.signature or doc.issuers), cn_date(doc.issue_date)]


def lone_signature(pdf_path: Path, block: Sequence[str]) -> tuple[str, float, float] | None:
    """Where a page's body holds nothing but the 落款 and 成文日期 (``block``'s lines): the page
    before's body text, the height it uses from the 版心's top edge to its last line's foot, and the
    版心's height (all in points); None when every 落款 shares its page with text."""
    import pdfplumber

    wanted = {_squeeze(line) for line in block}
    with pdfplumber.open(pdf_path) as pdf:
        before: list[dict] = []
        for page in pdf.pages:
            top, foot = 37 * _MM, page.height - 35 * _MM
            lines = [ln for ln in page.extract_text_lines() if ln["bottom"] <= foot + 1]  # not the page number
            if before and lines and {_squeeze(ln["text"]) for ln in lines} <= wanted:
                last = before[-1]
                used = (last["top"] + last["bottom"]) / 2 + LINE_PT / 2 - top
                return "".join(_squeeze(ln["text"]) for ln in before), used, foot - top
            before = lines
    return None


def signature_fit(docx_path: Path, before_text: str, used: float, box: float) -> SignatureFit | None:
    """How to bring a lone 落款 back to the page before (GB/T 9704-2012 7.3.5: where the space left
    cannot hold the 落款 and 成文日期, line spacing is adjusted so that they stay with the text).

    The paragraphs on that page are the last ones before a 落款 whose text holds the page's (the
    first of them holds its first line). Their pitch shrinks so that they and the block (a blank
    line, the names, the date, at the same pitch) fill the 版心; below :data:`MIN_PITCH_SCALE`
    the paragraph before the 落款 keeps with it instead.
    """
    from docx import Document

    paras = Document(docx_path).paragraphs
    blocks = [i for i, p in enumerate(paras) if p.style is not None and p.style.name == "公文-落款-首行"]
    for b in blocks:
        names = next((i for i in range(b, len(paras)) if paras[i].style.name == "公文-成文日期"), b) - b
        height = (names + 2) * LINE_PT
        joined = ""
        for k in range(b - 1, -1, -1):
            joined = _squeeze(paras[k].text) + joined
            if before_text in joined:
                scale = (box - FIT_SLACK_PT) / (used + height)
                if MIN_PITCH_SCALE <= scale < 1:
                    return SignatureFit(block=b, start=k, scale=scale)
                return SignatureFit(block=b, keep=True)
    return SignatureFit(block=blocks[-1], keep=True) if blocks else None


@dataclass
class _Job:
    ws: Workspace
    target: Path
    annexes: bool
    closing: int
    fit: SignatureFit | None = None
    closing_checked: bool = False

    def render(self) -> None:
        render_docx(self.ws, self.target, closing=self.closing, annexes=self.annexes, fit=self.fit)

    def settle(self, pdf: Path) -> bool:
        """Read the laid-out ``pdf``; True when the plan was rendered again and needs converting.

        First the 落款 is kept with the text (tightened, or, if that was not enough, with the
        附件说明 going over); then, on that final text layout, the 版记 goes to an even page.
        """
        if self.fit is None or not self.fit.keep:
            alone = lone_signature(pdf, signature_block(self.ws.profile))
            if alone is not None:
                fit = signature_fit(self.target, *alone)
                if fit is not None and fit != self.fit:
                    self.fit = fit if self.fit is None else replace(fit, start=-1, scale=1.0, keep=True)
                    return True
        if not self.closing_checked:
            self.closing_checked = True
            layout = closing_layout(pdf)
            closing = closing_for(*layout) if layout else self.closing
            if closing != self.closing:
                self.closing = closing
                return True
        return False


def convert_with_even_closing(jobs: Sequence[tuple], outdir: Path | None = None) -> dict[Path, Path]:
    """Convert rendered plans to PDF, the 落款 with the text and the 版记 on an even last page;
    returns docx → PDF.

    ``jobs`` are ``(workspace, docx)`` or ``(workspace, docx, annexes)``: plans :func:`render_docx`
    wrote with the 版记 in its first place (at the foot of the text, or on a page of its own after
    bound annexes). LibreOffice lays them out; a plan whose 落款 and 成文日期 open a page alone is
    rendered again with its last text page closer (:func:`signature_fit`), then one whose 版记 lands
    on an odd page on a page of its own (after a blank page if need be), each time converted once
    more. Each round converts all the plans it concerns in one LibreOffice run.
    """
    from pipeline._exec import soffice

    pending = []
    for job in jobs:
        annexes = job[2] if len(job) > 2 else True
        bound = annexes and bool(job[0].profile.annexes.forms)
        pending.append(_Job(job[0], job[1], annexes, CLOSING_OWN_PAGE if bound else CLOSING_AT_FOOT))
    targets = [job.target for job in pending]
    produced: dict[str, Path] = {}
    while pending:
        produced.update({Path(pdf).stem: Path(pdf) for pdf in soffice.convert([j.target for j in pending], outdir)})
        again = []
        for job in pending:
            pdf = produced.get(job.target.stem)
            if pdf is not None and job.settle(pdf):
                job.render()
                pdf.unlink()  # a failed conversion must not leave the superseded layout behind
                again.append(job)
        pending = again
    return {target: produced[target.stem] for target in targets if target.stem in produced
            and produced[target.stem].exists()}


def generate_plan(ws: Workspace, *, pdf: bool, separate: bool = False) -> list[Path]:
    """Write ``outbox/plan/<机构简称>-实施方案.docx`` and, with ``pdf``, the PDF beside it.

    With ``pdf`` the 版记 lands on an even last page (see :func:`convert_with_even_closing`): LibreOffice's
    layout tells which page the body ends on. Without ``pdf`` nothing lays the pages out, so the
    版记 stays at the foot of the last body page, which may be odd; Word's page count can also
    differ from LibreOffice's when the official fonts are installed, so the PDF is the reference.
    Without LibreOffice the .docx is still written; then :class:`MissingProgramError` says so
    and how to go on, so the user keeps the Word file and learns why there is no PDF.
    """
    profile = ws.profile  # load (and validate) before anything is written
    target = ws.outbox / "plan" / f"{profile.institution.short_name}-实施方案.docx"
    render_docx(ws, target, annexes=not separate)
    if not pdf:
        return [target]
    from pipeline._exec import soffice

    if soffice.find() is None:
        raise MissingProgramError(
            f"已生成 Word 文件 {target}，但没有找到 LibreOffice（soffice），未生成 PDF",
            hint="安装 LibreOffice（Debian/Ubuntu：apt-get install libreoffice-writer）后重新运行，"
                 "或加 --no-pdf 只生成 Word 文件")
    stale = target.with_suffix(".pdf")
    stale.unlink(missing_ok=True)  # so a failed conversion cannot pass off last run's PDF as new
    produced = convert_with_even_closing([(ws, target, not separate)])
    if target not in produced:
        raise LianzhengError(f"LibreOffice 未能把 {target.name} 转换为 PDF", path=target,
                             hint="用 Word 或 WPS 打开该文件另存为 PDF，或检查 LibreOffice 能否正常启动")
    return [target, produced[target]]
