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
