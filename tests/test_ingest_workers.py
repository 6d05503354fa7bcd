"""Several ingest processes on one PostgreSQL store over one inbox: each file stored once, as one run.

Three ``lianzheng ingest`` processes start together on one workspace and one database (as clerks on
three machines sharing the inbox through a network folder would); every file must be stored exactly
once and the store must equal a single clean run. Then one of three is killed midway: the other
two take over its claims and finish, and a rerun leaves the state of a clean run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, make_workspace
from pipeline import api
from pipeline.forms import get
from pipeline.intake.ingest import PAUSE_ENV, TRACE_ENV
from pipeline.testing import fill_form, sample_rows
from pipeline.workspace import Workspace
from store_backends import fresh_pg_database
from test_ingest_kill import snapshot

pytestmark = pytest.mark.postgres
FORM = "002-person-assessment"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A 002 workspace whose inbox holds one filled return per person of three departments."""
    ws = make_workspace(tmp_path_factory.mktemp("workers"))
    api.make_forms(ws, form_type=FORM, progress=False, jobs=1)
    definition = get(FORM)
    people = [p for p in ws.roster if p.department in ("财务处", "人事处", "教务处")]
    for p in people:
        issued = next((ws.outbox / "forms").rglob(f"{p.staff_id}-{p.name}/*.docx"))
        fill_form(issued, ws.inbox / p.department / f"{p.name}.docx", definition,
                  sample_rows(p.name, definition, ["三级", "二级", "一级"]), author=p.name, last_modified_by=p.name)
    return ws.root


def _workspace(template: Path, dest: Path, drops: list) -> Workspace:
    url, drop = fresh_pg_database()
    drops.append(drop)
    root = dest / "ws"
    shutil.copytree(template, root, ignore=shutil.ignore_patterns("store"))
    ws = Workspace(root, db_url=url)
    api.make_forms(ws, form_type=FORM, progress=False, jobs=1)
    return ws


@pytest.fixture
def drops():
    made: list = []
    yield made
    for drop in made:
        drop()


def _start(ws: Workspace, *, trace: bool = False) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    if trace:
        env.update({TRACE_ENV: "1", PAUSE_ENV: "0.05"})
    cmd = [sys.executable, "-m", "pipeline", "ingest", "-w", str(ws.root), "--db", ws.db_url, "-j", "1", "--batch", "4"]
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _clean(template: Path, tmp_path: Path, drops: list) -> dict:
    ws = _workspace(template, tmp_path / "clean", drops)
    api.ingest(ws, progress=False, jobs=1)
    return snapshot(ws)


def test_three_workers_store_every_file_once(template: Path, tmp_path: Path, drops) -> None:
    expected = _clean(template, tmp_path, drops)
    ws = _workspace(template, tmp_path / "shared", drops)
    workers = [_start(ws) for _ in range(3)]
    for w in workers:
        _, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
    got = snapshot(ws)
    assert len(got["submissions"]) == len(list((template / "inbox").rglob("*.docx")))
    assert got == expected


def test_a_killed_worker_is_taken_over(template: Path, tmp_path: Path, drops) -> None:
    expected = _clean(template, tmp_path, drops)
    ws = _workspace(template, tmp_path / "shared", drops)
    victim = _start(ws, trace=True)
    for line in victim.stderr:  # it has claimed its first batch and copied one original
        if line.startswith("stored "):
            break
    others = [_start(ws) for _ in range(2)]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    victim.stderr.close()
    for w in others:
        _, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
    assert snapshot(ws) == expected, "the two survivors took over the killed worker's files"
    rerun = subprocess.run([sys.executable, "-m", "pipeline", "ingest", "-w", str(ws.root), "--db", ws.db_url],
                           cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert snapshot(ws) == expected
