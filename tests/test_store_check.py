"""The store defends itself: an emptied database, a missing or altered original, each named with what to do."""

from __future__ import annotations

import gc

from click.testing import CliRunner

from conftest import make_workspace
from pipeline import api
from pipeline.cli import main
from pipeline.errors import ExitCode, StoreError
from pipeline.forms import get
from pipeline.store.originals import original_path
from pipeline.testing import fill_form, sample_rows

FORM = "002-person-assessment"


def _ingested(tmp_path):
    ws = make_workspace(tmp_path)
    people = [p for p in ws.roster if p.department == "财务处"][:2]
    api.make_forms(ws, department="财务处", form_type=FORM, progress=False, jobs=1)
    for p in people:
        issued = next((ws.outbox / "forms").rglob(f"{p.staff_id}-{p.name}/*.docx"))
        fill_form(issued, ws.inbox / f"{p.name}.docx", get(FORM), sample_rows(p.name, get(FORM), ["三级", "二级", "一级"]))
    summary = api.ingest(ws, progress=False)
    return ws, {f.path: f.sha256 for f in summary.files}


def test_a_whole_store_checks_clean(tmp_path) -> None:
    ws, _ = _ingested(tmp_path)
    assert api.check(ws) == []
    result = CliRunner().invoke(main, ["check", "-w", str(ws.root)])
    assert result.exit_code == 0 and "均完好" in result.output


def test_missing_and_altered_originals_are_named_and_mended_from_the_inbox(tmp_path) -> None:
    ws, shas = _ingested(tmp_path)
    (first, sha1), (second, sha2) = sorted(shas.items())
    original_path(ws.originals, sha1).unlink()
    altered = original_path(ws.originals, sha2)
    altered.write_bytes(altered.read_bytes()[:-10] + b"0123456789")
    faults = api.check(ws)
    assert len(faults) == 2
    assert any("不见了" in f.what and first in f.what for f in faults)
    assert any("已被改动" in f.what and second in f.what for f in faults)
    result = CliRunner().invoke(main, ["check", "-w", str(ws.root)])
    assert result.exit_code == ExitCode.CHECK_FAILED and "发现 2 处问题" in result.output
    # the same files are still in the inbox: the next ingest puts back what is missing (same size
    # but altered bytes are found by check, which hashes, not by ingest, which only stats)
    summary = api.ingest(ws, progress=False)
    assert [f.path for f in summary.files if f.reason] == [first]
    (remaining,) = api.check(ws)
    assert "已被改动" in remaining.what and second in remaining.what


def test_an_original_torn_before_its_batch_reached_the_disk_is_written_again(tmp_path) -> None:
    """A batch's originals are flushed together before the database names them: a power cut in
    between leaves files the database does not know, possibly torn. The next run writes them again."""
    import hashlib

    ws = make_workspace(tmp_path)
    person = next(p for p in ws.roster if p.department == "财务处")
    api.make_forms(ws, department="财务处", form_type=FORM, progress=False, jobs=1)
    issued = next((ws.outbox / "forms").rglob(f"{person.staff_id}-{person.name}/*.docx"))
    returned = ws.inbox / f"{person.name}.docx"
    fill_form(issued, returned, get(FORM), sample_rows(person.name, get(FORM), ["三级", "二级", "一级"]))
    data = returned.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    torn = original_path(ws.originals, sha)
    torn.parent.mkdir(parents=True)
    torn.write_bytes(b"\0" * len(data))  # the size was written, the blocks never were
    summary = api.ingest(ws, progress=False)
    assert summary.accepted == 1
    assert torn.read_bytes() == data
    assert api.check(ws) == []


def test_an_emptied_database_file_is_refused_not_replaced(tmp_path) -> None:
    ws, _ = _ingested(tmp_path)
    db = ws.store_dir / "lianzheng.sqlite3"
    gc.collect()  # close this process's pooled connections first: a late close would checkpoint into the file
    for extra in ("-wal", "-shm"):
        (ws.store_dir / f"lianzheng.sqlite3{extra}").unlink(missing_ok=True)
    db.write_bytes(b"")  # a sync tool truncated it
    try:
        api.status(ws)
    except StoreError as e:
        assert "空文件" in e.message and "备份" in e.hint
    else:
        raise AssertionError("an emptied store must not open as a new one")
    assert db.stat().st_size == 0, "nothing was written over it"
    result = CliRunner().invoke(main, ["ingest", "-w", str(ws.root)])
    assert result.exit_code == ExitCode.STORE and "空文件" in result.output
