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
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from pipeline.forms import registry
from pipeline.report import ledger_sheets
from pipeline.report.ledger_rows import LedgerColumns, LedgerRow, ledger_rows
from pipeline.report.status import DepartmentStatus, status
from pipeline.report.xlsx import Col, RowCache, new_workbook
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
        events = all_events(s, campaign)
    columns, rows = ledger_rows(profile, ws.roster, points)
    tracking = status(ws, today=today)
    redo = [o.submission_id for r in tracking for o in r.to_redo if o.submission_id]
    with open_store(ws.database_url)() as s:
        problems = problems_of(s, redo) if redo else {}
    return LedgerData(columns, rows, ledger_sheets.catalogue_rows(profile, points), tracking, problems, events,
                      utcnow())


#: Below this many risk points the department workbooks are written in this process: a worker
#: costs more than it saves.
PARALLEL_ROWS = 20_000


@dataclass
class _Shared:
    """What every workbook of one ledger run shares: the rows, their columns fitted once, the encoded rows."""

    ws: Workspace
    data: LedgerData
    review_cols: list[Col]
    up_cols: list[Col]
    cache: RowCache


_shared: _Shared | None = None  # set before forking the worker, which reads it (fork shares it unpickled)


def write_ledger(ws: Workspace, *, today: dt.date | None = None, jobs: int | None = None) -> list[Path]:
    """Write the institution's ledger, its report-up file and one workbook per department.

    Every workbook shows the same row objects with the same column widths, so each row is
    encoded once per layout (:class:`pipeline.report.xlsx.RowCache`). With two or more cores
    (``jobs``, default the cores this process may use) and a large ledger, the report-up file and
    the department workbooks are written by one forked worker while this process writes the
    institution's; the worker encodes its rows again, which costs less than waiting for them.
    """
    global _shared
    data = collect(ws, today=today)
    profile = ws.profile
    out = ledger_path(ws)
    (out.parent / "departments").mkdir(parents=True, exist_ok=True)
    shared = _Shared(ws, data, ledger_sheets.risk_columns(profile, data.columns, data.rows, review=True),
                     ledger_sheets.risk_columns(profile, data.columns, data.rows, review=False), RowCache())
    tasks: list[tuple[str, Path, str | None]] = []
    if profile.levels.report_up:
        tasks.append(("up", out.with_name(f"{profile.institution.short_name}{REPORT_UP_SUFFIX}"), None))
    tasks += [("department", out.parent / "departments" / f"{d.name}{SUFFIX}", d.name) for d in profile.departments]
    jobs = jobs or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    if jobs < 2 or len(data.rows) < PARALLEL_ROWS or sys.platform != "linux":
        return [_write(shared, "whole", out, None)] + [_write(shared, *t) for t in tasks]
    _shared = shared
    try:
        with get_context("fork").Pool(1) as pool:
            others = pool.apply_async(_write_tasks, (tasks,))
            written = [_write(shared, "whole", out, None)]
            written += others.get()
    finally:
        _shared = None
    return written


def _write_tasks(tasks: list[tuple[str, Path, str | None]]) -> list[Path]:
    """In the forked worker: the workbooks of ``tasks`` from the rows the parent read."""
    assert _shared is not None
    return [_write(_shared, *t) for t in tasks]


def _report_up(ws: Workspace, rows: Sequence[LedgerRow]) -> list[LedgerRow]:
    wanted = set(ws.profile.levels.report_up)
    return [r for r in rows if r.level in wanted]


def _write(shared: _Shared, kind: str, path: Path, department: str | None) -> Path:
    """One workbook: ``whole`` (the institution's), ``up`` (the report-up file) or a ``department``'s."""
    ws, data, profile = shared.ws, shared.data, shared.ws.profile
    rows = data.rows if department is None else [r for r in data.rows if r.department == department]
    wb = new_workbook()
    if kind == "up":
        ledger_sheets.report_up_sheet(wb, ws, shared.up_cols, _report_up(ws, rows), shared.cache)
        ledger_sheets.meta_sheet(wb, profile.campaign.code, data.exported_at, data.columns, [])
        wb.save(path)
        return path
    title = department or profile.institution.name
    tracking = [r for r in data.status if department is None or r.department == department]
    ledger_sheets.summary_sheet(wb, ws, title, rows, tracking)
    ledger_sheets.risk_sheet(wb, title, shared.review_cols, rows, shared.cache)
    if profile.levels.report_up:
        ledger_sheets.report_up_sheet(wb, ws, shared.up_cols, _report_up(ws, rows), shared.cache)
    if profile.levels.post_labels:
        ledger_sheets.post_grade_sheet(wb, ws, rows, data.columns)
    if any(registry()[f].kind == "catalogue" for f in profile.annexes.forms):
        ledger_sheets.catalogue_sheet(wb, ws, [r for r in data.catalogue if department is None or r[1] == department])
    ledger_sheets.tracking_sheet(wb, ws, tracking)
    ledger_sheets.redo_sheet(wb, ws, tracking, data.problems)
    if kind == "whole":
        ledger_sheets.events_sheet(wb, ws, data.events)
    ledger_sheets.meta_sheet(wb, profile.campaign.code, data.exported_at, data.columns, rows, shared.cache)
    wb.save(path)
    return path
