"""The README's first command: ``lianzheng run`` on the bundled example, end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from conftest import REPO
from pipeline._exec import soffice
from pipeline.cli import main
from pipeline.store import open_store
from pipeline.store.models import IssuedForm, Submission
from pipeline.workspace import Workspace


def example_copy(tmp_path: Path) -> Path:
    """The repository root as a fresh user sees it: profile link target, roster and inbox."""
    root = tmp_path / "example"
    root.mkdir()
    shutil.copy(REPO / "profiles/002-qztc/profile.toml", root / "profile.toml")
    shutil.copy(REPO / "profiles/002-qztc/roster.xlsx", root / "roster.xlsx")
    shutil.copytree(REPO / "inbox", root / "inbox")
    return root


def test_run_on_the_bundled_example(tmp_path, monkeypatch):
    root = example_copy(tmp_path)
    monkeypatch.setattr(soffice, "find", lambda: None)  # no LibreOffice: the chain must still run
    result = CliRunner().invoke(main, ["run", "-w", str(root)])
    assert result.exit_code == 0, result.output
    assert "没有找到 LibreOffice" in result.output
    assert (root / "outbox/plan/泉师院-实施方案.docx").is_file()
    assert not (root / "outbox/plan/泉师院-实施方案.pdf").exists()
    assert "新文件 12 个" in result.output
    ws = Workspace(root)
    with open_store(ws.database_url)() as s:
        assert s.scalar(select(func.count()).select_from(IssuedForm)) == len(list((root / "outbox/forms").rglob("*.docx")))
        status = dict(s.execute(select(Submission.status, func.count()).group_by(Submission.status)).all())
    assert status == {"accepted": 9, "needs_revision": 1, "superseded": 1, "rejected": 1}
    assert (root / "outbox/notices/财务处-退回重查和催报通知.docx").is_file()
    assert len(list(ws.quarantine.glob("*.docx"))) == 1

    again = CliRunner().invoke(main, ["run", "-w", str(root), "--no-pdf"])
    assert again.exit_code == 0, again.output
    assert "新文件 0 个，重复（已收过）12 个" in again.output


def test_status_ledger_and_archive_agree_with_the_inbox(tmp_path, monkeypatch):
    """After ``run``: the inbox's files, the store, the status table, the ledger and the archive
    catalogue all count the same returns, forms and risk points."""
    import csv

    import openpyxl

    from pipeline import api
    from pipeline.store.queries import current_risk_points

    root = example_copy(tmp_path)
    monkeypatch.setattr(soffice, "find", lambda: None)
    result = CliRunner().invoke(main, ["run", "-w", str(root)])
    assert result.exit_code == 0, result.output
    assert "四性检测全部通过" in result.output
    ws = Workspace(root)
    inbox = [p for p in (root / "inbox").rglob("*") if p.is_file() and not p.name.startswith(("~$", "."))]
    distinct = {p.read_bytes() for p in inbox}
    with open_store(ws.database_url)() as s:
        submissions = s.scalar(select(func.count()).select_from(Submission))
        issued = s.scalar(select(func.count()).select_from(IssuedForm))
        risks = len(current_risk_points(s, ws.profile.campaign.code))
    assert submissions == len(distinct)

    rows = api.status(ws)
    assert sum(r.received for r in rows) == sum(1 for r in rows for o in r.owed if o.status)
    wb = openpyxl.load_workbook(root / "outbox/ledger/泉师院-廉政风险防控台账.xlsx", read_only=True)
    ledger_risks = [r for r in wb["风险点台账"].iter_rows(min_row=3, values_only=True) if r and r[0] is not None]
    ledger_forms = [r for r in wb["提交情况"].iter_rows(min_row=3, values_only=True) if r and r[0] is not None]
    assert len(ledger_risks) == risks > 0
    assert len(ledger_forms) == sum(r.issued for r in rows)

    (catalogue,) = (root / "outbox/archive").rglob("归档文件目录.csv")
    entries = list(csv.DictReader(catalogue.open(encoding="utf-8-sig")))
    folders = [e["文件"].split("/")[0] for e in entries]
    assert folders.count("03-收回表格") == submissions, "every return, superseded and quarantined ones too"
    assert folders.count("02-下发表格") == issued
    assert [int(e["序号"]) for e in entries] == list(range(1, len(entries) + 1))
