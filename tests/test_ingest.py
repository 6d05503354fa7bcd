"""Ingest a mixed inbox into the store, on SQLite and on PostgreSQL, and check every file's fate.

The mixed inbox holds Word files only, so these run without LibreOffice; the one PDF return (a
LibreOffice export) has its own test, which alone needs soffice.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import make_workspace, needs_soffice
from inbox_maker import build_mixed_inbox
from pipeline import api
from pipeline.store import open_store
from pipeline.store.models import Event, ProblemRow, RiskPoint, Submission
from pipeline.store.originals import original_path
from pipeline.workspace import Workspace
from store_backends import fresh_pg_database

@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, dict]:
    """A 002 workspace with every form generated, and a mixed inbox filled from those forms."""
    ws = make_workspace(tmp_path_factory.mktemp("template"))
    api.make_forms(ws, progress=False, jobs=1)
    expect = build_mixed_inbox(ws, ws.inbox, pdf=False)
    return ws.root, expect


def clone(template_root: Path, dest: Path, db_url: str | None) -> Workspace:
    """A copy of the template workspace; on PostgreSQL its forms are issued again into that database."""
    root = dest / template_root.name
    shutil.copytree(template_root, root, ignore=shutil.ignore_patterns("store") if db_url else None)
    ws = Workspace(root, db_url=db_url)
    if db_url:
        api.make_forms(ws, progress=False, jobs=1)
    return ws


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ws(request, template, tmp_path) -> Workspace:
    if request.param == "sqlite":
        yield clone(template[0], tmp_path, None)
        return
    url, drop = fresh_pg_database()
    yield clone(template[0], tmp_path, url)
    drop()


def test_mixed_inbox(ws: Workspace, template) -> None:
    expect = template[1]
    summary = api.ingest(ws, progress=False, jobs=2)
    got = {f.path: f for f in summary.files}
    assert set(got) == set(expect), "every file but Word's ~$ lock file is accounted for"
    assert (summary.new, summary.duplicate) == (len(expect) - 1, 1)
    assert (summary.accepted, summary.needs_revision, summary.superseded, summary.rejected) == (3, 8, 1, 2)
    for path, want in expect.items():
        f = got[path]
        assert f.outcome == want.get("outcome", "new"), path
        assert f.status == want["status"], (path, f)
        if "person" in want:
            assert f.person == want["person"], path
            assert f.match_method == want["match"], path
            codes = {p.code for p in _problems(ws, f.sha256)}
            assert want["problems"] <= codes, (path, codes)
            if not want["problems"]:
                assert codes == set(), (path, codes)
    assert any("人事处" in flag and "一人代填" in flag for flag in summary.office_flags)


def test_store_contents_after_ingest(ws: Workspace, template) -> None:
    summary = api.ingest(ws, progress=False, jobs=1)
    factory = open_store(ws.database_url)
    by_path = {f.path: f for f in summary.files}
    with factory() as s:
        subs = {x.filename: x for x in s.scalars(select(Submission))}
        assert len(subs) == summary.new
        old, new = subs["财务处/02-等级写错.docx"], subs["财务处/02-等级写错-修改后.docx"]
        assert old.superseded_by == new.id and new.superseded_by is None
        assert old.form_id == new.form_id and old.form_id.startswith("LZ-QZSY2012-B21-P")
        assert s.scalar(select(func.count()).select_from(RiskPoint).where(RiskPoint.submission_id == new.id)) == 2
        for sub in subs.values():
            if sub.status == "rejected":
                assert sub.reason
                assert (ws.quarantine / f"{sub.sha256}.txt").read_text(encoding="utf-8").count(sub.filename) == 1
                assert (ws.quarantine / f"{sub.sha256}.docx").is_file()
            else:  # both the superseded and the current return are kept, byte for byte
                assert original_path(ws.originals, sub.sha256).read_bytes() == (ws.inbox / sub.filename).read_bytes()
        actions = [a for (a,) in s.execute(select(Event.action))]
        assert actions.count("ingest") == 12 and actions.count("reject") == 2 and actions.count("supersede") == 1
        copied = s.scalars(select(ProblemRow).where(ProblemRow.code == "copied_risk")).all()
        assert len(copied) == 3 and all(p.scope == "department" and "第" in p.where for p in copied)
    assert not list(ws.originals.rglob(".incoming-*"))
    assert by_path["说明.docx"].reason and "没有找到" in by_path["说明.docx"].reason


def test_second_run_is_a_noop(ws: Workspace) -> None:
    api.ingest(ws, progress=False, jobs=1)
    factory = open_store(ws.database_url)
    with factory() as s:
        before = s.execute(select(Submission.sha256, Submission.status)).all()
        events = s.scalar(select(func.count()).select_from(Event))
    again = api.ingest(ws, progress=False, jobs=1)
    assert again.new == 0 and again.duplicate == len(again.files)
    with factory() as s:
        assert sorted(s.execute(select(Submission.sha256, Submission.status)).all()) == sorted(before)
        # the recheck may log its findings again, but no file is ingested twice
        assert s.scalar(select(func.count()).select_from(Event).where(Event.action == "ingest")) == 12
        assert s.scalar(select(func.count()).select_from(Event)) <= events + 1


def test_resubmission_after_first_run(ws: Workspace, template, tmp_path) -> None:
    """A corrected form arriving in a later run supersedes the one that was sent back."""
    from inbox_maker import T0, fill, issued_form, risks_for

    api.ingest(ws, progress=False, jobs=1)
    name = template[1]["财务处/03-漏填.docx"]["person"]
    person = next(p for p in ws.roster if p.name == name)
    fill(issued_form(ws, person), ws.inbox / "财务处/03-补填.docx", risks_for(person.name),
         author=person.name, last_modified_by=person.name, mtime=T0 + 5 * 86400)
    summary = api.ingest(ws, progress=False, jobs=1)
    assert (summary.new, summary.accepted) == (1, 1)
    factory = open_store(ws.database_url)
    with factory() as s:
        old = s.scalar(select(Submission).where(Submission.filename == "财务处/03-漏填.docx"))
        new = s.scalar(select(Submission).where(Submission.filename == "财务处/03-补填.docx"))
        assert (old.status, old.superseded_by, new.status) == ("superseded", new.id, "accepted")


def _problems(ws: Workspace, sha: str) -> list[ProblemRow]:
    factory = open_store(ws.database_url)
    with factory() as s:
        sid = s.scalar(select(Submission.id).where(Submission.sha256 == sha))
        return list(s.scalars(select(ProblemRow).where(ProblemRow.submission_id == sid,
                                                       ProblemRow.scope != "office")))


def test_cli_prints_table_and_totals(ws: Workspace) -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    args = ["ingest", "-w", str(ws.root), "-j", "1"] + (["--db", ws.db_url] if ws.db_url else [])
    out = CliRunner().invoke(main, args, env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "本次收取的文件" in out.output and "个人廉政风险排查评估表" in out.output
    assert "新文件 14 个，重复（已收过）1 个" in out.output and "无法读取 2（已隔离）" in out.output
    assert "提请注意：" in out.output and "人事处秘书" in out.output
    again = CliRunner().invoke(main, args)
    assert "新文件 0 个，重复（已收过）15 个" in again.output and "本次收取的文件" not in again.output


def test_missing_inbox_is_a_usage_error(ws: Workspace, tmp_path) -> None:
    from pipeline.errors import UsageError

    with pytest.raises(UsageError, match="收件目录不存在"):
        api.ingest(ws, inbox=tmp_path / "nowhere", progress=False)


@needs_soffice
def test_pdf_return_is_matched_and_accepted(template, tmp_path) -> None:
    """A form exported to PDF (LibreOffice) is read, matched by its form id and accepted."""
    from inbox_maker import T0, fill, issued_form, risks_for
    from pipeline._exec import soffice

    ws = clone(template[0], tmp_path, None)
    person = [p for p in ws.roster if p.department == "财务处"][3]
    source = fill(issued_form(ws, person), tmp_path / "pdf-src" / "04.docx", risks_for(person.name),
                  author=person.name, last_modified_by=person.name)
    (out,) = soffice.convert([source], ws.inbox / "PDF")
    pdf = out.rename(ws.inbox / "PDF/04-扫描前导出.pdf")
    os.utime(pdf, (T0, T0))
    summary = api.ingest(ws, progress=False, jobs=1)
    f = next(f for f in summary.files if f.path == "PDF/04-扫描前导出.pdf")
    assert (f.outcome, f.status, f.person, f.match_method) == ("new", "accepted", person.name, "form_id")
    assert {p.code for p in _problems(ws, f.sha256)} == set()


def test_a_small_inbox_is_shared_by_every_worker(template, tmp_path, monkeypatch) -> None:
    """An office's daily inbox holds a few dozen files: each worker reads some of them, not one
    worker all (they are handed out in chunks of at least two a worker), and a PDF or a scan goes
    to a worker on its own."""
    import pipeline.parse

    ws = clone(template[0], tmp_path, None)
    readers = tmp_path / "readers.txt"
    real = pipeline.parse.parse_file

    def parse_file(path, **kw):
        with open(readers, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()} {Path(path).suffix}\n")
        return real(path, **kw)

    monkeypatch.setattr(pipeline.parse, "parse_file", parse_file)
    summary = api.ingest(ws, progress=False, jobs=2)
    lines = readers.read_text(encoding="utf-8").split()
    pids = {pid for pid, suffix in zip(lines[::2], lines[1::2]) if suffix == ".docx"}
    assert len(pids) == 2 and summary.new == len(template[1]) - 1

    from pipeline.intake.workers import CHUNK, _groups
    from pipeline.intake.scan import Incoming

    def items(*names: str) -> list[Incoming]:
        return [Incoming(Path(n), n, "0" * 64, 1, None, None) for n in names]

    assert _groups(items(*(f"{n}.docx" for n in range(200))), 2) == [list(range(i, min(i + CHUNK, 200)))
                                                                   for i in range(0, 200, CHUNK)]
    assert _groups(items("a.docx", "b.pdf", "c.DOCX", "d.jpg", "e.xlsx"), 2) == [[0], [2], [4], [1], [3]]
