"""The implementation plan: its text from the profile, and its GB/T 9704-2012 page read back from the PDF.

Every bundled profile's plan is rendered once and all are converted in one LibreOffice run
(module-scoped fixture); the geometry is measured on the PDF with pdfplumber, so the tests check
what a reader sees, not what the .docx merely asks for.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
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
    convert_with_even_closing, generate_plan, leadership_list_title, render_docx,
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


def _expected(ws) -> dict[str, list[str]]:
    p = ws.profile
    people = [*p.leadership.leaders, *p.leadership.deputies, *p.leadership.members,
              p.office.director, *p.office.members]
    return {
        "frame": [p.institution.name, p.document.number, *p.document.issuers],
        "phases": [f"（{cn_date(ph.start)}—{cn_date(ph.end)}）" for ph in p.phases],
        "tasks": [f"（{cn_date(t.due, with_year=t.due.year != p.campaign.year)}前完成）"
                  for ph in p.phases for t in ph.tasks],
        "people": [person.name for person in people],
        "annexes": [forms.get(f).title for f in p.annexes.forms]
                   + ([leadership_list_title(p)] if p.annexes.leadership_list else []),
        "levels": [p.levels.definitions[label] for label in p.levels.labels if label in p.levels.definitions],
    }


def _check_text(text: str, ws) -> None:
    expected = _expected(ws)
    for group in ("frame", "phases", "tasks", "people", "annexes"):
        missing = [s for s in expected[group] if _squeeze(s) not in text]
        assert not missing, f"{group} missing: {missing}"
    positions = [text.find(_squeeze(d)) for d in expected["levels"]]
    assert -1 not in positions, "a level definition is missing"
    assert positions == sorted(positions), "level definitions are not in the scheme's order (highest first)"


@pytest.mark.parametrize("name", PROFILES)
def test_docx_text_comes_from_the_profile(plans, name):
    ws, docx, _ = plans[name]
    assert docx.name == f"{ws.profile.institution.short_name}-实施方案.docx"
    assert docx.parent == ws.outbox / "plan"
    text = _docx_text(docx)
    _check_text(text, ws)
    p = ws.profile
    assert _squeeze(break_title(p.document.title)) in text
    for word in p.document.subject_words:
        assert word in text
    for cc in p.document.cc:
        assert cc in text
    for heading in ("一、指导思想", "工作目标", "实施范围", "主要内容", "组织领导", "方法步骤", "风险等级", "工作要求"):
        assert heading in text
    assert ("分级监督" in text) == bool(p.levels.supervision)
    cited = [f for f in p.annexes.forms if f"（{p.annexes.annex_label(f)}）" in text]
    task_forms = {f for ph in p.phases for t in ph.tasks for f in t.forms if f in p.annexes.forms}
    assert len(cited) == len(task_forms), "each form a task asks for is cited as （附件N）"


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
    assert not bare, f"{len(bare)} runs without w:eastAsia, e.g. {''.join(bare[0].itertext())!r}"


def test_seed_002_names_its_highest_level_correctly(plans):
    assert "002-qztc" in plans, "profile 002-qztc must be bundled in profiles/"
    text = _docx_text(plans["002-qztc"][1])
    assert "三级风险为最高等级" in text and "一级风险为最低等级" in text
    assert text.index("三级风险（最高）") < text.index("二级风险") < text.index("一级风险（最低）")
    # the 印发 notice comes first, then the plan itself
    assert text.index("关于印发") < text.index("现将") < text.index("一、指导思想")


def test_seed_001_annexes_the_leadership_list_before_its_three_forms(plans):
    """The original 001 plan: 附件1 the leadership group's name list, 附件2–4 the forms."""
    assert "001-zcjt" in plans, "profile 001-zcjt must be bundled in profiles/"
    ws, docx, _ = plans["001-zcjt"]
    doc = Document(docx)
    paras = [p.text for p in doc.paragraphs]
    start = next(i for i, t in enumerate(paras) if t.startswith("附件："))
    assert paras[start:start + 4] == [
        "附件：1. 淄川区教体系统廉政风险防范管理工作领导小组名单",
        "2. 领导班子成员廉政风险识别防控表",
        "3. 中层领导廉政风险识别和防控表",
        "4. 一般工作人员及教职工廉政风险识别和防控表",
    ]
    text = _docx_text(docx)
    # the tasks cite the forms under the same numbers the form files carry
    for form_type, n in (("001-leader-control", 2), ("001-middle-control", 3), ("001-staff-control", 4)):
        assert f"《{forms.get(form_type).title}》（附件{n}）" in text
    assert "名单见附件1" in text
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
            other = plans[name][0].profile
            assert not other.annexes.leadership_list
            assert "领导小组名单" not in _docx_text(plans[name][1])


@needs_soffice
def test_seed_001_leadership_annex_page_in_the_pdf(plans):
    assert "001-zcjt" in plans, "profile 001-zcjt must be bundled in profiles/"
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


def test_supervision_by_level_where_the_profile_has_it(plans):
    with_rule = [n for n in PROFILES if plans[n][0].profile.levels.supervision]
    assert with_rule, "a bundled profile must declare levels.supervision, or this test proves nothing"
    for name in with_rule:
        ws, docx, _ = plans[name]
        text = _docx_text(docx)
        section = text[text.index("分级监督"):]
        rules = [_squeeze(v) for v in ws.profile.levels.supervision.values()]
        positions = [section.find(r) for r in rules]
        assert -1 not in positions and positions == sorted(positions)


@needs_soffice
@pytest.mark.parametrize("name", PROFILES)
def test_pdf_text(plans, name):
    ws, _, pdf = plans[name]
    assert pdf is not None and pdf.stat().st_size > 10_000, "LibreOffice did not convert the plan"
    _check_text(_pdf_body_text(pdf), ws)


def _numbered_pages(pdf) -> int:
    """Pages up to the last one with body text: a 版记 page of its own and a blank page before it
    carry no number (GB/T 9704-2012 7.5)."""
    return max(page.page_number for page in pdf.pages if _body_lines(page))


def _body_lines(page, size: float = 16):
    """Text lines set in body size (3号), each as its list of chars."""
    chars = [c for c in page.chars if c["text"].strip() and abs(c["size"] - size) < 0.3]
    rows: dict[int, list] = {}
    for c in chars:
        rows.setdefault(round(c["top"]), []).append(c)
    return [sorted(r, key=lambda c: c["x0"]) for _, r in sorted(rows.items())]


@needs_soffice
@pytest.mark.parametrize("name", PROFILES)
def test_pdf_geometry(plans, name):
    """A4, margins 37/35/28/26 mm within 1 mm, 3号 body on 22 lines, 2号 title, page numbers outside."""
    ws, _, pdf_path = plans[name]
    with pdfplumber.open(pdf_path) as pdf:
        pages = pdf.pages
        assert len(pages) >= 3
        for page in pages:
            assert abs(page.width - 210 * MM) < MM and abs(page.height - 297 * MM) < MM

        # Chinese must come out in a CJK font (the substitute for 仿宋_GB2312 etc.), never as tofu
        # in a Latin fallback such as DejaVu or Liberation.
        latin_only = {c["fontname"] for page in pages for c in page.chars
                      if "\u4e00" <= c["text"] <= "\u9fff" and re.search("DejaVu|Liberation", c["fontname"])}
        assert not latin_only, latin_only
        sizes = Counter(round(c["size"], 1) for page in pages for c in page.chars if c["text"].strip())
        assert sizes.most_common(1)[0][0] == 16.0, sizes
        title = ws.profile.document.title
        title_sizes = {round(c["size"], 1) for page in pages for c in page.chars if c["text"] == title[0]}
        assert 22.0 in title_sizes

        lines = [(page, line) for page in pages[1:] for line in _body_lines(page)]
        left = min(line[0]["x0"] for _, line in lines)
        assert abs(left - 28 * MM) < MM, f"left margin {left / MM:.2f} mm"
        # Justified full lines end at the right margin; a closing punctuation mark may hang past it.
        rights = [page.width - line[-1]["x1"] for page, line in lines
                  if len(line) >= 24 and line[-1]["text"] not in PUNCTUATION]
        right = statistics.median(rights)
        assert abs(right - 26 * MM) < MM, f"right margin {right / MM:.2f} mm"

        # Widow control and headings kept with their text leave a page a line short now and then.
        counts = [len(_body_lines(page)) for page in pages[1:-1]]
        assert max(counts) <= 22 and max(counts) >= 21, f"lines per page {counts}"
        measured = 0
        for page in pages[1:-1]:
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
            # 22 lines from the top margin end at the bottom margin
            bottom = page.height - (top + 22 * pitch)
            assert abs(bottom - 35 * MM) < MM, f"page {page.page_number}: bottom margin {bottom / MM:.2f} mm"
            if len(body) == 22:
                last_end = page.height - ((last["top"] + last["bottom"]) / 2 + PITCH_PT / 2)
                assert abs(last_end - 35 * MM) < MM, f"page {page.page_number}: 22nd line ends {last_end / MM:.2f} mm up"
        assert measured, "no page opens with a body line"
        # GB/T 9704 7.1: 28 characters a line; a closing mark may hang in the margin (不计入).
        right_edge = pages[0].width - 26 * MM + 0.5 * MM
        per_line = max(sum(1 for c in line if not c["text"].isascii() and c["x1"] <= right_edge) for _, line in lines)
        assert per_line == 28

        for page in pages[:_numbered_pages(pdf)]:
            foot = [c for c in page.chars if c["top"] > page.height - 35 * MM and c["text"].strip()]
            assert _squeeze("".join(c["text"] for c in foot)) == f"—{page.page_number}—"
            assert {round(c["size"]) for c in foot} == {14}
            x0, x1 = min(c["x0"] for c in foot), max(c["x1"] for c in foot)
            if page.page_number % 2:  # odd: right, one character in
                assert abs(page.width - x1 - (26 * MM + 14)) < MM
            else:
                assert abs(x0 - (28 * MM + 14)) < MM


@needs_soffice
@pytest.mark.parametrize("name", PROFILES)
def test_pdf_red_header_rule_and_closing_block(plans, name):
    ws, _, pdf_path = plans[name]
    with pdfplumber.open(pdf_path) as pdf:
        first, last = pdf.pages[0], pdf.pages[-1]
        red = [c for c in first.chars if c["non_stroking_color"] in ((1, 0, 0), (1.0, 0.0, 0.0), [1, 0, 0])]
        assert "文件" in "".join(c["text"] for c in red)
        assert _squeeze(ws.profile.document.issuers[0]) in "".join(c["text"] for c in red)
        rule = [ln for ln in first.lines if tuple(ln.get("stroking_color") or ()) == (1, 0, 0)]
        assert rule, "no red rule on the first page"
        assert abs(rule[0]["x0"] - 28 * MM) < MM and abs(first.width - rule[0]["x1"] - 26 * MM) < MM
        number = next(ln for ln in first.extract_text_lines() if "〔" in ln["text"])
        centre = (number["x0"] + number["x1"]) / 2
        assert abs(centre - (28 * MM + 156 * MM / 2)) < 2 * MM, "document number not centred"
        assert number["bottom"] < rule[0]["top"]
        _check_closing_at_foot(last)


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
    """GB/T 9704-2012 7.5: the 版记 is on the last page, the back of the last sheet; a page of
    its own, and a blank page before it, carry no page number."""
    _, _, pdf_path = plans[name]
    with pdfplumber.open(pdf_path) as pdf:
        pages = pdf.pages
        assert len(pages) % 2 == 0, f"{len(pages)} pages"
        last = pages[-1]
        _check_closing_at_foot(last)
        assert not any("印发" in (page.extract_text() or "") and page.extract_text().rstrip().endswith("印发")
                       for page in pages[1:-1]), "a second 版记"
        body_end = _numbered_pages(pdf)
        assert body_end >= len(pages) - 2
        if body_end < len(pages):  # the 版记 has a page of its own: no number on it
            assert "—" not in (last.extract_text() or "")
            assert not any(c["size"] > 15 for c in last.chars), "body text on the 版记 page"
        if body_end == len(pages) - 2:
            assert not pages[-2].chars, "the page before the 版记 should be blank"


@pytest.fixture(scope="module")
def forced(tmp_path_factory) -> dict[int, Path]:
    """Profile 002 (whose 版记 fits at the foot of page 6) rendered with each placement forced."""
    root = tmp_path_factory.mktemp("forced")
    ws = make_workspace(root, "002-qztc")
    docs = {closing: render_docx(ws, root / f"plan-{closing}.docx", closing=closing)
            for closing in (CLOSING_OWN_PAGE, CLOSING_AFTER_BLANK)}
    if soffice.find() is None:
        return docs
    pdfs = {p.stem: p for p in soffice.convert(list(docs.values()), root / "pdf")}
    return {k: pdfs[v.stem] for k, v in docs.items()}


@needs_soffice
def test_closing_block_on_its_own_page_and_after_a_blank_page(plans, forced):
    with pdfplumber.open(plans["002-qztc"][2]) as pdf:
        pages = len(pdf.pages)
    for closing, extra in ((CLOSING_OWN_PAGE, 1), (CLOSING_AFTER_BLANK, 2)):
        with pdfplumber.open(forced[closing]) as pdf:
            assert len(pdf.pages) == pages + extra
            last = pdf.pages[-1]
            _check_closing_at_foot(last)
            assert "—" not in last.extract_text(), "the 版记 page carries no number"
            body = pdf.pages[pages - 1]
            assert not body.extract_text().rstrip().endswith("印发")
            assert body.extract_text().rstrip().endswith(f"— {pages} —")
            if extra == 2:
                assert not pdf.pages[-2].chars, "blank page not blank"


def test_closing_placement_follows_the_page_parity():
    # (pages, page of the 印发 line, last page with body text) of the layout with the 版记 at the foot
    assert closing_for(6, 6, 6) == CLOSING_AT_FOOT
    assert closing_for(7, 7, 7) == CLOSING_OWN_PAGE          # odd last body page: 版记 on page 8
    assert closing_for(7, 7, 6) == CLOSING_AFTER_BLANK       # full even page 6: blank 7, 版记 on 8
    assert closing_for(8, 8, 7) == CLOSING_OWN_PAGE          # 版记 alone on page 8 would need no number


def test_own_page_closing_is_word_valid(tmp_path):
    audit = pytest.importorskip("openxml_audit", reason="openxml-audit is in the [test] extra")
    ws = make_workspace(tmp_path, "001-zcjt")
    path = render_docx(ws, tmp_path / "plan.docx", closing=CLOSING_AFTER_BLANK)
    result = audit.OpenXmlValidator(file_format=audit.FileFormat.OFFICE_2019).validate(path)
    assert [str(e) for e in getattr(result, "errors", [])][:5] == []
    doc = Document(path)
    assert len(doc.sections) == 2
    body, closing = doc.sections
    assert "PAGE" in body.footer._element.xml and "PAGE" in body.even_page_footer._element.xml
    for footer in (closing.footer, closing.even_page_footer):
        assert not footer.is_linked_to_previous and "PAGE" not in footer._element.xml


@needs_soffice
def test_generate_plan_with_pdf_puts_the_closing_block_on_an_even_page(tmp_path):
    ws = make_workspace(tmp_path, "001-zcjt")
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
