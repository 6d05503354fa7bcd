"""The implementation plan (实施方案) as an official document after GB/T 9704-2012.

The look lives in ``templates/plan.docx`` (built by :mod:`pipeline.generate.plan_template`, or
replaced by an office's own copy in the workspace's ``templates/``); this module only turns the
profile into the template's context: the sections in order, Chinese numbering, dates written the
way the standard writes them, and the annex references 《标题》（附件N） inside the tasks.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from copy import deepcopy
from pathlib import Path

from docx.enum.section import WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docxtpl import DocxTemplate, RichText

from pipeline import forms
from pipeline.cnfmt import chinese_number, cn_date
from pipeline.errors import LianzhengError, MissingProgramError
from pipeline.generate.ooxml import FONT_XBS, SIZE, finish
from pipeline.profile import Profile
from pipeline.workspace import Workspace

TEMPLATE_NAME = "plan.docx"
BODY_PT = SIZE["三号"]
#: Width of the issuers' column of the red header (see plan_template.ISSUER_COL_MM), in points.
ISSUER_COL_PT = 124 / 25.4 * 72
#: The issuers' size never exceeds 小初 (36 pt): a short name should not shout.
ISSUER_MAX_PT = SIZE["小初"]
RED = "FF0000"

_PLACE = {"university": "学校", "college": "学校", "hospital": "医院", "education_bureau": "本系统"}


def _level_name(label: str) -> str:
    """三级 → 三级风险, A → A级风险, 高 → 高风险."""
    if label.endswith("级"):
        return label + "风险"
    if label.isascii():
        return label + "级风险"
    return label + "风险"


def _item(n: int, lead: str, text: str = "", lines: list[str] | None = None,
          roster: list[str] | None = None) -> dict:
    return {"lead": f"（{chinese_number(n)}）{lead}", "text": text, "lines": lines or [],
            "roster": roster or []}


def _split_lead(text: str) -> tuple[str, str]:
    """"高度重视，精心组织。各单位要…" → a short first sentence becomes the 楷体 lead."""
    head, sep, rest = text.partition("。")
    if sep and rest and len(head) <= 16:
        return head + sep, rest
    return "", text


def _people(people) -> str:
    return "、".join(f"{p.name}（{p.title}）" if p.title else p.name for p in people)


def _task_line(n: int, task, profile: Profile) -> str:
    text = task.name.rstrip("。；;，,")
    for form_id in task.forms:
        title = forms.get(form_id).title
        ref = f"（{profile.annexes.annex_label(form_id)}）" if form_id in profile.annexes.forms else ""
        if f"《{title}》" in text:
            text = text.replace(f"《{title}》", f"《{title}》{ref}", 1)
        else:
            text += f"，填报《{title}》{ref}"
    if task.description:
        text += "，" + task.description.rstrip("。")
    due = cn_date(task.due, with_year=task.due.year != profile.campaign.year)
    return f"{n}. {text}（{due}前完成）。"


def sections(profile: Profile) -> list[dict]:
    """The plan's level-1 sections in order, numbered 一、二、…; optional ones drop out."""
    p = profile
    out: list[tuple[str, list[str], list[dict]]] = []
    out.append(("指导思想", [p.texts.guiding_thought], []))
    out.append(("工作目标", [p.texts.goals], []))
    out.append(("实施范围", [p.scope], []))
    content = p.texts.content or (
        "紧密结合本单位实际，重点围绕权力运行的监督制约，针对容易产生不廉洁行为的薄弱环节，"
        "查找单位和个人可能发生的廉政风险点，制定并落实防控措施。")
    out.append(("主要内容", [content, f"廉政风险按类别分为{'、'.join(p.categories)}等{len(p.categories)}类，"
                                     "查找时逐类对照，不留空项。"], []))

    group_name = f"{p.institution.name}{p.campaign.name}领导小组"
    office = p.office
    office_text = f"领导小组下设办公室，办公室设在{office.location}"
    if p.annexes.leadership_list:  # the names are in 附件1, as the original 001 plan has them
        group_item = _item(1, "领导小组。", f"成立{group_name}（名单见{p.annexes.label}1），全面领导此项工作。")
        office_text += "。"
    else:
        group = p.leadership
        roster = [f"组　长：{_people(group.leaders)}"]
        if group.deputies:
            roster.append(f"副组长：{_people(group.deputies)}")
        if group.members:
            roster.append(f"成　员：{_people(group.members)}")
        group_item = _item(1, "领导小组。", f"成立{group_name}，全面领导此项工作。", roster=roster)
        office_text += (f"，由{office.director.name}"
                        f"{'（' + office.director.title + '）' if office.director.title else ''}任办公室主任")
        office_text += f"，成员：{_people(office.members)}。" if office.members else "。"
    office_text += "办公室负责廉政风险防控工作的组织协调、督促检查和材料汇总。"
    if office.phone:
        office_text += f"联系电话：{office.phone}。"
    out.append(("组织领导", [], [group_item, _item(2, "领导小组办公室。", office_text)]))

    steps = []
    for i, phase in enumerate(p.phases, start=1):
        dates = f"（{cn_date(phase.start)}—{cn_date(phase.end)}）"
        lines = [_task_line(j, t, p) for j, t in enumerate(phase.tasks, start=1)]
        steps.append(_item(i, f"{phase.name}{dates}。", phase.description, lines=lines))
    out.append(("方法步骤", [], steps))

    levels = p.levels
    high, low = levels.labels[0], levels.labels[-1]
    intro = (levels.order_note or "") + (
        f"本方案中{_level_name(high)}为最高等级、{_level_name(low)}为最低等级，各级定义由高到低如下："
        if levels.order_note else
        f"廉政风险等级由高到低依次分为{'、'.join(levels.labels)}，各级定义如下：")
    level_items = []
    for i, label in enumerate(levels.labels, start=1):
        mark = "（最高）" if label == high else "（最低）" if label == low else ""
        level_items.append(_item(i, f"{_level_name(label)}{mark}。", levels.definitions.get(label, "")))
    out.append(("风险等级", [intro], level_items))
    if levels.post_labels:  # seed 001 grades the post (A/B/C) as well as each risk point
        out.append(("岗位风险等级", [f"岗位风险等级由高到低分为{'、'.join(levels.post_labels)}。"
                                   f"{levels.post_rule or ''}"], []))

    if levels.supervision:
        supervision = [_item(i, f"{_level_name(label)}：", levels.supervision[label])
                       for i, label in enumerate((lb for lb in levels.labels if lb in levels.supervision),
                                                 start=1)]
        out.append(("分级监督", ["按风险等级实行分级监督，由高到低如下："], supervision))

    requirements = [_item(i, *_split_lead(text)) for i, text in enumerate(p.texts.requirements, start=1)]
    out.append(("工作要求", [], requirements))

    return [{"heading": f"{chinese_number(i)}、{name}", "paragraphs": paras, "items": items}
            for i, (name, paras, items) in enumerate(out, start=1)]


#: Characters of 2号 title per line: 156 mm of text width at 22 pt.
TITLE_CHARS = 20
#: Words a title line should not be broken inside (GB/T 9704-2012 7.3.1: 回行时词意完整).
_WORDS = ("关于", "印发", "廉政", "风险", "防控", "试点", "工作", "方案", "实施", "通知", "学院", "学校",
          "医院", "委员会", "管理", "机制", "建设", "教育", "体育", "系统", "岗位", "廉能", "防范", "领导",
          "小组", "名单")
_NO_LINE_START = "》）」』〕，、。；：！？的"
_NO_LINE_END = "《（「『〔"


def break_title(title: str, per_line: int = TITLE_CHARS) -> str:
    """Break a long title into balanced lines, upper lines no shorter (梯形), words kept whole.

    Word and LibreOffice would break at the last character that fits, which can split a word
    (“试点工 / 作方案”); the standard asks for meaningful, symmetric lines, so the breaks are
    chosen here and sent as line breaks.
    """
    if len(title) <= per_line:
        return title
    lines_needed = math.ceil(len(title) / per_line)
    target = math.ceil(len(title) / lines_needed)
    inside = set()
    for word in _WORDS:
        start = title.find(word)
        while start >= 0:
            inside.update(range(start + 1, start + len(word)))
            start = title.find(word, start + 1)

    def cost(i: int) -> float:
        c = abs(i - target) + (0.5 if i < target else 0)  # prefer the upper line longer
        if i in inside:
            c += 4
        if title[i] in _NO_LINE_START or title[i - 1] in _NO_LINE_END:
            c += 10
        if title[i] == "《" or title[i - 1] in "》、，":
            c -= 1
        return c

    candidates = range(max(1, target - 5), min(per_line, len(title) - 1) + 1)
    cut = min(candidates, key=cost)
    return title[:cut] + "\n" + break_title(title[cut:], per_line)


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
    return [{"text": (label if i == 0 else "　" * len(label)) + _pad(person.name)
             + (f"　{person.title}" if person.title else ""), "hang": 8}
            for i, person in enumerate(people)]


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
        "title": break_title(leadership_list_title(profile)),
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
    return head + [(annexes.annex_number(f), forms.get(f).title) for f in annexes.forms]


def context(profile: Profile) -> dict:
    """Everything the template shows, from the profile."""
    p, doc = profile, profile.document
    size = _issuer_size(doc.issuers)
    place = _PLACE.get(p.institution.kind, "本单位")
    return {
        "issuers": [_red(name, size) for name in doc.issuers],
        "file_word": _red("文件", size),
        "number": doc.number,
        "notice_title": break_title(doc.notice_title) if doc.notice_title else None,
        "addressees": doc.addressees,
        "notice_text": f"现将《{doc.title}》印发给你们，请认真贯彻执行。",
        "signature": doc.signature or doc.issuers,
        "date": cn_date(doc.issue_date),
        "title": break_title(doc.title),
        "preamble": (f"为扎实有序地开展{p.campaign.name}，使廉政风险做到事前预防、事中监督、事后控制，"
                     f"努力形成廉政风险防控长效机制，根据上级有关会议和文件精神，结合{place}实际，制定本方案。"),
        "sections": sections(p),
        "annex_label": p.annexes.label,
        "annexes": [f"{n}. {title}" for n, title in annex_list(p)],
        "leadership_annex": leadership_annex(p),
        "subject_words": "　".join(doc.subject_words),
        "cc": "，".join(doc.cc) + "。" if doc.cc else "",
        "printer": doc.printer or f"{p.institution.name}办公室",
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


def _closing_table(document):
    """The 版记 of the rendered plan: the last body table holding the 印发 line (None if an
    office's own template has none)."""
    tables = [t for t in document.element.body.iterchildren(qn("w:tbl")) if "印发" in "".join(t.itertext())]
    return tables[-1] if tables else None


def _closing_on_own_page(document, *, blank_before: bool) -> None:
    """Move the 版记 to a section of its own, starting on a new page, whose footers show no number.

    GB/T 9704-2012 puts the 版记 on the last, even page; when the body would leave it on an odd
    page it gets a page of its own (after a blank page when the body ends on an even page), and
    GB/T 9704-2012 7.5 numbers neither the 版记 page nor a blank page before it. A section with
    empty footers does that in Word, WPS and LibreOffice alike. The new footers keep the
    page-number paragraph's properties, so the page's body area, and with it the 版记's place at
    the foot, stay what they were.
    """
    table = _closing_table(document)
    if table is None:
        return
    section = document.sections[-1]
    numbered = {"default": section.footer, "even": section.even_page_footer}
    footer_ppr = {kind: deepcopy(f.paragraphs[0]._p.pPr) if f.paragraphs and f.paragraphs[0]._p.pPr is not None
                  else None for kind, f in numbered.items()}
    end = table.getprevious()
    if end is None or end.tag != qn("w:p"):
        end = OxmlElement("w:p")
        table.addprevious(end)
    end.get_or_add_pPr().append(deepcopy(section._sectPr))  # the numbered body section ends here
    for ref in section._sectPr.findall(qn("w:footerReference")):
        section._sectPr.remove(ref)
    section.start_type = WD_SECTION.NEW_PAGE
    for kind, footer in numbered.items():
        footer.is_linked_to_previous = False
        para = footer.paragraphs[0]._p
        if footer_ppr[kind] is not None:
            para.remove(para.get_or_add_pPr())
            para.insert(0, footer_ppr[kind])
    # LibreOffice drops a section break followed directly by a floating table, so the new section
    # opens with an empty paragraph. That paragraph's page is the blank one; the next paragraph
    # starts the 版记's page with "page break before" (LibreOffice 7.4 ignores a w:br page break
    # there).
    table.addprevious(OxmlElement("w:p"))
    if blank_before:
        breaker = OxmlElement("w:p")
        breaker.get_or_add_pPr().append(OxmlElement("w:pageBreakBefore"))
        table.addprevious(breaker)


def _atomic_save(tpl: DocxTemplate, target: Path) -> None:
    """Write beside the target and rename, so a failure never leaves half a document."""
    tmp = target.with_name(f".{target.stem}.tmp.docx")
    try:
        finish(tpl.docx)
        tpl.save(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


#: Where the 版记 goes: at the foot of the last body page, on a page of its own, or on a page
#: of its own after a blank one.
CLOSING_AT_FOOT, CLOSING_OWN_PAGE, CLOSING_AFTER_BLANK = 0, 1, 2


def render_docx(ws: Workspace, target: Path, *, closing: int = CLOSING_AT_FOOT) -> Path:
    """Render the plan's .docx to ``target`` from the workspace's (or the bundled) template.

    ``closing`` places the 版记 (see :data:`CLOSING_AT_FOOT` and its siblings); only a laid-out
    page tells which one lands it on an even page, see :func:`closing_for`.
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
    if closing != CLOSING_AT_FOOT:
        _closing_on_own_page(tpl.docx, blank_before=closing == CLOSING_AFTER_BLANK)
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


def convert_with_even_closing(jobs: Sequence[tuple[Workspace, Path]],
                              outdir: Path | None = None) -> dict[Path, Path]:
    """Convert rendered plans to PDF with the 版记 on an even last page; returns docx → PDF.

    ``jobs`` are plans :func:`render_docx` wrote with the 版记 at the foot. A first LibreOffice run
    lays them out; those whose 版记 lands on an odd page are rendered again with the 版记 on a
    page of its own (after a blank page if need be) and converted once more. Each step converts
    all plans in one LibreOffice run (the tests convert every bundled profile's plan at once).
    """
    from pipeline._exec import soffice

    produced = {Path(pdf).stem: Path(pdf) for pdf in soffice.convert([t for _, t in jobs], outdir)}
    again = []
    for ws, target in jobs:
        pdf = produced.get(target.stem)
        layout = closing_layout(pdf) if pdf else None
        closing = closing_for(*layout) if layout else CLOSING_AT_FOOT
        if closing != CLOSING_AT_FOOT:
            render_docx(ws, target, closing=closing)
            pdf.unlink()  # a failed second conversion must not leave the odd-page layout behind
            again.append(target)
    if again:
        produced.update({Path(pdf).stem: Path(pdf) for pdf in soffice.convert(again, outdir)})
    return {target: produced[target.stem] for _, target in jobs if target.stem in produced
            and produced[target.stem].exists()}


def generate_plan(ws: Workspace, *, pdf: bool) -> list[Path]:
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
    render_docx(ws, target)
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
    produced = convert_with_even_closing([(ws, target)])
    if target not in produced:
        raise LianzhengError(f"LibreOffice 未能把 {target.name} 转换为 PDF", path=target,
                             hint="用 Word 或 WPS 打开该文件另存为 PDF，或检查 LibreOffice 能否正常启动")
    return [target, produced[target]]
