"""Benchmark: a 100,000-risk-point ledger from a store, beside openpyxl's normal mode on the same rows.

    python bench/ledger.py [--people 10000] [--risks 10]

The store is filled directly (no Word files: this measures the ledger, not ingest): the 000
profile (three measure columns, a report-up level, a 职权 catalogue form), a synthetic roster of
``--people`` staff, one accepted 个人岗位廉能风险识别防控表 each with ``--risks`` risk points in
the scheme's levels and the profile's categories. It is cached under bench/out/. Each measurement
runs in a fresh process, so its peak memory is its own:

* ledger: ``pipeline.report.ledger.write_ledger`` as ``lianzheng ledger`` runs it — the query, the
  roster, the rows, the institution workbook (every sheet, charts), the report-up file and one
  workbook per department (so each risk point is written about 3.5 times), the last two in a
  forked worker when there are two cores. Peak memory is the main process's and the worker's
  (each counts the pages they share); CPU seconds are printed beside the wall time, since other
  work on the machine stretches the latter;
* sheet: the 风险点台账 sheet alone from rows already in memory, as the ledger writes it
  (openpyxl for the skeleton — styles, validations, protection — and the rows streamed as XML);
* normal: the same rows and the same cell styles through openpyxl's ordinary mode (``ws.cell``
  per value, then ``save``) — what a straightforward script does.

Floor: the 100,000-point ledger in under 20 s with peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.workspace import Workspace  # noqa: E402

PROFILE = ROOT / "profiles" / "000-ccmc"
OUT = ROOT / "bench" / "out"
FORM = "000-person-control"
FLOOR_SECONDS, FLOOR_MB = 20.0, 1024
TOPICS = ["经费报销审核", "物资采购验收", "人员招聘考核", "合同签订审查", "工程项目管理", "招生录取", "职称评审",
          "科研经费使用", "资产处置", "学生资助评定"]


def corpus(people: int, risks: int) -> Workspace:
    """The cached workspace: profile, synthetic roster and a store of accepted returns with their risk points."""
    root = OUT / f"ledger-{people}x{risks}"
    done = root / ".complete"
    if done.is_file():
        return Workspace(root)
    from sqlalchemy import insert

    from pipeline.campaign import identity
    from pipeline.report.ledger_rows import measure_columns
    from pipeline.rosterbook import synthetic_roster, write_roster
    from pipeline.store import open_store, sync_profile, utcnow
    from pipeline.store.models import RiskPoint, Submission
    from pipeline.store.status import Status

    shutil.rmtree(root, ignore_errors=True)
    (root / "outbox").mkdir(parents=True)
    shutil.copy(PROFILE / "profile.toml", root / "profile.toml")
    ws = Workspace(root)
    profile = ws.profile
    roster = synthetic_roster(profile, people)
    write_roster(root / "roster.xlsx", roster, [d.name for d in profile.departments])
    ws = Workspace(root)
    labels, categories = profile.levels.labels, profile.categories
    measures = [key for key, _ in measure_columns(profile)]
    rng = random.Random(7)
    start = time.perf_counter()
    with open_store(ws.database_url).begin() as s:
        sync_profile(s, profile, ws.roster)
        s.flush()
        now = utcnow()
        for i, p in enumerate(ws.roster):
            sid = s.execute(insert(Submission.__table__), dict(
                campaign=profile.campaign.code, sha256=f"{i:064x}", filename=f"{p.department}/{p.staff_id}.docx",
                size=40_000, received_at=now, file_modified=now, status=Status.ACCEPTED.value, form_type=FORM,
                department=p.department, person_name=p.name, staff_id=p.staff_id, match_method="roster",
                slot=f"{FORM}/{identity.person_subject(p.staff_id)}", meta={},
                parsed={"header": {"name": p.name, "position": p.position, "extra": {}}})).inserted_primary_key[0]
            rows = []
            for n in range(risks):
                topic = TOPICS[(i + n) % len(TOPICS)]
                rank = rng.choice((1, 2, 2, 3, 3, 3))
                text = {key: f"{p.name}：{topic}{'前中后'[k % 3]}期措施，建立台账、双人复核、定期检查并公开结果"
                        for k, key in enumerate(measures)}
                rows.append(dict(
                    submission_id=sid, seq=n + 1, name=f"{topic}环节风险",
                    description=f"{p.name}在{topic}中可能放宽标准、接受服务对象宴请或礼品，为他人谋取不正当利益",
                    category=rng.choice(categories), level=("high", "medium", "low")[rank - 1],
                    level_label=labels[rank - 1], level_rank=rank, level_scheme=labels[rank - 1],
                    measures=text.get("measures"), review="同意", duty=p.duty,
                    extra={k: v for k, v in text.items() if k != "measures"}))
            s.execute(insert(RiskPoint.__table__), rows)
    print(f"setup: {people} returns, {people * risks} risk points stored in {time.perf_counter() - start:.1f} s")
    done.write_text("ok")
    return ws


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_ledger(ws: Workspace) -> dict:
    from pipeline.report.ledger import write_ledger

    start = time.perf_counter()
    paths = write_ledger(ws)
    seconds = time.perf_counter() - start
    me, worker = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return dict(seconds=seconds, files=len(paths), bytes=sum(p.stat().st_size for p in paths),
                cpu=me.ru_utime + me.ru_stime, worker_cpu=worker.ru_utime + worker.ru_stime,
                worker_mb=worker.ru_maxrss / 1024)


def _rows(ws: Workspace):
    from pipeline.report.ledger_rows import ledger_rows
    from pipeline.store import open_store
    from pipeline.store.queries import ledger_risk_points

    with open_store(ws.database_url)() as s:
        points = ledger_risk_points(s, ws.profile.campaign.code)
    return ledger_rows(ws.profile, ws.roster, points)


def run_sheet(ws: Workspace) -> dict:
    from pipeline.report.ledger_sheets import risk_columns, risk_sheet
    from pipeline.report.xlsx import new_workbook

    columns, rows = _rows(ws)
    out = ws.outbox / "bench-sheet.xlsx"
    start = time.perf_counter()
    wb = new_workbook()
    risk_sheet(wb, ws.profile.institution.name, risk_columns(ws.profile, columns, rows, review=True), rows)
    wb.save(out)
    return dict(seconds=time.perf_counter() - start, rows=len(rows), bytes=out.stat().st_size)


def run_normal(ws: Workspace) -> dict:
    """The same rows with the same fonts, borders and wrapping, through openpyxl's ordinary mode."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    columns, rows = _rows(ws)
    out = ws.outbox / "bench-normal.xlsx"
    start = time.perf_counter()
    wb = Workbook()
    sheet = wb.active
    sheet.title = "风险点台账"
    thin = Side(style="thin", color="808080")
    font, border = Font(name="宋体", size=10), Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.cell(1, 1, f"{ws.profile.institution.name}廉政风险点台账").font = Font(name="黑体", size=16, bold=True)
    for j, label in enumerate(columns.labels, start=1):
        cell = sheet.cell(2, j, label)
        cell.font, cell.border = Font(name="黑体", size=10, bold=True), border
        sheet.column_dimensions[get_column_letter(j)].width = 16
    for i, r in enumerate(rows, start=3):
        for j, value in enumerate(r.values, start=1):
            cell = sheet.cell(i, j, value)
            cell.font, cell.border, cell.alignment = font, border, wrap
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(columns.labels))}{len(rows) + 2}"
    wb.save(out)
    return dict(seconds=time.perf_counter() - start, rows=len(rows), bytes=out.stat().st_size)


MODES = {"ledger": run_ledger, "sheet": run_sheet, "normal": run_normal}


def measure(mode: str, root: Path) -> dict:
    """Run one mode in a fresh interpreter; its result with that process's peak memory."""
    done = subprocess.run([sys.executable, __file__, "--child", mode, "--root", str(root)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--risks", type=int, default=10, help="risk points per person")
    parser.add_argument("--child", choices=sorted(MODES), help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = MODES[args.child](Workspace(args.root))
        print(json.dumps(dict(result, peak_mb=peak_mb())))
        return
    ws = corpus(args.people, args.risks)
    points = args.people * args.risks
    ledger, sheet, normal = (measure(m, ws.root) for m in ("ledger", "sheet", "normal"))
    print(f"ledger, {points:,} risk points: {ledger['seconds']:.1f} s (CPU {ledger['cpu']:.1f} s main, "
          f"{ledger['worker_cpu']:.1f} s worker), peak {ledger['peak_mb']:.0f} MB main, {ledger['worker_mb']:.0f} MB "
          f"worker, {ledger['files']} workbooks, {ledger['bytes'] / 1e6:.0f} MB on disk "
          f"(floor: < {FLOOR_SECONDS:.0f} s, < {FLOOR_MB} MB)")
    print(f"风险点台账 sheet alone, {sheet['rows']:,} rows: streamed {sheet['seconds']:.1f} s, "
          f"peak {sheet['peak_mb']:.0f} MB | openpyxl normal mode {normal['seconds']:.1f} s, "
          f"peak {normal['peak_mb']:.0f} MB | ratio {normal['seconds'] / sheet['seconds']:.1f}× time, "
          f"{normal['peak_mb'] / sheet['peak_mb']:.1f}× memory")
    ok = ledger["seconds"] < FLOOR_SECONDS and max(ledger["peak_mb"], ledger["worker_mb"]) < FLOOR_MB
    print("floor met" if ok else "FLOOR MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
