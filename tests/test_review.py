"""``lianzheng ledger import``: the office's review read back from 风险点台账, all of it or none of it.

Each test works on its own copy of one ingested 002 workspace (store and ledger included), edits
the exported ledger with openpyxl as an office would in Excel, imports it, and checks the store:
the changes and their audit events for a good file, nothing at all for a refused one.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from conftest import make_workspace, needs_soffice
from ingested import ingested_workspace
from inbox_maker import T0, build_mixed_inbox, fill, issued_form, risks_for
from pipeline import api
from pipeline.cli import main
from pipeline.errors import LianzhengError
from pipeline.report.ledger import ledger_path
from pipeline.report.ledger_rows import parse_risk_key
from pipeline.report.ledger_sheets import META_SHEET, RISK_SHEET
from pipeline.store import open_store
from pipeline.store.models import Event, RiskReview
from pipeline.workspace import Workspace
from store_backends import fresh_pg_database

REVIEWER = "王审核"


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Workspace:
    ws, _ = ingested_workspace(tmp_path_factory.mktemp("review"))
    api.ledger(ws)
    return ws


@pytest.fixture
def ws(exported: Workspace, tmp_path: Path) -> Workspace:
    """A private copy of the exported workspace: its ledger, and its SQLite store copied through
    SQLite's backup (a connection still open on the original may check its WAL in and delete it
    while a plain file copy runs)."""
    import sqlite3
    from contextlib import closing

    root = tmp_path / "ws"
    shutil.copytree(exported.root, root, ignore=shutil.ignore_patterns("lianzheng.sqlite3*"))
    db = Path(exported.database_url.removeprefix("sqlite:///"))
    with closing(sqlite3.connect(db)) as src, closing(sqlite3.connect(root / db.relative_to(exported.root))) as dst:
        src.backup(dst)
    return Workspace(root)


def _columns(sheet) -> dict[str, int]:
    return {c.value: c.column for c in sheet[2] if c.value}


def edit(ws: Workspace, change: Callable, name: str = "复核.xlsx") -> Path:
    """The workspace's ledger with ``change(sheet, columns, workbook)`` applied, saved as ``name``."""
    wb = openpyxl.load_workbook(ledger_path(ws))
    sheet = wb[RISK_SHEET]
    change(sheet, _columns(sheet), wb)
    out = ws.root / name
    wb.save(out)
    return out


def cell(sheet, row: int, label: str):
    return sheet.cell(row, _columns(sheet)[label])


def other(values, current) -> str:
    return next(v for v in values if v != current)


def snapshot(ws: Workspace) -> tuple:
    with open_store(ws.database_url)() as s:
        reviews = s.execute(select(RiskReview.risk_point_id, RiskReview.level_label, RiskReview.category,
                                   RiskReview.opinion).order_by(RiskReview.risk_point_id)).all()
        return s.scalar(select(func.count()).select_from(Event)), [tuple(r) for r in reviews]


def review_events(ws: Workspace) -> list:
    with open_store(ws.database_url)() as s:
        return list(s.scalars(select(Event).where(Event.action == "review").order_by(Event.id)))


def ledger_row(ws: Workspace, key: str) -> dict[str, object]:
    """The row of risk ``key`` in the workspace's current ledger, by column label."""
    sheet = openpyxl.load_workbook(ledger_path(ws), read_only=True)[RISK_SHEET]
    rows = sheet.iter_rows(values_only=True)
    next(rows)
    labels = next(rows)
    found = [dict(zip(labels, r)) for r in rows if key in r]
    assert len(found) == 1, found
    return found[0]


def test_a_reviewed_level_category_and_opinion_come_back_and_show_as_reviewed(ws: Workspace) -> None:
    labels, categories = ws.profile.levels.labels, ws.profile.categories
    seen: dict[str, str] = {}

    def review(sheet, col, _wb):
        level, category = cell(sheet, 3, "风险等级"), cell(sheet, 3, "风险类别")
        seen.update(key=cell(sheet, 3, "风险编号").value, old_level=level.value, old_category=category.value or "")
        level.value = seen["level"] = other(labels, level.value)
        category.value = seen["category"] = other(categories, category.value)
        opinion = cell(sheet, 3, "审核意见")  # typed as Excel keeps '=…: text with the quote prefix
        opinion.value, opinion.data_type, opinion.quotePrefix = "=经核实应上调等级", "s", True

    path = edit(ws, review)
    summary = api.ledger_import(ws, path, by=REVIEWER)
    assert sorted((c.field, c.old, c.new) for c in summary.changes) == sorted([
        ("风险等级", seen["old_level"], seen["level"]), ("风险类别", seen["old_category"], seen["category"]),
        ("审核意见", "", "=经核实应上调等级")])
    events = review_events(ws)
    assert {(e.actor, e.subject, e.detail["field"], e.detail["new"], e.detail["file"]) for e in events} == {
        (REVIEWER, seen["key"], f, new, "复核.xlsx")
        for f, new in (("风险等级", seen["level"]), ("风险类别", seen["category"]), ("审核意见", "=经核实应上调等级"))}
    risk_id = parse_risk_key(seen["key"])[1]
    with open_store(ws.database_url)() as s:
        stored = s.get(RiskReview, risk_id)
        assert (stored.level_label, stored.level_rank, stored.category, stored.actor) == (
            seen["level"], labels.index(seen["level"]) + 1, seen["category"], REVIEWER)

    api.ledger(ws)
    row = ledger_row(ws, seen["key"])
    assert (row["风险等级"], row["风险类别"], row["审核意见"]) == (seen["level"], seen["category"], "=经核实应上调等级")
    assert str(row["复核情况"]).startswith(f"已复核（{REVIEWER}")
    sheet = openpyxl.load_workbook(ledger_path(ws))[RISK_SHEET]
    col = _columns(sheet)
    (typed,) = [sheet.cell(r, col["审核意见"]) for r in range(3, sheet.max_row + 1)
                if sheet.cell(r, col["风险编号"]).value == seen["key"]]
    assert typed.data_type == "s" and typed.quotePrefix  # the re-exported opinion cannot run as a formula

    before = snapshot(ws)
    again = api.ledger_import(ws, path, by=REVIEWER)
    assert again.changes == [] and snapshot(ws) == before  # the same file twice changes nothing


def _protected_edit(sheet, col, _wb):
    cell(sheet, 4, "风险点").value = "改过的风险点"


def _other_campaign(sheet, col, wb):
    wb[META_SHEET]["B1"].value = "QTXX2026"


def _row_of_other_campaign(sheet, col, _wb):
    cell(sheet, 5, "风险编号").value = "QTXX2026-R1"


def _outside_dropdown(sheet, col, _wb):
    cell(sheet, 4, "风险等级").value = "四级"


def _deleted(sheet, col, _wb):
    sheet.delete_rows(4)


def _duplicated(sheet, col, _wb):
    sheet.append([c.value for c in sheet[3]])


@pytest.mark.parametrize("change, expected", [
    (_protected_edit, ["第 4 行", "受保护"]),
    (_other_campaign, ["QTXX2026"]),
    (_row_of_other_campaign, ["第 5 行", "QTXX2026"]),
    (_outside_dropdown, ["第 4 行", "四级", "下拉"]),
    (_deleted, ["第 4 行", "删除"]),
    (_duplicated, ["第 3 行", "重复"]),
], ids=["protected-column", "other-campaign", "row-of-other-campaign", "outside-drop-down", "deleted-row",
        "duplicated-row"])
def test_a_faulty_file_is_refused_whole_and_the_store_is_unchanged(ws: Workspace, change, expected) -> None:
    def faulty(sheet, col, wb):
        cell(sheet, 3, "审核意见").value = "这一条本身没问题"  # a good change that must not be applied alone
        change(sheet, col, wb)

    path = edit(ws, faulty)
    before = snapshot(ws)
    with pytest.raises(LianzhengError) as e:
        api.ledger_import(ws, path, by=REVIEWER)
    message = str(e.value)
    assert all(part in message for part in expected), message
    assert "复核.xlsx" in message and snapshot(ws) == before


def test_a_row_superseded_by_a_resubmission_since_the_export_is_refused(ws: Workspace) -> None:
    sheet = openpyxl.load_workbook(ledger_path(ws), read_only=True)[RISK_SHEET]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    labels = rows[0]
    at = {n: labels.index(n) for n in ("姓名", "来源表单")}
    names = {p.name: p for p in ws.roster}
    row, person = next((n, names[r[at["姓名"]]]) for n, r in enumerate(rows[1:], start=3)
                       if r[at["姓名"]] in names and r[at["来源表单"]] == "个人廉政风险排查评估表")
    fill(issued_form(ws, person), ws.inbox / person.department / "重新报送.docx", risks_for(person.name, 3),
         author=person.name, last_modified_by=person.name, mtime=T0 + 9 * 86400)
    api.ingest(ws, progress=False, jobs=1)

    path = edit(ws, lambda sheet, col, wb: setattr(cell(sheet, row, "审核意见"), "value", "同意"))
    before = snapshot(ws)
    with pytest.raises(LianzhengError) as e:
        api.ledger_import(ws, path)
    assert f"第 {row} 行" in str(e.value) and "替代" in str(e.value), str(e.value)
    assert snapshot(ws) == before


def test_cli_imports_names_the_reviewer_and_refuses_without_a_traceback(ws: Workspace) -> None:
    labels = ws.profile.levels.labels
    good = edit(ws, lambda sheet, col, wb: setattr(cell(sheet, 3, "风险等级"), "value",
                                                   other(labels, cell(sheet, 3, "风险等级").value)), "好.xlsx")
    result = CliRunner().invoke(main, ["ledger", "import", str(good), "-w", str(ws.root), "--by", REVIEWER])
    assert result.exit_code == 0, result.output
    assert [e.actor for e in review_events(ws)] == [REVIEWER]

    bad = edit(ws, _outside_dropdown, "坏.xlsx")
    result = CliRunner().invoke(main, ["ledger", "import", str(bad), "-w", str(ws.root)])
    assert result.exit_code not in (0, 70), result.output
    assert "四级" in result.output and "Traceback" not in result.output


@needs_soffice
def test_a_ledger_saved_again_by_libreoffice_still_imports(ws: Workspace) -> None:
    """An office that opens the ledger in LibreOffice (or WPS) and saves it keeps the hidden id, check and record."""
    from pipeline._exec import soffice

    labels = ws.profile.levels.labels
    path = edit(ws, lambda sheet, col, wb: setattr(cell(sheet, 3, "风险等级"), "value",
                                                   other(labels, cell(sheet, 3, "风险等级").value)))
    (resaved,) = soffice.convert([path], ws.root / "resaved", to="xlsx")
    summary = api.ledger_import(ws, resaved, by=REVIEWER)
    assert [c.field for c in summary.changes] == ["风险等级"]


@pytest.mark.postgres
def test_round_trip_on_postgresql(tmp_path: Path) -> None:
    url, drop = fresh_pg_database()
    try:
        ws = Workspace(make_workspace(tmp_path).root, db_url=url)
        api.make_forms(ws, progress=False, jobs=1)
        build_mixed_inbox(ws, ws.inbox, pdf=False)
        api.ingest(ws, progress=False, jobs=1)
        api.ledger(ws)
        categories = ws.profile.categories
        path = edit(ws, lambda sheet, col, wb: setattr(cell(sheet, 3, "风险类别"), "value",
                                                       other(categories, cell(sheet, 3, "风险类别").value)))
        assert [c.field for c in api.ledger_import(ws, path, by=REVIEWER).changes] == ["风险类别"]
        assert api.ledger_import(ws, path, by=REVIEWER).changes == []
        with pytest.raises(LianzhengError):
            api.ledger_import(ws, edit(ws, _deleted, "坏.xlsx"))
        assert len(review_events(ws)) == 1
    finally:
        drop()


def test_a_department_workbook_imports_like_the_whole_ledger(ws: Workspace) -> None:
    """The office may send each department its own workbook to review; its rows carry the same ids."""
    path = next((ws.outbox / "ledger" / "departments").glob("财务处-*.xlsx"))
    wb = openpyxl.load_workbook(path)
    sheet = wb[RISK_SHEET]
    key = cell(sheet, 3, "风险编号").value
    cell(sheet, 3, "审核意见").value = "部门复核：同意"
    wb.save(ws.root / "财务处复核.xlsx")
    summary = api.ledger_import(ws, ws.root / "财务处复核.xlsx", by=REVIEWER)
    assert [(c.field, c.new) for c in summary.changes] == [("审核意见", "部门复核：同意")]
    api.ledger(ws)
    assert ledger_row(ws, key)["审核意见"] == "部门复核：同意"


def test_an_older_ledger_does_not_undo_a_review_made_since_its_export(ws: Workspace) -> None:
    labels = ws.profile.levels.labels
    untouched = edit(ws, lambda sheet, col, wb: setattr(cell(sheet, 4, "审核意见"), "value", "乙的意见"), "乙.xlsx")
    reviewed: dict[str, str] = {}

    def first(sheet, col, _wb):
        reviewed.update(key=cell(sheet, 3, "风险编号").value, level=other(labels, cell(sheet, 3, "风险等级").value))
        cell(sheet, 3, "风险等级").value = reviewed["level"]

    api.ledger_import(ws, edit(ws, first, "甲.xlsx"), by="甲")
    api.ledger_import(ws, untouched, by="乙")  # 乙 exported before 甲's import and left row 3 alone
    api.ledger(ws)
    assert ledger_row(ws, reviewed["key"])["风险等级"] == reviewed["level"]


def test_an_older_ledger_changing_a_cell_reviewed_since_its_export_is_refused(ws: Workspace) -> None:
    labels = ws.profile.levels.labels
    current = {}

    def note(sheet, col, _wb):
        current.update(level=cell(sheet, 3, "风险等级").value)

    edit(ws, note, "看.xlsx")
    first, second = [lv for lv in labels if lv != current["level"]][:2]
    theirs = edit(ws, lambda sheet, col, wb: setattr(cell(sheet, 3, "风险等级"), "value", second), "乙.xlsx")
    api.ledger_import(ws, edit(ws, lambda sheet, col, wb: setattr(cell(sheet, 3, "风险等级"), "value", first),
                               "甲.xlsx"), by="甲")
    before = snapshot(ws)
    with pytest.raises(LianzhengError) as e:
        api.ledger_import(ws, theirs, by="乙")  # exported before 甲's import, changed the same cell
    message = str(e.value)
    assert all(part in message for part in (RISK_SHEET, "第 3 行", "风险等级", first, second, "冲突")), message
    assert snapshot(ws) == before
