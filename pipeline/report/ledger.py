"""廉政风险防控台账: the office's whole picture of the campaign, one workbook built from the store.

``outbox/ledger/<简称>-廉政风险防控台账.xlsx`` holds 汇总 (tables and native charts), 风险点台账
(one row per risk point of every current return, open for review in three columns), 上报 (the
levels the profile sends up), 岗位风险等级 (post grades), 职权目录, 提交情况, 待整改 and 操作日志.
The report-up rows also go to a file of their own, and each department gets a workbook of its own
rows under ``departments/``. Levels are always the scheme's own labels, highest first, whatever
the numerals say (in 002 一级 is the lowest).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.forms import registry
from pipeline.report import ledger_sheets
from pipeline.report.ledger_rows import LedgerColumns, LedgerRow, ledger_rows
from pipeline.report.status import DepartmentStatus, status
from pipeline.report.xlsx import new_workbook
from pipeline.store import open_store, utcnow
from pipeline.store.queries import all_events, ledger_risk_points, problems_of
from pipeline.workspace import Workspace

SUFFIX = "-廉政风险防控台账.xlsx"
REPORT_UP_SUFFIX = "-廉政风险防控台账-上报.xlsx"


@dataclass
class LedgerData:
    """Everything a ledger workbook shows, read from the store once."""

    columns: LedgerColumns
    rows: list[LedgerRow]
    catalogue: list[list]
    status: list[DepartmentStatus]
    problems: dict[int, list[tuple[str, str]]]
    events: list
    exported_at: dt.datetime


def ledger_path(ws: Workspace) -> Path:
    return ws.outbox / "ledger" / f"{ws.profile.institution.short_name}{SUFFIX}"


def collect(ws: Workspace, *, today: dt.date | None = None) -> LedgerData:
    profile = ws.profile
    campaign = profile.campaign.code
    with open_store(ws.database_url)() as s:
        points = ledger_risk_points(s, campaign)
        events = all_events(s)
    columns, rows = ledger_rows(profile, ws.roster, points)
    tracking = status(ws, today=today)
    redo = [o.submission_id for r in tracking for o in r.to_redo if o.submission_id]
    with open_store(ws.database_url)() as s:
        problems = problems_of(s, redo) if redo else {}
    return LedgerData(columns, rows, ledger_sheets.catalogue_rows(profile, points), tracking, problems, events,
                      utcnow())


def write_ledger(ws: Workspace, *, today: dt.date | None = None) -> list[Path]:
    """Write the institution's ledger, its report-up file and one workbook per department."""
    data = collect(ws, today=today)
    profile = ws.profile
    out = ledger_path(ws)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = [_write(ws, data, out, rows=data.rows, title=profile.institution.name, whole=True)]
    up = _report_up(ws, data.rows)
    if profile.levels.report_up:
        path = out.with_name(f"{profile.institution.short_name}{REPORT_UP_SUFFIX}")
        wb = new_workbook()
        ledger_sheets.report_up_sheet(wb, ws, data.columns, up)
        ledger_sheets.meta_sheet(wb, profile.campaign.code, data.exported_at, [])
        wb.save(path)
        written.append(path)
    departments = out.parent / "departments"
    departments.mkdir(exist_ok=True)
    for d in profile.departments:
        mine = [r for r in data.rows if r.department == d.name]
        path = departments / f"{d.name}{SUFFIX}"
        written.append(_write(ws, data, path, rows=mine, title=d.name, whole=False, department=d.name))
    return written


def _report_up(ws: Workspace, rows: Sequence[LedgerRow]) -> list[LedgerRow]:
    wanted = set(ws.profile.levels.report_up)
    return [r for r in rows if r.level in wanted]


def _renumber(rows: Sequence[LedgerRow]) -> list[LedgerRow]:
    """Rows with 序号 counted from 1 in this workbook (the check value does not cover 序号)."""
    out = []
    for i, r in enumerate(rows, start=1):
        out.append(LedgerRow(r.risk_id, r.department, r.level_rank, r.level, r.category, r.personal, r.person,
                             r.reviewed, [i, *r.values[1:]], r.stated_post))
    return out


def _write(ws: Workspace, data: LedgerData, path: Path, *, rows: list[LedgerRow], title: str, whole: bool,
           department: str | None = None) -> Path:
    profile = ws.profile
    rows = _renumber(rows)
    tracking = [r for r in data.status if department is None or r.department == department]
    wb = new_workbook()
    ledger_sheets.summary_sheet(wb, ws, title, rows, tracking)
    ledger_sheets.risk_sheet(wb, ws, title, data.columns, rows)
    if profile.levels.report_up:
        ledger_sheets.report_up_sheet(wb, ws, data.columns, _report_up(ws, rows))
    if profile.levels.post_labels:
        ledger_sheets.post_grade_sheet(wb, ws, rows, data.columns)
    if any(registry()[f].kind == "catalogue" for f in profile.annexes.forms):
        ledger_sheets.catalogue_sheet(wb, ws, [r for r in data.catalogue if department is None or r[1] == department])
    ledger_sheets.tracking_sheet(wb, ws, tracking)
    ledger_sheets.redo_sheet(wb, ws, tracking, data.problems)
    if whole:
        ledger_sheets.events_sheet(wb, ws, data.events)
    ledger_sheets.meta_sheet(wb, profile.campaign.code, data.exported_at, [(i + 3, r.values[-2]) for i, r in enumerate(rows)])
    wb.save(path)
    return path
