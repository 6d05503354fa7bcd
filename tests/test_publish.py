"""``lianzheng publish``: the 公示 documents read back with python-docx, against the store."""

from __future__ import annotations

import re
from collections import Counter

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import make_workspace, needs_soffice
from docx.oxml.ns import qn
from ingested import ingested_workspace

from pipeline import api
from pipeline.cli import main
from pipeline.forms import get
from pipeline.report.ledger import write_ledger
from pipeline.report.publish import COLUMNS, MARGIN_MM, PAGE_WIDTH_MM, SUFFIX
from pipeline.store import open_store
from pipeline.store.queries import ledger_risk_points
from pipeline.store.status import Status
from pipeline.testing import fill_form, sample_rows

HEADER = ["序号", "单位/科室", "风险类别", "风险点", "主要内容及表现形式", "风险等级", "防控措施", "责任人", "责任领导"]


def _table(path) -> list[dict[str, str]]:
    table = docx.Document(str(path)).tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header == HEADER
    return [dict(zip(header, (c.text for c in row.cells))) for row in table.rows[1:]]


def _all_text(path) -> str:
    d = docx.Document(str(path))
    return "\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells])


def _ordinary(ws) -> set[str]:
    p = ws.profile
    public = {x.name for x in (*p.leadership.leaders, *p.leadership.deputies, *p.leadership.members)}
    public |= {d.head for d in p.departments} | {d.supervisor for d in p.departments}
    return {s.name for s in ws.roster if s.tier == "一般工作人员" and s.name not in public}


def _accepted(ws) -> Counter:
    """(department, level as the office has it) of every accepted current risk point, from the store."""
    with open_store(ws.database_url)() as s:
        points = ledger_risk_points(s, ws.profile.campaign.code)
    return Counter((p.department, p.rv_level or p.level_scheme) for p in points.rows if p.status == Status.ACCEPTED.value)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The mixed 002 inbox ingested, one level changed by the office through the ledger, published."""
    base = tmp_path_factory.mktemp("publish")
    ws, _ = ingested_workspace(base)
    before = _accepted(ws)
    ledger = write_ledger(ws)[0]
    wb = openpyxl.load_workbook(ledger)
    sh = wb["风险点台账"]
    header = [c.value for c in sh[2]]
    row = next(r for r in range(3, sh.max_row + 1) if sh.cell(r, header.index("状态") + 1).value == "合格")
    cell = sh.cell(row, header.index("风险等级") + 1)
    cell.value = next(lv for lv in ws.profile.levels.labels if lv != cell.value)
    wb.save(base / "reviewed.xlsx")
    api.ledger_import(ws, base / "reviewed.xlsx", by="王审核")
    assert _accepted(ws) != before
    return ws, api.publish(ws, pdf=False)


def test_rows_are_the_accepted_points_per_department(published) -> None:
    ws, paths = published
    whole = ws.outbox / "publish" / f"{ws.profile.institution.short_name}{SUFFIX}"
    assert paths[0] == whole
    expect = _accepted(ws)
    rows = _table(whole)
    assert Counter((r["单位/科室"].split("\n")[0], r["风险等级"]) for r in rows) == expect  # reviewed level shown
    assert [r["序号"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    departments = {d for d, _ in expect}
    written = {p.name for p in paths if p.parent.name == "departments"}
    assert written == {f"{d}{SUFFIX}" for d in departments}  # a department with nothing accepted has no 公示
    for d in departments:
        mine = _table(ws.outbox / "publish" / "departments" / f"{d}{SUFFIX}")
        assert Counter(r["风险等级"] for r in mine) == Counter({lv: n for (dd, lv), n in expect.items() if dd == d})


def test_levels_in_the_scheme_order_highest_first(published) -> None:
    ws, paths = published
    labels = ws.profile.levels.labels
    assert labels[0] == "三级"  # 002: the first label is the highest, 一级 the lowest
    rows = _table(paths[0])
    for d in {r["单位/科室"].split("\n")[0] for r in rows}:
        ranks = [labels.index(r["风险等级"]) for r in rows if r["单位/科室"].startswith(d)]
        assert ranks == sorted(ranks), d
    assert "风险等级从高到低依次为三级、二级、一级" in _all_text(paths[0])


def test_period_and_objections(published) -> None:
    ws, paths = published
    text = _all_text(paths[0])
    m = re.search(r"公示时间：(\d{4})年(\d{1,2})月(\d{1,2})日至(\d{4})年(\d{1,2})月(\d{1,2})日（(\d+)天）", text)
    assert m and int(m.group(7)) == ws.profile.publication.days
    assert f"设在{ws.profile.office.location}" in text and "反映" in text


def test_no_ordinary_staff_names(published) -> None:
    ws, paths = published
    ordinary = _ordinary(ws)
    assert ordinary
    for path in paths:
        text = _all_text(path)
        assert not [n for n in ordinary if n in text], path.name
    heads = {d.head for d in ws.profile.departments}
    assert any(h in _all_text(paths[0]) for h in heads)  # department heads answer for their points by name


def test_word_layout(published) -> None:
    _, paths = published
    d = docx.Document(str(paths[0]))
    section = d.sections[0]
    assert section.page_width > section.page_height  # A4 landscape
    table = d.tables[0]
    trs = table._tbl.findall(qn("w:tr"))
    assert trs[0].find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
    assert all(tr.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None for tr in trs)
    assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    text_width = section.page_width.twips - section.left_margin.twips - section.right_margin.twips
    assert len(grid) == len(COLUMNS) and sum(grid) <= text_width
    assert sum(w for _, w in COLUMNS) == PAGE_WIDTH_MM - 2 * MARGIN_MM


def test_cli_publish(published) -> None:
    ws, _ = published
    out = CliRunner().invoke(main, ["publish", "-w", str(ws.root), "--no-pdf"])
    assert out.exit_code == 0, out.output
    assert f"{ws.profile.institution.short_name}{SUFFIX}" in out.output


# --- one return of a seed's own layout ----------------------------------------------------------------

def _return(tmp_path, profile: str, form_type: str, levels: list[str], tier: str, extra_toml: str = "",
            signed: bool = False):
    ws = make_workspace(tmp_path, profile)
    if extra_toml:
        with (ws.root / "profile.toml").open("a", encoding="utf-8") as f:
            f.write(extra_toml)
        ws = type(ws)(ws.root)
    ordinary = _ordinary(ws)
    person = next(p for p in ws.roster if p.tier == tier and (tier != "一般工作人员" or p.name in ordinary))
    definition = get(form_type)
    api.make_forms(ws, person=person.staff_id, form_type=form_type, progress=False, jobs=1)
    src = next(p for p in (ws.outbox / "forms").rglob("*.docx")
               if person.staff_id in str(p) and definition.title in p.name)
    signatures = {label: person.name for label in definition.signatures} if signed else None
    fill_form(src, ws.inbox / "r.docx", definition, sample_rows(person.name, definition, levels), signatures=signatures)
    api.ingest(ws, progress=False, jobs=1)
    return ws, person


def test_ordinary_staff_self_responsible_shown_by_post_003(tmp_path) -> None:
    ws, person = _return(tmp_path, "003-gzwy", "003-person-control", ["A", "B", "C"], "一般工作人员")
    paths = api.publish(ws, pdf=False)
    by_level = {r["风险等级"]: r for r in _table(paths[0])}
    assert list(by_level) == ["A", "B", "C"]
    d = ws.profile.department(person.department)
    assert by_level["A"]["责任人"] == f"{d.supervisor}\n（分管领导）" and by_level["A"]["责任领导"].endswith("\n（主要领导）")
    post = person.post.removeprefix(person.department) or person.post
    assert by_level["C"]["责任人"] == f"{post}\n（个人）" and by_level["C"]["责任领导"] == f"{d.head}\n（科室负责人）"
    assert all(person.name not in _all_text(p) for p in paths)


def test_staff_names_where_the_profile_allows(tmp_path) -> None:
    ws, person = _return(tmp_path, "003-gzwy", "003-person-control", ["A", "B", "C"], "一般工作人员",
                         "\n[publication]\nstaff_names = true\ndays = 7\nobjections = \"院纪委信箱（门诊楼三楼）\"\n")
    (path, *_) = api.publish(ws, pdf=False)
    rows = _table(path)
    assert {r["风险等级"]: r["责任人"] for r in rows}["C"] == f"{person.name}\n（个人）"
    text = _all_text(path)
    assert "（7天）" in text and "院纪委信箱（门诊楼三楼）" in text


@needs_soffice
def test_three_measures_and_pdf_000(tmp_path) -> None:
    import pdfplumber

    ws, _ = _return(tmp_path, "000-ccmc", "000-person-control", ["一级", "二级", "三级"], "中层",
                         signed=True)
    paths = api.publish(ws)
    assert [p.suffix for p in paths[:2]] == [".docx", ".pdf"]
    rows = _table(paths[0])
    assert [r["风险等级"] for r in rows] == ["一级", "二级", "三级"]
    ledger = _ledger_by_risk(ws)
    for r in rows:
        assert re.findall(r"^(前期预防|中期监控|后期处置)：", r["防控措施"], re.MULTILINE) == ["前期预防", "中期监控", "后期处置"]
        assert [r["责任人"], r["责任领导"]] == [ledger[r["风险点"]][k].replace("（", "\n（", 1) for k in ("责任人", "监督人")]
    with pdfplumber.open(paths[1]) as pdf:
        text = "".join((page.extract_text() or "") for page in pdf.pages)
        cells = {(c or "").replace("\n", "") for page in pdf.pages for t in page.extract_tables() for row in t for c in row}
    assert "公示时间" in text and {r["风险点"] for r in rows} <= cells


def _ledger_by_risk(ws) -> dict[str, dict]:
    """The ledger's 风险点台账 rows by risk point (distinct within one return)."""
    sh = openpyxl.load_workbook(write_ledger(ws)[0])["风险点台账"]
    header = [c.value for c in sh[2]]
    rows = [dict(zip(header, r)) for r in sh.iter_rows(min_row=3, values_only=True) if r[0]]
    return {r["风险点"]: r for r in rows}


def test_word_opens_without_repair(published) -> None:
    """Every 公示 passes the OOXML validator Word's "unreadable content" check stands for."""
    openxml_audit = pytest.importorskip("openxml_audit", reason="openxml-audit is in the [test] extra")
    _, paths = published
    validator = openxml_audit.OpenXmlValidator(file_format=openxml_audit.FileFormat.OFFICE_2019)
    for path in paths:
        assert [str(e) for e in getattr(validator.validate(path), "errors", [])][:5] == [], path.name
