"""Kill ``lianzheng ingest`` with SIGKILL at several points, run it again, and compare with one clean run.

The ingest process prints ``stored <sha>`` after copying an original and ``committed <sha>`` after
its batch's transaction, then sleeps a moment (test hook, see pipeline/intake/ingest.py), so the kill
lands exactly between two steps: after a copy and before the commit, after a commit, and — by time —
while workers are still parsing. Batches are three files, so a kill loses at most three. After the last rerun, the store must equal the clean run's: same
submissions by sha with the same status, slot, supersession and problems, the same risk counts,
the same originals and quarantine files, and no temporary files left.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import REPO, make_workspace
from inbox_maker import build_mixed_inbox
from pipeline import api
from pipeline.intake.ingest import PAUSE_ENV, TRACE_ENV
from pipeline.store import open_store
from pipeline.store.models import ProblemRow, RiskPoint, Submission
from pipeline.workspace import Workspace
from store_backends import fresh_pg_database


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    ws = make_workspace(tmp_path_factory.mktemp("kill-template"))
    api.make_forms(ws, progress=False, jobs=1)
    build_mixed_inbox(ws, ws.inbox, pdf=False)
    return ws.root


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request):
    """Makes database URLs for workspaces: None (the workspace's SQLite) or fresh PostgreSQL databases."""
    drops = []

    def new_url() -> str | None:
        if request.param == "sqlite":
            return None
        url, drop = fresh_pg_database()
        drops.append(drop)
        return url

    yield new_url
    for drop in drops:
        drop()


def _clone(template: Path, dest: Path, db_url: str | None) -> Workspace:
    root = dest / "ws"
    shutil.copytree(template, root, ignore=shutil.ignore_patterns("store", "inbox"))
    ws = Workspace(root, db_url=db_url)
    if db_url:
        api.make_forms(ws, progress=False, jobs=1)
    else:
        shutil.copytree(template / "store", root / "store")
    return ws


def _command(ws: Workspace, inbox: Path) -> list[str]:
    # batches of three, so kills land between transactions as well as inside one
    cmd = [sys.executable, "-m", "pipeline", "ingest", "-w", str(ws.root), "--inbox", str(inbox), "-j", "2", "--batch", "3"]
    return cmd + (["--db", ws.db_url] if ws.db_url else [])


def _run_and_kill(cmd: list[str], *, marker: str | None, count: int = 0, after_seconds: float = 0.0) -> int:
    """Start ingest; SIGKILL it after the ``count``-th ``marker`` line (or after some seconds)."""
    env = dict(os.environ, **{TRACE_ENV: "1", PAUSE_ENV: "0.3"}, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if marker is None:
        time.sleep(after_seconds)
    else:
        seen = 0
        for line in proc.stderr:
            if line.startswith(marker + " "):
                seen += 1
                if seen == count:
                    break
        else:
            pytest.fail(f"ingest finished before the {count}th {marker!r}")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    return proc.returncode


def snapshot(ws: Workspace) -> dict:
    factory = open_store(ws.database_url)
    with factory() as s:
        sha_of = dict(s.execute(select(Submission.id, Submission.sha256)).all())
        subs = {}
        for sub in s.scalars(select(Submission)):
            problems = sorted((p.code, p.where, p.scope) for p in
                              s.scalars(select(ProblemRow).where(ProblemRow.submission_id == sub.id)))
            risks = s.scalar(select(func.count()).select_from(RiskPoint).where(RiskPoint.submission_id == sub.id))
            subs[sub.sha256] = (sub.filename, sub.status, sub.form_id, sub.slot, sub.match_method,
                                sha_of.get(sub.superseded_by), risks, tuple(problems))
    # what ingest writes: the originals and the quarantine (issued forms are generation's, made per clone)
    files = sorted(p.relative_to(ws.store_dir).as_posix() for folder in (ws.originals, ws.quarantine)
                   for p in folder.rglob("*") if p.is_file())
    return {"submissions": subs, "files": files}


def test_kill_at_several_points_then_rerun_equals_clean_run(template: Path, backend, tmp_path: Path) -> None:
    inbox = template / "inbox"
    clean = _clone(template, tmp_path / "clean", backend())
    api.ingest(clean, inbox=inbox, progress=False, jobs=2)
    expected = snapshot(clean)
    assert len(expected["submissions"]) == 14 and any(f.startswith("quarantine/") for f in expected["files"])

    killed = _clone(template, tmp_path / "killed", backend())
    cmd = _command(killed, inbox)
    kills = [dict(marker=None, after_seconds=1.0),          # while starting / parsing
             dict(marker="stored", count=1),                # original copied, transaction not yet run
             dict(marker="committed", count=3),             # between two files
             dict(marker="stored", count=4)]                # again mid-file, later in the inbox
    for kill in kills:
        assert _run_and_kill(cmd, **kill) == -signal.SIGKILL
    partial = snapshot(killed)
    assert 0 < len(partial["submissions"]) < 14, "the kills interrupted the work part-way"

    done = subprocess.run(cmd, cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert snapshot(killed) == expected
    assert not list(killed.store_dir.rglob(".incoming-*"))
