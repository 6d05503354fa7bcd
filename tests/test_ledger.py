"""``lianzheng ledger``: the consolidated workbook read back with openpyxl, against the store."""

from __future__ import annotations

import zipfile
from collections import Counter

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from conftest import make_workspace
from ingested import ingested_workspace
from pipeline import api
from pipeline.cli import main
from pipeline.forms import get
from pipeline.report.ledger import ledger_path, write_ledger
from pipeline.store import open_store
from pipeline.store.models import Event, RiskPoint, RiskReview, Submission
from pipeline.store.status import CURRENT
from pipeline.testing import fill_form, sample_rows

FORMULAS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "\t=HYPERLINK(\"http://x\")"]


def issue_and_fill(ws, person, form_type: str, rows: list[dict], name: str, mtime: float = 1_340_000_000.0):
    """Issue ``form_type`` to ``person``, type ``rows`` into it and drop it in the inbox."""
    api.make_forms(ws, person=person.staff_id, form_type=form_type, progress=False, jobs=1)
    definition = get(form_type)
    src = next(p for p in (ws.outbox / "forms").rglob("*.docx")
               if person.staff_id in str(p) and definition.title in p.name)
    return fill_form(src, ws.inbox / name, definition, rows, author=person.name, last_modified_by=person.name,
                     mtime=mtime)


@pytest.fixture(scope="module")
def ledger002(tmp_path_factory):
    ws, _ = ingested_workspace(tmp_path_factory.mktemp("ledger"))
    person = [p for p in ws.roster if p.department == "科研处"][-1]  # not among the mixed inbox's returns
    rows = [dict(name=f"风险{i}", description=text, level="一级") for i, text in enumerate(FORMULAS, start=1)]
    issue_and_fill(ws, person, "002-person-assessment", rows, "科研处/公式.docx")
    api.ingest(ws, progress=False, jobs=1)
    paths = write_ledger(ws)
    return ws, paths, person


def _sheet_rows(path, sheet: str) -> list[dict]:
    sh = openpyxl.load_workbook(path)[sheet]
    header = [c.value for c in sh[2]]
    return [dict(zip(header, r)) for r in sh.iter_rows(min_row=3, values_only=True) if any(v not in (None, "") for v in r)]


def _store_counts(ws) -> Counter:
    with open_store(ws.database_url)() as s:
        return Counter(s.execute(
            select(Submission.department, RiskPoint.level_scheme)
            .join(Submission, Submission.id == RiskPoint.submission_id)
            .where(Submission.status.in_(CURRENT))).all())


def test_summary_counts_equal_the_returns_in_the_scheme_order(ledger002) -> None:
    ws, paths, _ = ledger002
    assert paths[0] == ledger_path(ws) and paths[0].name == "泉师院-廉政风险防控台账.xlsx"
    sh = openpyxl.load_workbook(paths[0])["汇总"]
    header = [c.value for c in sh[2]]
    assert header[:5] == ["部门", "三级", "二级", "一级", "合计"]  # 002: 三级 is the highest
    table = {}
    for r in sh.iter_rows(min_row=3, values_only=True):
        if not r[0] or r[0] == "合计":
            break
        table[r[0]] = dict(zip(header[1:4], r[1:4]))
    got = Counter({(d, lv): n for d, counts in table.items() for lv, n in counts.items() if n})
    assert got == _store_counts(ws) and sum(got.values()) > 0


def test_risk_sheet_one_row_per_current_risk_point(ledger002) -> None:
    ws, paths, person = ledger002
    rows = _sheet_rows(paths[0], "风险点台账")
    assert sum(_store_counts(ws).values()) == len(rows)
    assert [r["序号"] for r in rows] == list(range(1, len(rows) + 1))
    mine = [r for r in rows if r["姓名"] == person.name]
    assert {r["风险等级"] for r in mine} == {"一级"} and all(r["部门"] == "科研处" for r in mine)
    assert all(r["状态"] in ("合格", "需退回重查") for r in rows)
    assert all(r["风险编号"].startswith(ws.profile.campaign.code + "-R") for r in rows)


def test_put_keeps_leading_tab_formulas_inert() -> None:
    from pipeline.report.xlsx import new_workbook, put, sheet_styles

    ws = new_workbook().create_sheet("t")
    cell = put(ws, "\t=HYPERLINK(\"http://x\")", sheet_styles(ws).body)
    assert cell.data_type == "s" and cell.quotePrefix


def test_formula_like_text_is_stored_as_text(ledger002) -> None:
    _, paths, person = ledger002
    sh = openpyxl.load_workbook(paths[0])["风险点台账"]
    col = [c.value for c in sh[2]].index("风险内容及表现形式")
    typed = {f.strip() for f in FORMULAS}  # the parser trims what people type around a cell's text
    cells = [row[col] for row in sh.iter_rows(min_row=3) if str(row[col].value).strip() in typed]
    assert {c.value.strip() for c in cells} == typed
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    with zipfile.ZipFile(paths[0]) as z:
        assert not any("<f>" in z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))


def _charts(path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart")]


def test_native_charts(ledger002) -> None:
    """A stacked bar of departments by level; no category table or pie where no point has a
    category (002's forms have no 风险类别 column: it would be all 未分类)."""
    _, paths, _ = ledger002
    charts = _charts(paths[0])
    assert any("<barChart>" in c and '<grouping val="stacked"/>' in c for c in charts)
    assert not any("<pieChart>" in c for c in charts)
    firsts = [r[0] for r in openpyxl.load_workbook(paths[0])["汇总"].iter_rows(values_only=True)]
    assert "风险类别" not in firsts and "未分类" not in firsts


def test_every_sheet_is_laid_out_for_print(ledger002) -> None:
    _, paths, _ = ledger002
    wb = openpyxl.load_workbook(paths[0])
    assert wb.sheetnames[:2] == ["汇总", "风险点台账"] and {"提交情况", "待整改", "操作日志"} <= set(wb.sheetnames)
    for sh in wb.worksheets:
        if sh.sheet_state != "visible":
            continue
        assert sh.page_setup.orientation == "landscape" and sh.page_setup.fitToWidth == 1, sh.title
        assert sh.sheet_properties.pageSetUpPr.fitToPage, sh.title  # else fitToWidth is ignored
        assert "&P" in sh.oddFooter.center.text and sh["A1"].value and sh.auto_filter.ref, sh.title
        if sh.title == "汇总":  # several tables: each starts a page, none has another's header over it
            assert sh.freeze_panes == "A2" and not sh.print_title_rows and sh.print_area, sh.title
            assert len(sh.row_breaks.brk) == 1  # 002 has no category table: the department table, then the rest
        else:
            assert sh.freeze_panes == "A3" and sh.print_title_rows == "$2:$2", sh.title
    risk = wb["风险点台账"]
    assert risk.protection.sheet and not risk.protection.password
    assert risk.column_dimensions["T"].hidden and risk.column_dimensions["U"].hidden  # 风险编号, 校验值
    lists = [dv.formula1 for dv in risk.data_validations.dataValidation]
    assert '"三级,二级,一级"' in lists


def test_rows_are_tall_enough_for_their_wrapped_text(ledger002) -> None:
    from pipeline.report.sheetdata import LINE_HEIGHT, lines_needed

    _, paths, _ = ledger002
    risk = openpyxl.load_workbook(paths[0])["风险点台账"]
    header = [c.value for c in risk[2]]
    widths = {i: risk.column_dimensions[c.column_letter].width for i, c in enumerate(risk[2])}
    visible = [i for i, c in enumerate(risk[2]) if not risk.column_dimensions[c.column_letter].hidden]
    tall = 0
    for row in risk.iter_rows(min_row=3):
        need = max(lines_needed(str(row[i].value or ""), widths[i]) for i in visible)
        height = risk.row_dimensions[row[0].row].height
        assert height is not None and height >= need * LINE_HEIGHT, (row[0].row, need, height)
        tall += need > 1
    assert tall, "no wrapped cell in the sample: the test checks nothing"
    assert all(risk.column_dimensions[c.column_letter].width <= 40 for c in risk[2]), header


def test_department_workbooks_and_audit_log(ledger002) -> None:
    ws, paths, _ = ledger002
    names = {p.name for p in paths if p.parent.name == "departments"}
    assert names == {f"{d.name}-廉政风险防控台账.xlsx" for d in ws.profile.departments}
    rows = _sheet_rows(ws.outbox / "ledger/departments/财务处-廉政风险防控台账.xlsx", "风险点台账")
    assert rows and {r["部门"] for r in rows} == {"财务处"} and rows[0]["序号"] == 1
    log = _sheet_rows(paths[0], "操作日志")
    assert {"收取入库", "被新版替代", "下发表格"} <= {r["操作"] for r in log}


def test_a_forked_worker_writes_the_same_workbooks(ledger002, monkeypatch) -> None:
    """Large ledgers write the 上报 file and the department workbooks in a worker process."""
    import pipeline.report.ledger as ledger

    ws, _, _ = ledger002
    serial = write_ledger(ws, jobs=1)
    before = {p: (_sheet_rows(p, "风险点台账") if p.parent.name == "departments" else None) for p in serial}
    monkeypatch.setattr(ledger, "PARALLEL_ROWS", 0)
    forked = write_ledger(ws, jobs=2)
    assert forked == serial
    for p, rows in before.items():
        if rows is not None:
            assert _sheet_rows(p, "风险点台账") == rows, p.name
    assert any(rows for rows in before.values())


def test_cli_writes_the_ledger(ledger002) -> None:
    ws, _, _ = ledger002
    out = CliRunner().invoke(main, ["ledger", "-w", str(ws.root)])
    assert out.exit_code == 0, out.output
    assert "泉师院-廉政风险防控台账.xlsx" in out.output


# --- the seeds' own rules --------------------------------------------------------------------------

def _one_return(tmp_path, profile: str, form_type: str, rows: list[dict], tier: str | None = None):
    ws = make_workspace(tmp_path, profile)
    person = next(p for p in ws.roster if tier is None or p.tier == tier)
    issue_and_fill(ws, person, form_type, rows, "return.docx")
    api.ingest(ws, progress=False, jobs=1)
    return ws, person, write_ledger(ws)


def _rows(person, definition, labels, n=3):
    return sample_rows(person, definition, labels, n)


def test_supervision_columns_follow_003(tmp_path) -> None:
    definition = get("003-person-control")
    ws = make_workspace(tmp_path, "003-gzwy")
    person = ws.roster[0]
    issue_and_fill(ws, person, "003-person-control", _rows(person.name, definition, ["A", "B", "C"]), "r.docx")
    api.ingest(ws, progress=False, jobs=1)
    rows = _sheet_rows(write_ledger(ws)[0], "风险点台账")
    d = ws.profile.department(person.department)
    by_level = {r["风险等级"]: r for r in rows}
    assert by_level["A"]["责任人"] == f"{d.supervisor}（分管领导）" and by_level["A"]["监督人"] == "刘春文（主要领导）"
    assert by_level["B"]["责任人"] == f"{d.head}（科室负责人）" and by_level["B"]["监督人"] == f"{d.supervisor}（分管领导）"
    assert by_level["C"]["责任人"] == f"{person.name}（个人）" and by_level["C"]["监督人"] == f"{d.head}（科室负责人）"
    # 003's form has a 风险类别 column: the summary counts by category, with the pie beside the table
    path = ledger_path(ws)
    assert any("<pieChart>" in c for c in _charts(path))
    summary = list(openpyxl.load_workbook(path)["汇总"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(summary) if r[0] == "风险类别")
    total = {r[0]: r[len(ws.profile.levels.labels) + 1] for r in summary[start + 1:] if r[0]}
    assert sum(n for c, n in total.items() if c in ws.profile.categories) == len(rows)


def test_report_up_for_000(tmp_path) -> None:
    definition = get("000-person-control")
    ws = make_workspace(tmp_path, "000-ccmc")
    person = ws.roster[0]
    issue_and_fill(ws, person, "000-person-control", _rows(person.name, definition, ["一级", "二级", "三级"]), "r.docx")
    api.ingest(ws, progress=False, jobs=1)
    paths = write_ledger(ws)
    every = _sheet_rows(paths[0], "风险点台账")
    assert {"防控措施（前期预防）", "防控措施（中期监控）", "防控措施（后期处置）"} <= set(every[0])
    up = _sheet_rows(paths[0], "上报")
    assert sorted(r["风险等级"] for r in up) == ["一级", "二级"]
    own = next(p for p in paths if p.name == "长春医专-廉政风险防控台账-上报.xlsx")
    assert len(_sheet_rows(own, "上报")) == 2


def test_post_grades_for_001(tmp_path) -> None:
    definition = get("001-staff-control")
    ws = make_workspace(tmp_path, "001-zcjt")
    person = next(p for p in ws.roster if p.tier == "一般工作人员")
    rows = [dict(r, post_level="A") for r in _rows(person.name, definition, ["二级", "三级"], 2)]
    issue_and_fill(ws, person, "001-staff-control", rows, "r.docx")
    api.ingest(ws, progress=False, jobs=1)
    (grade,) = _sheet_rows(write_ledger(ws)[0], "岗位风险等级")
    assert grade["评定等级"] == "B" and grade["表中所填等级"] == "A" and grade["核对"] == "不一致"
    assert grade["风险点数"] == 2


# --- the review round trip ---------------------------------------------------------------------------

def _store_state(ws):
    with open_store(ws.database_url)() as s:
        return (s.scalar(select(func.count()).select_from(Event)),
                sorted((r.risk_point_id, r.level_label, r.category, r.opinion) for r in s.scalars(select(RiskReview))))


def _edited(src, dst, edit):
    wb = openpyxl.load_workbook(src)
    edit(wb)
    wb.save(dst)
    return dst


def test_review_round_trip_and_refusals(tmp_path) -> None:
    ws, expect = ingested_workspace(tmp_path)
    path = write_ledger(ws)[0]
    sh = openpyxl.load_workbook(path)["风险点台账"]
    header = [c.value for c in sh[2]]
    level, opinion, name_col = header.index("风险等级") + 1, header.index("审核意见") + 1, header.index("风险点") + 1
    row3 = [c.value for c in sh[3]]
    new_level = next(lv for lv in ws.profile.levels.labels if lv != row3[level - 1])

    def review(wb):
        wb["风险点台账"].cell(3, level).value = new_level
        wb["风险点台账"].cell(3, opinion).value = "经办公室复核调整等级"

    refused = {
        "protected": lambda wb: setattr(wb["风险点台账"].cell(3, name_col), "value", "改了风险点"),
        "campaign": lambda wb: setattr(wb["_导出信息"]["B1"], "value", "OTHER2012"),
        "dropdown": lambda wb: setattr(wb["风险点台账"].cell(3, level), "value", "四级"),
        "deleted": lambda wb: wb["风险点台账"].delete_rows(4),
        "duplicated": lambda wb: wb["风险点台账"].append([c.value for c in wb["风险点台账"][3]]),
    }
    before = _store_state(ws)
    for case, edit in refused.items():
        f = _edited(path, tmp_path / f"{case}.xlsx", lambda wb, e=edit: (review(wb), e(wb)))
        with pytest.raises(Exception) as err:
            api.ledger_import(ws, f, by="王审核")
        assert "风险点台账" in str(err.value) or case == "campaign", (case, str(err.value))
        assert _store_state(ws) == before, case

    good = _edited(path, tmp_path / "reviewed.xlsx", review)
    summary = api.ledger_import(ws, good, by="王审核")
    assert {(c.field, c.new) for c in summary.changes} == {("风险等级", new_level), ("审核意见", "经办公室复核调整等级")}
    after = _store_state(ws)
    assert after[0] == before[0] + 2 and len(after[1]) == 1
    assert api.ledger_import(ws, good, by="王审核").changes == [] and _store_state(ws) == after  # idempotent

    again = _sheet_rows(write_ledger(ws)[0], "风险点台账")
    row = next(r for r in again if r["风险编号"] == row3[header.index("风险编号")])
    assert row["风险等级"] == new_level and row["复核情况"].startswith("已复核（王审核")
    log = _sheet_rows(ledger_path(ws), "操作日志")
    assert any(r["操作"] == "台账复核" and r["操作人"] == "王审核" and f"→ {new_level}" in r["内容（原 → 新）"] for r in log)

    # The return behind row 3 is resubmitted after the export: the old ledger is refused.
    cli = CliRunner().invoke(main, ["ledger", "import", str(good), "-w", str(ws.root), "--by", "王审核"])
    assert cli.exit_code == 0, cli.output
    with open_store(ws.database_url)() as s:
        rp = s.get(RiskPoint, int(row3[header.index("风险编号")].split("-R")[1]))
        s.get(Submission, rp.submission_id).status = "superseded"
        s.commit()
    stale = _edited(good, tmp_path / "stale.xlsx", lambda wb: setattr(wb["风险点台账"].cell(3, opinion), "value", "再改"))
    state = _store_state(ws)
    out = CliRunner().invoke(main, ["ledger", "import", str(stale), "-w", str(ws.root)])
    assert out.exit_code == 3 and "已被重新报送的版本替代" in out.output and "第 3 行" in out.output, out.output
    assert _store_state(ws) == state
