"""The annex forms as a clerk prints them, read back from the PDF: seed titles, every seed element, fit.

For each bundled profile one form of every type is generated and all of them are converted in one
LibreOffice batch; the checks read the PDF text (whitespace removed) and page count:

* titles exactly as the seeds print them (001 附件3/附件4 with 局机关…, 003 附表1–3 with the
  hospital's name in front, 004 权力运行流程图);
* 001's review cells each dated (年 月 日), 003's 一岗双责 over 岗位职责/廉政职责 and its 本表一式N份
  with the reporting date, 003 附表5's 领导签名 and date in the review cell;
* every 001 form on one landscape page; 000 附件3 using its page (its rows take the height);
* a leader's unit is the institution, and the fill date is blank unless the profile asks for it.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest

from conftest import PROFILES, make_workspace
from pipeline._exec import soffice
from pipeline.forms import get
from pipeline.generate.forms import generate_forms
from pipeline.workspace import Workspace

needs_soffice = pytest.mark.skipif(soffice.find() is None, reason="LibreOffice (soffice) is not installed")
BUNDLED = sorted(p.name for p in PROFILES.iterdir() if (p / "profile.toml").is_file())


@dataclass
class Printed:
    ws: Workspace
    form_type: str
    docx: Path
    pdf: Path | None = None

    def pages(self) -> list[str]:
        import pdfplumber

        with pdfplumber.open(self.pdf) as pdf:
            return [re.sub(r"\s+", "", p.extract_text() or "") for p in pdf.pages]


def _one(ws: Workspace, form_type: str, out: Path) -> Printed:
    d = get(form_type)
    options = {}
    if d.audience == "person":
        options["person"] = next(m for m in ws.roster if not d.tiers or m.tier in d.tiers).staff_id
    elif d.audience == "department":
        options["department"] = ws.profile.departments[0].code
    (path,) = generate_forms(ws, form_type=form_type, jobs=1, progress=False, **options)
    dst = out / f"{ws.root.name}-{form_type}.docx"  # unique names: one soffice batch for all
    shutil.copyfile(path, dst)
    return Printed(ws, form_type, dst)


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, Printed]:
    base = tmp_path_factory.mktemp("annex")
    out = base / "print"
    out.mkdir()
    forms: dict[str, Printed] = {}
    for profile in BUNDLED:
        ws = make_workspace(base, profile)
        for form_type in ws.profile.annexes.forms:
            forms[form_type] = _one(ws, form_type, out)
    if soffice.find():
        made = {p.stem: p for p in soffice.convert([f.docx for f in forms.values()], out)}
        for f in forms.values():
            f.pdf = made.get(f.docx.stem)
    return forms


SEED_TITLES = {
    "001-leader-control": "领导班子成员廉政风险识别防控表",
    "001-middle-control": "局机关（学校、单位）中层领导廉政风险识别和防控表",
    "001-staff-control": "局机关一般工作人员及教职工廉政风险识别和防控表",
    "003-person-control": "赣州市第五人民医院个人风险岗位廉能识别防控表",
    "003-dept-control": "赣州市第五人民医院科（室）风险岗位廉能识别防控表",
    "003-unit-control": "赣州市第五人民医院风险岗位廉能识别防控表",
    "003-person-pledge": "个人风险岗位廉能防范承诺书",
    "003-dept-pledge": "科室风险岗位廉能监管防范承诺书",
    "004-power-flow": "权力运行流程图",
}


@needs_soffice
def test_every_form_of_every_profile_prints(printed: dict[str, Printed]) -> None:
    missing = [t for t, f in printed.items() if f.pdf is None or not f.pdf.exists()]
    assert not missing, f"LibreOffice did not convert {missing}"
    assert {f.ws.root.name for f in printed.values()} == set(BUNDLED)


@needs_soffice
@pytest.mark.parametrize("form_type", sorted(SEED_TITLES))
def test_seed_titles(printed: dict[str, Printed], form_type: str) -> None:
    first = printed[form_type].pages()[0]
    label = printed[form_type].ws.profile.annexes.annex_label(form_type)
    assert first.startswith(label + SEED_TITLES[form_type]), first[:60]


@needs_soffice
@pytest.mark.parametrize("form_type", ["001-leader-control", "001-middle-control", "001-staff-control"])
def test_001_forms_are_one_landscape_page_with_dated_reviews(printed: dict[str, Printed], form_type: str) -> None:
    import pdfplumber

    f = printed[form_type]
    with pdfplumber.open(f.pdf) as pdf:
        assert len(pdf.pages) == 1, f"{form_type} runs to {len(pdf.pages)} pages"
        assert pdf.pages[0].width > pdf.pages[0].height
    reviews = [h for h in get(form_type).header if h.placement == "below" and h.in_table]
    assert len(reviews) >= 2 and f.pages()[0].count("年月日") == len(reviews)
    # Rows tall enough to write a risk point in by hand: at least 9 mm each (w:trHeight in twips).
    table = docx.Document(f.docx).tables[0]
    heights = [r.height for r in table.rows if r.height is not None]
    assert min(heights) >= docx.shared.Mm(8)


SEED_COPIES = {
    "003-person-control": "5、本表一式四份，一份用于公示、一份本人留存，一份单位留存，一份于7月5日前上报市局领导小组。",
    "003-dept-control": "5、本表一式四份，一份用于公示、一份科室留存，一份单位留存，一份于7月5日前上报市局领导小组。",
    "003-unit-control": "5、本表一式三份，一份用于公示、一份科室留存，一份单位留存，一份于7月20日前上报市局领导小组。",
}
SEED_NOTE_ITEMS = ["1、部门指单位或者科室", "3、针对廉政风险，提出自我防控的措施",
                   "4、风险评估，是针对每一个岗位查找出来的岗位职责风险、业务流程风险、制度机制风险和外部环境风险"]


@needs_soffice
def test_003_elements(printed: dict[str, Printed]) -> None:
    person = printed["003-person-control"].pages()[0]
    assert "一岗双责" in person and person.index("岗位职责：") < person.index("廉政职责：")
    rows = docx.Document(printed["003-person-control"].docx).tables[0].rows
    duties = [r for r in rows if r.cells[-1].text.startswith(("岗位职责：", "廉政职责："))]
    assert [r.cells[0].text for r in duties] == ["一岗双责", "一岗双责"]  # one cell over both rows
    # the seed's notes, each with its own 本表一式N份 line and reporting date (after the plan's 6月25日)
    for form_type, copies in SEED_COPIES.items():
        page = printed[form_type].pages()[0]
        assert copies in page, form_type
        for item in SEED_NOTE_ITEMS:
            assert item in page, (form_type, item)
    pledge = printed["003-dept-pledge"].pages()[0]
    review = pledge.index("主要（分管）领导审核意见")
    assert pledge.index("廉政承诺") < review < pledge.index("领导签名：") < pledge.index("年月日")


def test_003_pledge_cell_has_room_to_write(printed: dict[str, Printed]) -> None:
    table = docx.Document(printed["003-dept-pledge"].docx).tables[0]
    pledge = next(r for r in table.rows if r.cells[0].text == "廉政承诺")
    assert pledge.height >= docx.shared.Mm(60)
    review = next(r for r in table.rows if "审核意见" in r.cells[0].text)
    assert "领导签名：" in review.cells[-1].text and "年" in review.cells[-1].text


@needs_soffice
def test_000_annex3_uses_its_page(printed: dict[str, Printed]) -> None:
    import pdfplumber

    with pdfplumber.open(printed["000-unit-selfcheck"].pdf) as pdf:
        page = pdf.pages[0]
        table_bottom = max(r["bottom"] for r in page.rects) if page.rects else max(l["bottom"] for l in page.lines)
        assert table_bottom > page.height * 0.7, "the three writing areas leave the lower page empty"


def test_leaders_are_filed_under_the_institution(printed: dict[str, Printed]) -> None:
    f = printed["001-leader-control"]
    text = "\n".join(p.text for p in docx.Document(f.docx).paragraphs)
    leader = next(m for m in f.ws.roster if m.tier == "领导班子")
    assert f"单位（盖章）：{f.ws.profile.institution.name}" in text
    assert leader.department not in text
    cells = [c.text for r in docx.Document(f.docx).tables[0].rows for c in r.cells]
    assert leader.position in cells


def test_fill_date_blank_unless_the_profile_asks(printed: dict[str, Printed], tmp_path: Path) -> None:
    f = printed["003-person-pledge"]
    text = "\n".join(p.text for p in docx.Document(f.docx).paragraphs)
    assert "年\u3000\u3000月\u3000\u3000日" in text and "2022年" not in text
    f = printed["001-middle-control"]
    assert "填表日期：____" in "\n".join(p.text for p in docx.Document(f.docx).paragraphs)

    ws = make_workspace(tmp_path, "001-zcjt")
    toml = (ws.root / "profile.toml").read_text(encoding="utf-8")
    (ws.root / "profile.toml").write_text(toml.replace("[annexes]\n", "[annexes]\nfill_date = true\n", 1), encoding="utf-8")
    ws = Workspace(ws.root)
    again = _one(ws, "001-middle-control", tmp_path)
    assert "填表日期：2010年5月25日" in "\n".join(p.text for p in docx.Document(again.docx).paragraphs)
