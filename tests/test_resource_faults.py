"""A full disk and a read-only store end with their own message and exit code, and change nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import REPO, make_workspace
from pipeline import api
from pipeline.errors import ExitCode
from pipeline.forms import get
from pipeline.store import open_store
from pipeline.store.models import Submission
from pipeline.testing import fill_form, sample_rows

FORM = "002-person-assessment"


@pytest.fixture
def ready(tmp_path):
    """A workspace with forms issued and four returns waiting in the inbox."""
    ws = make_workspace(tmp_path)
    api.make_forms(ws, department="财务处", form_type=FORM, progress=False, jobs=1)
    for p in [p for p in ws.roster if p.department == "财务处"][:4]:
        issued = next((ws.outbox / "forms").rglob(f"{p.staff_id}-{p.name}/*.docx"))
        fill_form(issued, ws.inbox / f"{p.name}.docx", get(FORM), sample_rows(p.name, get(FORM), ["三级", "二级", "一级"]))
    return ws


def _ingest(ws, *, shell_prefix: str = "") -> subprocess.CompletedProcess:
    cmd = f'{shell_prefix} "{sys.executable}" -m pipeline ingest -w "{ws.root}"'
    return subprocess.run(["bash", "-c", cmd], cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)),
                          capture_output=True, text=True, timeout=300)


def _stored(ws) -> int:
    with open_store(ws.database_url)() as s:
        return s.scalar(select(func.count()).select_from(Submission))


def test_disk_full_is_named_and_the_store_left_as_it_was(ready) -> None:
    # ulimit -f caps every file this process writes at 8 KiB: the first original copied fails as on
    # a full disk (EFBIG; the signal it would send is ignored, as a full disk sends none)
    done = _ingest(ready, shell_prefix="ulimit -f 8; trap '' XFSZ;")
    assert done.returncode == ExitCode.RESOURCE, done.stderr
    assert "磁盘空间不足" in done.stderr and "Traceback" not in done.stderr
    assert _stored(ready) == 0
    assert not list(ready.store_dir.rglob(".incoming-*")), "no half-written original left behind"
    again = _ingest(ready)
    assert again.returncode == 0, again.stderr
    assert _stored(ready) == 4


def _read_only(folder: Path) -> bool:
    done = subprocess.run(["bash", "-c", f'mount --bind "{folder}" "{folder}" && mount -o remount,ro,bind "{folder}"'],
                          capture_output=True)
    return done.returncode == 0


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None, reason="a read-only bind mount needs root")
def test_read_only_store_is_named(ready) -> None:
    api.ingest(ready, progress=False)  # the store exists, with its database
    before = _stored(ready)
    if not _read_only(ready.store_dir):
        pytest.skip("this machine does not allow a read-only bind mount")
    try:
        fill_form(next((ready.outbox / "forms").rglob("*.docx")), ready.inbox / "新的.docx", get(FORM), [])
        done = _ingest(ready)
    finally:
        subprocess.run(["umount", str(ready.store_dir)], check=False)
    assert done.returncode == ExitCode.RESOURCE, done.stderr
    assert "只读" in done.stderr and "Traceback" not in done.stderr
    assert _stored(ready) == before


def test_ingest_beside_a_long_forms_run(ready) -> None:
    """Generation holds no write transaction while it renders: an ingest started beside it gets through."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    forms = subprocess.Popen([sys.executable, "-m", "pipeline", "forms", "-w", str(ready.root), "-j", "1"], cwd=REPO,
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        done = _ingest(ready)
    finally:
        _, err = forms.communicate(timeout=600)
    assert done.returncode == 0, done.stderr
    assert forms.returncode == 0, err
    assert _stored(ready) == 4
