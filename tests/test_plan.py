"""The implementation plan: its text from the profile, and its GB/T 9704-2012 page read back from the PDF.

Every bundled profile's plan is rendered once and all are converted in one LibreOffice run
(module-scoped fixture); the geometry is measured on the PDF with pdfplumber, so the tests check
what a reader sees, not what the .docx merely asks for.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pdfplumber
import pytest
from docx import Document
from docx.oxml.ns import qn

from pipeline import forms
from pipeline._exec import soffice
from pipeline.errors import MissingProgramError, ProfileError
from pipeline.cnfmt import chinese_number, cn_date
from pipeline.generate.plan import (
    CLOSING_AFTER_BLANK, CLOSING_AT_FOOT, CLOSING_OWN_PAGE, break_title, closing_for,
    convert_with_even_closing, generate_plan, leadership_list_title, render_docx, signature_block,
)
from tests.conftest import bundled_profiles, make_workspace, needs_soffice

PROFILES = bundled_profiles()
MM = 72 / 25.4
PITCH_PT = 28.95
PUNCTUATION = set("，。、；：！？）》」』〕”’.,;:")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> dict:
    """name → (workspace, docx, pdf or None); LibreOffice converts every plan at once (twice if a
    版记 has to move to an even page), as generate_plan does for one."""
    root = tmp_path_factory.mktemp("plans")
    out = {}
    for name in PROFILES:
        ws = make_workspace(root, name)
        [docx] = generate_plan(ws, pdf=False)
        out[name] = [ws, docx, None]
    if soffice.find() is not None:
        produced = convert_with_even_closing([(v[0], v[1]) for v in out.values()], root / "pdf")
        for entry in out.values():
            entry[2] = produced.get(entry[1])
    return out


def _docx_text(path: Path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return _squeeze("".join(parts))


def _pdf_body_text(path: Path) -> str:
    """Text of every page without the page numbers (they would cut a date running over a page)."""
    with pdfplumber.open(path) as pdf:
        return _squeeze("".join(
            page.within_bbox((0, 0, page.width, page.height - 30 * MM)).extract_text() or ""
            for page in pdf.pages))


#: Text every bundled document must carry, from its seed: the basis documents it cites (with
#: their numbers) and its own section headings, as the seed words them.
SEED_ANCHORS = {
    "000-ccmc": ["吉林省纪委、教育厅、监察厅《关于加强和改进全省高等学校反腐倡廉建设若干问题的意见》",
                 "二、风险岗位廉能管理的对象、内涵及主要内容", "（一）对象与内涵", "三、组织领导",
                 "（二）查找并评估风险等级阶段（2016年7月12日——2016年10月20日）", "1、理清岗位权限（9月10日前完成）",
                 "五、工作要求", "组　长：张湘富", "主　任：周毅刚"],
    "001-zcjt": ["中央《建立健全惩治和预防腐败体系2008—2012年工作规划》",
                 "区纪委、区监察局《全区岗位廉政风险防范管理工作实施方案》", "二、基本目标", "四、实施步骤",
                 "（二）风险排查阶段（5月初—6月初）", "（3）查找方法。一是顺推法。", "五、几点要求", "三是注重活动实效。"],
    "002-qztc": ["根据中央和省市有关会议和文件精神", "第十七届中央纪委五次全会精神", "二、试点范围", "三、目标任务",
                 "（四）加强廉情监控。", "“五步法”", "（领导小组办公室挂靠纪委办）", "六、工作要求"],
    "003-gzwy": ["《赣州市卫生局开展风险岗位廉能管理工作实施方案》（赣市卫〔2022〕23号）", "三、组织领导",
                 "（四）强化评估考核，提升工作成果（7月6日—7月15日）", "4.制订风险点管理措施的基本程序。",
                 "“风险岗位黄牌警告”", "《关于实行党政领导干部问责的暂行规定》", "组　长：刘春文"],
    "004-hfzy": ["关于做好清权确权、风险查找等工作的通知", "根据学院廉政风险防控工作实施方案", "一、继续深化学习",
                 "二、切实推进工作", "一是开展清权确权。", "“外部流程图”和“内部流程图”", "三、抓好责任落实",
                 "（11月15日前）", "2363943", "廉政风险防控工作领导小组办公室"],
}
#: Words and the date they entered official use: a document dated before cannot name them.
ANACHRONISMS = {
    "习近平新时代中国特色社会主义思想": "2017-10-18",
    "不敢腐、不能腐、不想腐": "2014-01-14",
    "不敢腐不能腐不想腐": "2014-01-14",
    "全面从严治党": "2014-12-14",
    "四个意识": "2016-01-29",
    "两个维护": "2018-01-01",
    "科学发展观": "2003-10-14",
    "三个代表": "2000-02-25",
}


def anachronisms(text: str, date) -> list[str]:
    import datetime as _dt

    return [w for w, since in ANACHRONISMS.items() if w in text and date < _dt.date.fromisoformat(since)]


def _expected(ws) -> dict[str, list[str]]:
    p = ws.profile
    kind = p.document.kind
    return {
        "frame": [p.document.title, *((p.document.number, *p.document.issuers) if kind == "issued_plan" else ()),
                  *(p.document.signature or p.document.issuers)],
        "sections": [s.heading for s in p.texts.sections],
        "phases": [ph.heading for ph in p.phases if ph.heading and any("{phases}" in s.body for s in p.texts.sections)],
        "annexes": [forms.get(f).title for f in p.annexes.forms]
                   + ([leadership_list_title(p)] if p.annexes.leadership_list else []),
        "anchors": SEED_ANCHORS.get(ws.root.name, []),
    }


def _check_text(text: str, ws) -> None:
    for group, strings in _expected(ws).items():
        missing = [s for s in strings if _squeeze(s) not in text]
        assert not missing, f"{group} missing: {missing}"


@pytest.mark.parametrize("name", PROFILES)
def test_docx_text_comes_from_the_profile(plans, name):
    ws, docx, _ = plans[name]
    assert docx.name == f"{ws.profile.institution.short_name}-实施方案.docx"
    assert docx.parent == ws.outbox / "plan"
    text = _docx_text(docx)
    _check_text(text, ws)
    p = ws.profile
    assert _squeeze(break_title(p.document.title)) in text
    assert ("主题词" in text) == bool(p.document.subject_words), "主题词 only where the profile asks for it"
    for word in p.document.subject_words:
        assert word in text
    for cc in p.document.cc:
        assert cc in text
    # every paragraph of the profile's text is in the document, word for word
    for section in p.texts.sections:
        for para in section.body:
            if para not in ("{leadership}", "{office}", "{phases}"):
                assert _squeeze(para) in text, para[:30]
    assert not anachronisms(text, p.document.issue_date)


def test_no_default_text_and_no_anachronism():
    """No text has a default (another campaign's words); the plan of a 2012 profile whose own texts
    are empty names nothing 2012 did not know."""
    from pipeline.profile import Texts

    texts = Texts()
    assert not texts.preamble and not texts.sections and not texts.guiding_thought and not texts.requirements
    assert anachronisms("坚持以习近平新时代中国特色社会主义思想为指导", __import__("datetime").date(2012, 5, 1))


def test_a_profile_without_sections_gets_only_its_own_words(tmp_path):
    ws = make_workspace(tmp_path, "002-qztc")
    text = ws.profile_path.read_text(encoding="utf-8")
    cut = text.index("\n[texts]\n")
    end = text.index("\n[archive]") if "\n[archive]" in text else len(text)
    ws.profile_path.write_text(text[:cut] + "\n[texts]\ngoals = \"本校的目标。\"\n" + text[end:], encoding="utf-8")
    docx = render_docx(ws, tmp_path / "fallback.docx", annexes=False)
    body = _docx_text(docx)
    assert "本校的目标。" in body and "方法步骤" in body
    for phase in ws.profile.phases:
        assert _squeeze(phase.name) in body
    assert not anachronisms(body, ws.profile.document.issue_date)
    assert "习近平" not in body and "不想腐" not in body


@pytest.mark.parametrize("name", PROFILES)
def test_word_hygiene(plans, name):
    ws, docx, _ = plans[name]
    doc = Document(docx)
    props = doc.core_properties
    p = ws.profile
    assert props.author in (*p.document.issuers, *p.document.signature)
    assert props.last_modified_by == props.author
    assert props.created.date() == p.document.issue_date == props.modified.date()
    assert "python-docx" not in (props.comments or "") + (props.subject or "") + (props.keywords or "")
    lang = doc.settings.element.find(qn("w:themeFontLang"))
    assert lang is not None and lang.get(qn("w:eastAsia")) == "zh-CN"


@pytest.mark.parametrize("name", PROFILES)
def test_every_run_names_its_east_asian_font(plans, name):
    doc = Document(plans[name][1])
    parts = [doc.element.body] + [s.footer._element for s in doc.sections] + \
            [s.even_page_footer._element for s in doc.sections]
    runs = [r for part in parts for r in part.iter(qn("w:r"))
            if "".join(t.text or "" for t in r.iter(qn("w:t"))).strip()]
    assert runs
    bare = [r for r in runs if r.find(qn("w:rPr")) is None or r.find(qn("w:rPr")).find(qn("w:rFonts")) is None
            or r.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia")) is None]
    # the bound annex forms name their fonts through their own styles
    plan_runs = [r for r in bare if not any(a.tag == qn("w:tbl") for a in r.iterancestors())]
    assert not plan_runs, f"{len(plan_runs)} runs without w:eastAsia, e.g. {''.join(plan_runs[0].itertext())!r}"


def test_seed_002_is_a_plan_issued_under_a_notice(plans):
    text = _docx_text(plans["002-qztc"][1])
    # the 印发 notice comes first, then the plan itself
    assert text.index("关于印发") < text.index("现将") < text.index("请贯彻执行") < text.index("一、指导思想")
    for name in PROFILES:
        kind = plans[name][0].profile.document.kind
        assert (kind == "issued_plan") == (name == "002-qztc")


@needs_soffice
def test_notice_signature_and_date_stay_with_the_notice_text(plans):
    """The 印发通知's 落款 and 成文日期 follow its text on the first page (GB/T 9704-2012 7.3.5): the
    版头's lines are as tall in LibreOffice as in Word, not as tall as the substitute font's ascent
    and descent, which left the notice a line short."""
    ws, _, pdf_path = plans["002-qztc"]
    doc = ws.profile.document
    assert doc.kind == "issued_plan"
    with pdfplumber.open(pdf_path) as pdf:
        first = _squeeze(pdf.pages[0].extract_text())
    assert first.index("请贯彻执行") < first.rindex(_squeeze((doc.signature or doc.issuers)[-1]))
    assert _squeeze(cn_date(doc.issue_date)) in first, "成文日期 not on the notice's page"


def test_seed_001_annexes_the_leadership_list_before_its_three_forms(plans):
    """The original 001 plan: 附件1 the leadership group's name list, 附件2–4 the forms."""
    ws, docx, _ = plans["001-zcjt"]
    doc = Document(docx)
    paras = [p.text for p in doc.paragraphs]
    start = next(i for i, t in enumerate(paras) if t.startswith("附件："))
    titles = [forms.get(f).title for f in ws.profile.annexes.forms]
    listed = paras[start:start + 4]
    assert [_squeeze(t) for t in listed] == [
        "附件：1.淄川区教体系统廉政风险防范管理工作领导小组名单", *(_squeeze(f"{n}.{t}") for n, t in enumerate(titles, start=2))]
    assert all(t.split("\t")[0][-1] == "." for t in listed)  # each title after its number's tab stop
    # the annex itself: a page of its own, 附件1 then the title, every member and the office
    mark = next(p for p in doc.paragraphs if p.text == "附件1")
    assert mark.style.name == "公文-附件标识" and mark.style.paragraph_format.page_break_before
    annex = _squeeze("".join(paras[paras.index("附件1"):]))
    assert annex.startswith("附件1淄川区教体系统廉政风险防范管理工作领导小组名单组长：牛少健区教体局局长、党委副书记")
    p = ws.profile
    for person in [*p.leadership.leaders, *p.leadership.deputies, *p.leadership.members,
                   p.office.director, *p.office.members]:
        assert person.name in annex and person.title.replace("，", "") in annex.replace("，", "")
    assert "林　浩" in "".join(paras), "two-character names are padded to keep the columns"
    for name in PROFILES:
        if name != "001-zcjt":
            assert not plans[name][0].profile.annexes.leadership_list


def test_name_lists_break_between_names_and_posts():
    from pipeline.generate.plan import _fill_lines

    names = [f"{n}、" for n in ("胡静涛", "王晓丹", "王迪新", "李桂波", "张旭", "靳丹虹", "杨鑫", "于海涛", "马龙", "王才")]
    text = _fill_lines("成　员：", names, 4)
    lines = text.split("\n")
    assert len(lines) > 1 and "".join(lines) == "成　员：" + "".join(names)
    assert all(len(line) <= 26 for line in lines)
    assert all(line.endswith("、") or line == lines[-1] for line in lines), "a line ends after a whole name"


@needs_soffice
def test_seed_001_leadership_annex_page_in_the_pdf(plans):
    with pdfplumber.open(plans["001-zcjt"][2]) as pdf:
        starts = [page for page in pdf.pages if _squeeze(page.extract_text() or "").startswith("附件1")]
        assert len(starts) == 1, "the leadership list starts a page of its own"
        page = starts[0]
        mark = page.extract_text_lines()[0]
        assert abs(mark["x0"] - 28 * MM) < MM, "附件1 flush left"
        title = page.extract_text_lines()[1]
        assert abs((title["x0"] + title["x1"]) / 2 - (28 + 78) * MM) < 2 * MM, "title centred"
        assert {round(c["size"]) for c in title["chars"]} == {22}
        names = _squeeze("".join((pg.extract_text() or "") for pg in pdf.pages[page.page_number - 1:]))
        assert "组长：牛少健" in names and "成员：杨德标李强法永陈光智姜超" in names


@needs_soffice
@pytest.mark.parametrize("name", PROFILES)
def test_pdf_text(plans, name):
    ws, _, pdf = plans[name]
    assert pdf is not None and pdf.stat().st_size > 10_000, "LibreOffice did not convert the plan"
    _check_text(_pdf_body_text(pdf), ws)


def _body_lines(page, size: float = 16):
    """Text lines set in body size (3号), each as its list of chars."""
    chars = [c for c in page.chars if c["text"].strip() and abs(c["size"] - size) < 0.3]
    rows: dict[int, list] = {}
    for c in chars:
        rows.setdefault(round(c["top"]), []).append(c)
    return [sorted(r, key=lambda c: c["x0"]) for _, r in sorted(rows.items())]


_FORM_MARK = re.compile(r"^(附件|附表)\d+$")


def _text_end(pdf) -> int:
    """Number of pages before the bound annex forms (or the 版记 page, or the end)."""
    for page in pdf.pages:
        lines = page.extract_text_lines()
        if page.width > page.height or (lines and _FORM_MARK.match(_squeeze(lines[0]["text"]))
                                        and page.page_number > 1):
            return page.page_number - 1
    return len(pdf.pages)


@needs_soffice
@pytest.mark.parametrize("name", PROFILES)
def test_pdf_geometry(plans, name):
    """A4, margins 37/35/28/26 mm within 1 mm, 3号 body on 22 lines, 2号 title, page numbers
    outside, 7 mm below the 版心 (GB/T 9704-2012 7.5)."""
    ws, _, pdf_path = plans[name]
    with pdfplumber.open(pdf_path) as pdf:
        pages = pdf.pages
        text_pages = pages[:_text_end(pdf)]
        assert len(text_pages) >= 3
        for page in text_pages:
            assert abs(page.width - 210 * MM) < MM and abs(page.height - 297 * MM) < MM

        # Chinese must come out in a CJK font (the substitute for 仿宋_GB2312 etc.), never as tofu
        # in a Latin fallback such as DejaVu or Liberation.
        latin_only = {c["fontname"] for page in pages for c in page.chars
                      if "\u4e00" <= c["text"] <= "\u9fff" and re.search("DejaVu|Liberation", c["fontname"])}
        assert not latin_only, latin_only
        sizes = Counter(round(c["size"], 1) for page in text_pages for c in page.chars if c["text"].strip())
        assert sizes.most_common(1)[0][0] == 16.0, sizes
        title = ws.profile.document.title
        title_sizes = {round(c["size"], 1) for page in text_pages for c in page.chars if c["text"] == title[0]}
        assert 22.0 in title_sizes

        lines = [(page, line) for page in text_pages[1:] for line in _body_lines(page)]
        left = min(line[0]["x0"] for _, line in lines)
        assert abs(left - 28 * MM) < MM, f"left margin {left / MM:.2f} mm"
        # Justified full lines end at the right margin; a closing punctuation mark may hang past it.
        rights = [page.width - line[-1]["x1"] for page, line in lines
                  if len(line) >= 24 and line[-1]["text"] not in PUNCTUATION]
        right = statistics.median(rights)
        assert abs(right - 26 * MM) < MM, f"right margin {right / MM:.2f} mm"

        # Widow control and headings kept with their text leave a page a line short now and then.
        full = text_pages[1:-1]
        counts = [len(_body_lines(page)) for page in full]
        assert max(counts) <= 22 and max(counts) >= 21, f"lines per page {counts}"
        measured = 0
        for page in full:
            body = _body_lines(page)
            first, last = body[0][0], body[-1][0]
            if min(c["top"] for c in page.chars) < first["top"] - 1:
                continue  # the page opens with a title, not a body line
            measured += 1
            # the glyph box sits (nearly) centred in its 28.95 pt line box
            top = (first["top"] + first["bottom"]) / 2 - PITCH_PT / 2
            assert abs(top - 37 * MM) < MM, f"page {page.page_number}: top margin {top / MM:.2f} mm"
            tops = [line[0]["top"] for line in body]
            pitch = statistics.median(b - a for a, b in zip(tops, tops[1:]) if b - a < 1.5 * PITCH_PT)
            assert abs(pitch - PITCH_PT) < 0.1
            bottom = page.height - (top + 22 * pitch)
            assert abs(bottom - 35 * MM) < MM, f"page {page.page_number}: bottom margin {bottom / MM:.2f} mm"
            # a paragraph running onto a last page set closer (the 落款 kept with the text, 7.3.5)
            # is closer on this page too: its last lines end the page a little higher
            if len(body) == 22 and tops[-1] - tops[-2] > PITCH_PT - 0.5:
                last_end = page.height - ((last["top"] + last["bottom"]) / 2 + PITCH_PT / 2)
                assert abs(last_end - 35 * MM) < MM, f"page {page.page_number}: 22nd line ends {last_end / MM:.2f} mm up"
        assert measured, "no page opens with a body line"
        # GB/T 9704 7.1: 28 characters a line; a closing mark may hang in the margin (不计入).
        right_edge = pages[0].width - 26 * MM + 0.5 * MM
        per_line = max(sum(1 for c in line if not c["text"].isascii() and c["x1"] <= right_edge) for _, line in lines)
        assert per_line == 28

        for page in pages[:_numbered_pages(pdf)]:
            foot = [c for c in page.chars if c["top"] > page.height - 35 * MM and c["text"].strip()
                    and abs(c["size"] - 14) < 0.5]
            assert _squeeze("".join(c["text"] for c in foot)) == f"—{page.page_number}—"
            closing_page = page is pages[-1] and ws.profile.document.printer
            if page.page_number > len(text_pages) and not closing_page and page.width > page.height:
                continue  # a landscape annex form keeps its own page setup
            top = min(c["top"] for c in foot)
            assert abs(top - (297 - 35 + 7) * MM) < MM, f"page number {top / MM - 262:.1f} mm below the 版心"
            x0, x1 = min(c["x0"] for c in foot), max(c["x1"] for c in foot)
            if page.page_number % 2:  # odd: right, one character in
                assert abs(page.width - x1 - (26 * MM + 14)) < MM
            else:
                assert abs(x0 - (28 * MM + 14)) < MM


def _numbered_pages(pdf) -> int:
    """Pages that carry a number: all but a blank page before the 版记 and the 版记 page after it
    (GB/T 9704-2012 7.5)."""
    pages = pdf.pages
    if len(pages) >= 2 and not pages[-2].chars and "印发" in (pages[-1].extract_text() or ""):
        return len(pages) - 2
    return len(pages)


def _red_ink_top(pdf_path: Path, tmp_path: Path) -> float:
    """Height in mm of the first page's topmost red pixel, rendered at 300 dpi."""
    import numpy as np
    from PIL import Image

    from pipeline._exec import pdftoppm

    [png] = pdftoppm.render(pdf_path, tmp_path / "first", dpi=300, first=1, last=1)
    pixels = np.asarray(Image.open(png).convert("RGB")).astype(int)
    red = (pixels[:, :, 0] > 200) & (pixels[:, :, 1] < 80) & (pixels[:, :, 2] < 80)
    return float(np.where(red.any(axis=1))[0][0]) * 25.4 / 300


@needs_soffice
@pytest.mark.parametrize("name", PROFILES)
def test_pdf_red_header_rule_and_closing_block(plans, name, tmp_path):
    ws, _, pdf_path = plans[name]
    p = ws.profile
    with pdfplumber.open(pdf_path) as pdf:
        first, last = pdf.pages[0], pdf.pages[-1]
        red = [c for c in first.chars if c["non_stroking_color"] in ((1, 0, 0), (1.0, 0.0, 0.0), [1, 0, 0])]
        if p.document.kind != "issued_plan":
            assert not red, "a 版头 only where the document is issued under one"
        else:
            assert "文件" in "".join(c["text"] for c in red)
            assert _squeeze(p.document.issuers[0]) in "".join(c["text"] for c in red)
            # GB/T 9704-2012 7.2.3: the 发文机关标志's upper edge 35 mm below the 版心's top edge, measured
            # on the glyphs' ink (a character's box reaches higher by the font's ascent)
            top = _red_ink_top(pdf_path, tmp_path)
            assert abs(top - (37 + 35)) < 0.8, f"版头 {top - 37:.1f} mm below the 版心 top"
            rule = [ln for ln in first.lines if tuple(ln.get("stroking_color") or ()) == (1, 0, 0)]
            assert rule, "no red rule on the first page"
            assert abs(rule[0]["x0"] - 28 * MM) < MM and abs(first.width - rule[0]["x1"] - 26 * MM) < MM
            number = next(ln for ln in first.extract_text_lines() if "〔" in ln["text"])
            centre = (number["x0"] + number["x1"]) / 2
            assert abs(centre - (28 * MM + 156 * MM / 2)) < 2 * MM, "document number not centred"
            assert number["bottom"] < rule[0]["top"]
        printed = [pg.page_number for pg in pdf.pages if (pg.extract_text() or "").rstrip("—0123456789 \n").endswith("印发")]
        if p.document.printer:
            assert printed == [len(pdf.pages)], "one 版记, on the last page"
            _check_closing_at_foot(last)
        else:
            assert not printed, "no 版记 where the profile names no 印发机关"


def _check_closing_at_foot(page) -> None:
    """版记 at the foot of the page: the 印发 line is its last line, the closing rule on the bottom
    margin (35 mm), nothing below it but the page number."""
    lines = page.extract_text_lines()
    printed = [ln for ln in lines if ln["text"].endswith("印发")]
    assert printed, f"no 印发 line on page {page.page_number}"
    rule = max(ln["bottom"] for ln in page.lines)
    assert abs(page.height - rule - 35 * MM) < MM, f"版记 ends {(page.height - rule) / MM:.1f} mm up"
    assert 0 < rule - printed[-1]["bottom"] < 4 * MM
    below = [ln["text"] for ln in lines if ln["top"] > rule]
    assert below in ([], [f"— {page.page_number} —"]), below


@needs_soffice
@pytest.mark.parametrize("name", PROFILES)
def test_pdf_ends_on_an_even_page_with_the_closing_block_at_its_foot(plans, name):
    """GB/T 9704-2012 7.5: the 版记 is on the last page, the back of the last sheet; it carries its
    page number, unless a blank page precedes it (then neither is numbered)."""
    ws, _, pdf_path = plans[name]
    if not ws.profile.document.printer:
        pytest.skip("no 版记 in this document (its seed has none)")
    with pdfplumber.open(pdf_path) as pdf:
        pages = pdf.pages
        assert len(pages) % 2 == 0, f"{len(pages)} pages"
        last = pages[-1]
        _check_closing_at_foot(last)
        if not pages[-2].chars:  # a blank page before: neither carries a number
            assert "—" not in (last.extract_text() or "")
        else:
            assert (last.extract_text() or "").rstrip().endswith(f"— {len(pages)} —"), "the 版记 page keeps its number"


@needs_soffice

@pytest.mark.parametrize("name", PROFILES)
def test_bound_annex_charts_are_pictures(plans, name):
    """A bound annex form that carries a drawn chart (004's 权力运行流程图) shows it as a picture in
    the plan, as in the issued form; no value's Python repr ever reaches the page as text."""
    import zipfile

    ws, docx, _ = plans[name]
    text = _docx_text(docx)
    assert "Picture(" not in text and "data=b" not in text
    charts = [f for f in ws.profile.annexes.forms if forms.get(f).chart]
    with zipfile.ZipFile(docx) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        body = z.read("word/document.xml").decode("utf-8")
    assert len(media) >= len(charts) and body.count("<pic:pic") >= len(charts), (name, charts, media)

@pytest.mark.parametrize("name", PROFILES)
def test_pdf_annexes_bound_after_the_text(plans, name):
    """GB/T 9704-2012 7.3.7: every blank annex form follows the text on a new page, in the form's
    own orientation, before the 版记; the 附件说明 stays on one page."""
    from pipeline.generate.templates import template_name

    ws, _, pdf_path = plans[name]
    p = ws.profile
    with pdfplumber.open(pdf_path) as pdf:
        text_end = _text_end(pdf)
        starts = {}
        for page in pdf.pages[text_end:]:
            lines = page.extract_text_lines()
            if lines and _FORM_MARK.match(_squeeze(lines[0]["text"])):
                starts[_squeeze(lines[0]["text"])] = page
        for form_type in p.annexes.forms:
            label = p.annexes.annex_label(form_type)
            assert label in starts, f"{label} not bound"
            page = starts[label]
            assert _squeeze(forms.get(form_type).title)[:8] in _squeeze(page.extract_text())
            template = Document(ws.template(template_name(forms.get(form_type))))
            landscape = template.sections[0].page_width > template.sections[0].page_height
            assert (page.width > page.height) == landscape, f"{label} lost its orientation"
            if not landscape:  # 附件格式要求同正文: a portrait form sits in the plan's 版心, on one page
                marks = [*page.lines, *(c for c in page.chars if c["text"].strip())]
                foot = page.height - 35 * MM
                assert abs(min(m["x0"] for m in marks) - 28 * MM) < MM, f"{label} left edge"
                assert abs(page.width - max(m["x1"] for m in marks) - 26 * MM) < MM, f"{label} right edge"
                assert max(m["bottom"] for m in marks if m["top"] < foot) < foot, f"{label} below the 版心"
                following = pdf.pages[page.page_number] if page.page_number < len(pdf.pages) else None
                assert following is None or not following.chars or _FORM_MARK.match(
                    _squeeze(following.extract_text_lines()[0]["text"])) or "印发" in following.extract_text(), \
                    f"{label} runs onto a second page"
        order = [starts[p.annexes.annex_label(f)].page_number for f in p.annexes.forms]
        assert order == sorted(order) and order[0] > text_end - (1 if p.annexes.leadership_list else 0)
        # 附件说明 on one page
        label = p.annexes.label + "："
        pages_with = [pg.page_number for pg in pdf.pages[:text_end]
                      if any(_squeeze(ln["text"]).startswith(label) for ln in pg.extract_text_lines())]
        assert len(pages_with) == 1
        listing = _squeeze(pdf.pages[pages_with[0] - 1].extract_text())
        for _, title in __import__("pipeline.generate.plan", fromlist=["annex_list"]).annex_list(p):
            assert _squeeze(title) in listing, f"附件说明 split: {title}"


@needs_soffice

@needs_soffice
@pytest.mark.parametrize("name", PROFILES)
def test_annex_titles_wrap_under_their_first_character(plans, name):
    """GB/T 9704-2012 7.3.4: a long annex title in the 附件说明 wraps under its own first character
    (not under its number), between words, and no last line holds a character or two alone."""
    ws, _, pdf_path = plans[name]
    label = ws.profile.annexes.label + "："
    numbered = re.compile(r"^(?:" + label + r")?\d+\.")
    with pdfplumber.open(pdf_path) as pdf:
        page = next(pg for pg in pdf.pages if any(_squeeze(ln["text"]).startswith(label) for ln in pg.extract_text_lines()))
        lines = [ln for ln in page.extract_text_lines() if ln["bottom"] < page.height - 35 * MM]  # not the page number
    start = next(k for k, ln in enumerate(lines) if _squeeze(ln["text"]).startswith(label))
    title_x = None
    wrapped = 0
    for ln in lines[start:]:
        text = _squeeze(ln["text"])
        chars = [c for c in ln["chars"] if c["text"].strip()]
        m = numbered.match(text)
        if m:
            title_x = chars[len(m.group())]["x0"]  # the title's first character
        elif text in {_squeeze(x) for x in signature_block(ws.profile)} or not text:
            break
        else:
            wrapped += 1
            assert abs(chars[0]["x0"] - title_x) < 1.5, (name, text)
            assert len(text) >= 4, (name, text)
    assert wrapped or name != "003-gzwy", "003's long titles wrap"

@pytest.mark.parametrize("name", PROFILES)
def test_annex_note_follows_the_text_where_it_fits(plans, name):
    """GB/T 9704-2012 7.3.4: the 附件说明 one line below the text and on one page; it opens a new page
    only when the text's last page cannot hold it (its lines and the blank line above)."""
    from pipeline.generate.plan import annex_list

    ws, _, pdf_path = plans[name]
    p = ws.profile
    needed = len(annex_list(p)) + 1
    if needed == 1:
        pytest.skip("no 附件说明 in this document")
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages[1:_text_end(pdf)]:
            lines = [_squeeze("".join(c["text"] for c in line)) for line in _body_lines(page)]
            if lines and lines[0].startswith(p.annexes.label + "："):
                last = _body_lines(pdf.pages[page.page_number - 2])[-1][0]
                line_end = (last["top"] + last["bottom"]) / 2 + PITCH_PT / 2
                free = int((page.height - 35 * MM - line_end + 1) // PITCH_PT)
                assert free < needed, f"附件说明 moved to page {page.page_number}, {free} lines free before it"


def _signature_lines(profile) -> set[str]:
    doc = profile.document
    return {_squeeze(t) for t in (*(doc.signature or doc.issuers), cn_date(doc.issue_date))}


def _page_body(page) -> list[str]:
    """The page's text lines above the page number, squeezed."""
    return [_squeeze(ln["text"]) for ln in page.extract_text_lines() if ln["bottom"] < page.height - 34 * MM]


@needs_soffice
@pytest.mark.parametrize("name", PROFILES)
def test_signature_never_opens_a_page_alone(plans, name):
    """GB/T 9704-2012 7.3.5: the 落款 and 成文日期 stay on the page of the text's end, the line
    spacing of that page tightened to at most 0.85 of its pitch where the space left cannot hold
    them (a page with the 落款 and date alone is not acceptable)."""
    from pipeline.generate.plan import MIN_PITCH_SCALE
    from pipeline.generate.plan_template import LINE_PT

    ws, docx, pdf_path = plans[name]
    block = _signature_lines(ws.profile)
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages[1:]:
            body = _page_body(page)
            assert not body or not set(body) <= block, f"page {page.page_number} holds only the 落款: {body}"
    pitches = [p.paragraph_format.line_spacing.pt for p in Document(docx).paragraphs
               if p.paragraph_format.line_spacing is not None and hasattr(p.paragraph_format.line_spacing, "pt")]
    assert min(pitches, default=LINE_PT) >= MIN_PITCH_SCALE * LINE_PT - 0.05, pitches


def test_signature_fit_tightens_within_bounds_else_keeps_the_note_with_it(plans):
    """The pitch comes from the measured space: the page's lines and the block together fill the
    版心; past 0.85 of the pitch the paragraph before the 落款 keeps with it instead."""
    from pipeline.generate.plan import MIN_PITCH_SCALE, SignatureFit, signature_fit

    _, docx, _ = plans["004-hfzy"]
    paras = Document(docx).paragraphs
    block = next(i for i, p in enumerate(paras) if p.style.name == "公文-落款-首行")
    text = _squeeze(paras[block - 2].text + paras[block - 1].text)
    box = 225 * MM
    fit = signature_fit(docx, text, box - 2 * PITCH_PT, box)
    assert fit == SignatureFit(block=block, start=block - 2, scale=fit.scale)
    assert MIN_PITCH_SCALE <= fit.scale < 1
    assert abs(fit.scale * (box - 2 * PITCH_PT + 4 * PITCH_PT) - box) < 3  # 2 names: 4 lines with the blank
    assert signature_fit(docx, text, box + 2 * PITCH_PT, box) == SignatureFit(block=block, keep=True)


@needs_soffice
def test_signature_fit_fallback_takes_the_annex_note_along(plans, tmp_path):
    """When tightening cannot make room, the 附件说明 goes over with the 落款 (still whole), so the
    落款 never stands alone."""
    from pipeline.generate.plan import SignatureFit

    ws, docx, _ = plans["004-hfzy"]
    paras = Document(docx).paragraphs
    block = next(i for i, p in enumerate(paras) if p.style.name == "公文-落款-首行")
    kept = render_docx(ws, tmp_path / "kept.docx", fit=SignatureFit(block=block, keep=True))
    assert Document(kept).paragraphs[block - 1].paragraph_format.keep_with_next
    [pdf_path] = soffice.convert([kept], tmp_path / "pdf")
    label = ws.profile.annexes.label + "："
    with pdfplumber.open(pdf_path) as pdf:
        [page] = [pg for pg in pdf.pages if any(ln.startswith(label) for ln in _page_body(pg))]
        body = _page_body(page)
        assert _squeeze(cn_date(ws.profile.document.issue_date)) in body, "the note left the 落款"


@pytest.mark.parametrize("name", PROFILES)
def test_no_empty_paragraph_ends_a_section(plans, name):
    """A section break rides in the part's last paragraph: an empty paragraph after the 成文日期
    (or a form's last line) could open a blank numbered page on a full page."""
    _, docx, _ = plans[name]
    body = Document(docx).element.body
    for para in body.iter(qn("w:p")):
        if para.find(qn("w:pPr") + "/" + qn("w:sectPr")) is None or "".join(para.itertext()).strip():
            continue
        previous = para.getprevious()
        assert previous is None or previous.tag != qn("w:p"), \
            f"empty section break after {''.join(previous.itertext())[:20]!r}"


def _cjk(char: dict) -> bool:
    return bool(char["text"].strip()) and not char["text"].isascii()


@needs_soffice
@pytest.mark.parametrize("name", PROFILES)
def test_no_text_line_is_spread(plans, name):
    """A line left short by an unbreakable word (an e-mail address) is not spread by justification:
    between two Chinese characters of a body line there is never more than a little gap."""
    _, _, pdf_path = plans[name]
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages[:_text_end(pdf)]:
            rows: dict[int, list] = {}
            for c in page.chars:
                if abs(c["size"] - 16) < 0.3:
                    rows.setdefault(round(c["top"]), []).append(c)
            for row in rows.values():
                row.sort(key=lambda c: c["x0"])
                gaps = [b["x0"] - a["x1"] for a, b in pairwise(row) if _cjk(a) and _cjk(b)]
                text = "".join(c["text"] for c in row)
                assert max(gaps, default=0) < 3, f"page {page.page_number}: spread line {text!r}"


def test_separate_keeps_the_text_only_document(tmp_path):
    ws = make_workspace(tmp_path, "002-qztc")
    [docx] = generate_plan(ws, pdf=False, separate=True)
    doc = Document(docx)
    assert len(doc.sections) == 1 and doc.sections[0].page_width < doc.sections[0].page_height
    bound = render_docx(ws, tmp_path / "bound.docx")
    doc = Document(bound)
    # the text, one section per form, and the 版记's
    assert len(doc.sections) == 2 + len(ws.profile.annexes.forms)
    assert [s.page_width > s.page_height for s in doc.sections] == [False, True, True, True, True, False]


@pytest.fixture(scope="module")
def forced(tmp_path_factory) -> dict[int, Path]:
    """Profile 002's text only (``--separate``) rendered with each placement of the 版记 forced."""
    root = tmp_path_factory.mktemp("forced")
    ws = make_workspace(root, "002-qztc")
    docs = {closing: render_docx(ws, root / f"plan-{closing}.docx", closing=closing, annexes=False)
            for closing in (CLOSING_AT_FOOT, CLOSING_OWN_PAGE, CLOSING_AFTER_BLANK)}
    if soffice.find() is None:
        return docs
    pdfs = {p.stem: p for p in soffice.convert(list(docs.values()), root / "pdf")}
    return {k: pdfs[v.stem] for k, v in docs.items()}


@needs_soffice
def test_closing_block_on_its_own_page_and_after_a_blank_page(forced):
    with pdfplumber.open(forced[CLOSING_AT_FOOT]) as pdf:
        pages = len(pdf.pages)
    for closing, extra in ((CLOSING_OWN_PAGE, 1), (CLOSING_AFTER_BLANK, 2)):
        with pdfplumber.open(forced[closing]) as pdf:
            assert len(pdf.pages) == pages + extra
            last = pdf.pages[-1]
            _check_closing_at_foot(last)
            if extra == 1:
                assert last.extract_text().rstrip().endswith(f"— {pages + 1} —"), "the 版记 page keeps its number"
            else:
                assert "—" not in last.extract_text(), "after a blank page the 版记 page carries no number"
                assert not pdf.pages[-2].chars, "blank page not blank"
            body = pdf.pages[pages - 1]
            assert not body.extract_text().rstrip().endswith("印发")
            assert body.extract_text().rstrip().endswith(f"— {pages} —")


def test_closing_placement_follows_the_page_parity():
    # (pages, page of the 印发 line, last page with body text) of the layout with the 版记 at the foot
    assert closing_for(6, 6, 6) == CLOSING_AT_FOOT
    assert closing_for(7, 7, 7) == CLOSING_OWN_PAGE          # odd last body page: 版记 on page 8
    assert closing_for(7, 7, 6) == CLOSING_AFTER_BLANK       # full even page 6: blank 7, 版记 on 8
    assert closing_for(8, 8, 7) == CLOSING_OWN_PAGE          # 版记 alone on page 8 would need no number


@pytest.mark.parametrize("annexes", [False, True])
def test_own_page_closing_is_word_valid(tmp_path, annexes):
    audit = pytest.importorskip("openxml_audit", reason="openxml-audit is in the [test] extra")
    ws = make_workspace(tmp_path, "002-qztc")
    path = render_docx(ws, tmp_path / "plan.docx", closing=CLOSING_AFTER_BLANK, annexes=annexes)
    result = audit.OpenXmlValidator(file_format=audit.FileFormat.OFFICE_2019).validate(path)
    assert [str(e) for e in getattr(result, "errors", [])][:5] == []
    doc = Document(path)
    assert len(doc.sections) == 2 + (len(ws.profile.annexes.forms) if annexes else 0)
    *numbered, closing = doc.sections
    for section in numbered:
        assert "PAGE" in section.footer._element.xml and "PAGE" in section.even_page_footer._element.xml
    for footer in (closing.footer, closing.even_page_footer):
        assert not footer.is_linked_to_previous and "PAGE" not in footer._element.xml


@needs_soffice
def test_generate_plan_with_pdf_puts_the_closing_block_on_an_even_page(tmp_path):
    ws = make_workspace(tmp_path, "002-qztc")
    docx, pdf_path = generate_plan(ws, pdf=True)
    assert pdf_path == docx.with_suffix(".pdf")
    with pdfplumber.open(pdf_path) as pdf:
        assert len(pdf.pages) % 2 == 0
        _check_closing_at_foot(pdf.pages[-1])


def test_without_libreoffice_the_docx_is_kept_and_the_error_says_so(tmp_path, monkeypatch):
    ws = make_workspace(tmp_path)
    monkeypatch.setattr(soffice, "find", lambda: None)
    with pytest.raises(MissingProgramError) as err:
        generate_plan(ws, pdf=True)
    docx = ws.outbox / "plan" / f"{ws.profile.institution.short_name}-实施方案.docx"
    assert docx.is_file()
    assert "--no-pdf" in str(err.value) and str(docx) in str(err.value)
    assert err.value.exit_code == 4


def test_a_broken_profile_writes_nothing(tmp_path):
    ws = make_workspace(tmp_path)
    text = ws.profile_path.read_text(encoding="utf-8")
    ws.profile_path.write_text(re.sub(r"issue_date = \S+", "issue_date = 2012-13-45", text), encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        generate_plan(ws, pdf=False)
    assert "issue_date" in str(err.value)
    assert not (ws.outbox / "plan").exists()


def test_chinese_numbers():
    assert [chinese_number(n) for n in (1, 9, 10, 11, 20, 23, 99)] == ["一", "九", "十", "十一", "二十", "二十三", "九十九"]
    with pytest.raises(ValueError):
        chinese_number(0)


def test_long_titles_break_between_words_upper_line_longer():
    title = "关于印发《泉州师范学院廉政风险防控试点工作方案》的通知"
    broken = break_title(title)
    upper, lower = broken.split("\n")
    assert upper + lower == title
    assert len(upper) >= len(lower) and len(upper) <= 20
    assert not upper.endswith("试点工") and not lower.startswith("》")
    assert break_title("泉州师范学院廉政风险防控试点工作方案") == "泉州师范学院廉政风险防控试点工作方案"
    # 风险岗位 is one word, and so is the institution's name
    broken = break_title("长春医学高等专科学校风险岗位廉能管理工作实施方案", words=("长春医学高等专科学校",))
    assert "风险\n岗位" not in broken and "风险岗\n" not in broken and "\n位" not in broken
    upper = broken.split("\n")[0]
    assert upper.startswith("长春医学高等专科学校") and not upper.endswith(("风险", "风险岗"))


def test_init_skeleton_names_no_other_campaign_and_nothing_anachronistic(tmp_path):
    from pipeline.init import template_profile_text

    text = template_profile_text(2012)
    assert not anachronisms(text, __import__("datetime").date(2012, 1, 1))
    for anchors in SEED_ANCHORS.values():
        assert not [a for a in anchors if len(a) > 12 and a in text], "a seed's sentence in the skeleton"
    root = tmp_path / "ws"
    root.mkdir()
    (root / "profile.toml").write_text(text, encoding="utf-8")
    from pipeline.workspace import Workspace

    body = _docx_text(render_docx(Workspace(root), tmp_path / "skeleton.docx", annexes=False))
    assert "【开头一段" in body and "一、指导思想" in body
    assert not anachronisms(body, __import__("datetime").date(2012, 1, 1))
