"""What shared folders, Chinese-Windows zips and clumsy or hostile senders do to an inbox.

Each case runs a real ingest over real files in a real workspace and asserts on what was stored,
what was skipped, the status and the message; the good files beside an odd one always get in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from sqlalchemy import select

from conftest import make_workspace
from pipeline import api
from pipeline.cli import main
from pipeline.forms import get
from pipeline.intake.scan import Skipped, scan
from pipeline.store import open_store
from pipeline.store.models import Submission
from pipeline.testing import fill_form, sample_rows

FORM = "002-person-assessment"
LEVELS = ["三级", "二级", "一级"]


@pytest.fixture
def issued(tmp_path):
    """A 002 workspace with the person-assessment forms of one department issued."""
    ws = make_workspace(tmp_path)
    api.make_forms(ws, department="财务处", form_type=FORM, progress=False, jobs=1)
    people = [p for p in ws.roster if p.department == "财务处"]
    files = {p.staff_id: next((ws.outbox / "forms").rglob(f"{p.staff_id}-{p.name}/*.docx")) for p in people}
    return ws, people, files


def _fill(ws, files, person, name: str) -> Path:
    return fill_form(files[person.staff_id], ws.inbox / name, get(FORM), sample_rows(person.name, get(FORM), LEVELS))


def _rows(ws) -> dict[str, Submission]:
    with open_store(ws.database_url)() as s:
        return {r.filename: r for r in s.scalars(select(Submission))}


def test_gbk_name_from_a_chinese_windows_zip_is_stored_readably(issued) -> None:
    ws, people, files = issued
    good = _fill(ws, files, people[0], "good.docx")
    raw = "张三-附表1.docx".encode("gbk")
    odd = _fill(ws, files, people[1], "odd.docx")
    os.rename(odd, os.path.join(os.fsencode(ws.inbox), raw))
    summary = api.ingest(ws, progress=False)
    rows = _rows(ws)
    assert rows[good.name].status == "accepted"
    assert rows["张三-附表1.docx"].status == "accepted"  # shown decoded as GBK …
    assert rows["张三-附表1.docx"].filename_raw == raw  # … and kept byte for byte
    assert not summary.skipped


def test_markup_and_escape_sequences_in_names_print_as_text(issued) -> None:
    ws, people, files = issued
    _fill(ws, files, people[0], "附件[/]张三.docx")
    _fill(ws, files, people[1], "\x1b[31m红字\x1b[0m.docx")
    result = CliRunner().invoke(main, ["ingest", "-w", str(ws.root)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "附件[/]张三.docx" in result.output
    assert "\x1b" not in result.output and "红字" in result.output
    assert set(_rows(ws)) == {"附件[/]张三.docx", "\x1b[31m红字\x1b[0m.docx"}  # stored as received


def test_file_deleted_between_listing_and_reading_is_skipped_and_named(issued, tmp_path) -> None:
    ws, people, files = issued
    first = _fill(ws, files, people[0], "a.docx")
    second = _fill(ws, files, people[1], "b.docx")
    found = scan(ws.inbox, skip=ws.store_dir, root=ws.root)
    assert next(found).path == first
    second.unlink()  # a colleague moves it away while ingest runs
    gone = next(found)
    assert isinstance(gone, Skipped) and gone.rel == "b.docx" and "移走或删除" in gone.reason


def test_partial_download_and_link_out_of_the_workspace_are_skipped(issued, tmp_path) -> None:
    ws, people, files = issued
    _fill(ws, files, people[0], "ok.docx")
    _fill(ws, files, people[1], "下载中.docx.crdownload")
    secret = tmp_path / "outside.docx"
    secret.write_bytes(b"not yours")
    (ws.inbox / "link.docx").symlink_to(secret)
    summary = api.ingest(ws, progress=False)
    reasons = {f.path: f.reason for f in summary.skipped}
    assert set(reasons) == {"下载中.docx.crdownload", "link.docx"}
    assert "下载" in reasons["下载中.docx.crdownload"] and "工作区以外" in reasons["link.docx"]
    assert set(_rows(ws)) == {"ok.docx"}
    assert summary.as_dict()["skipped"] == 2
    printed = CliRunner().invoke(main, ["ingest", "-w", str(ws.root)], env={"COLUMNS": "250"}).output
    assert "本次未收取 2 个文件" in printed and "link.docx：这是指向工作区以外的符号链接" in printed


def test_unreadable_file_is_skipped_and_the_batch_goes_on(issued, monkeypatch) -> None:
    ws, people, files = issued
    _fill(ws, files, people[0], "ok.docx")
    locked = _fill(ws, files, people[1], "locked.docx")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:  # root reads any file, so the refusal is simulated
        if self.name == locked.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    summary = api.ingest(ws, progress=False)
    assert [(f.path, "权限" in f.reason) for f in summary.skipped] == [("locked.docx", True)]
    assert _rows(ws)["ok.docx"].status == "accepted"


def _rename_in_header(src: Path, dst: Path, old: str, new: str) -> Path:
    document = Document(str(src))
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        if old in run.text:
                            run.text = run.text.replace(old, new)
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            if old in run.text:
                run.text = run.text.replace(old, new)
    document.save(str(dst))
    return dst


def test_impostor_is_held_and_never_displaces_the_good_return(issued) -> None:
    ws, people, files = issued
    owner, impostor = people[0], people[1]
    _fill(ws, files, owner, "本人.docx")
    api.ingest(ws, progress=False)
    # later: someone returns the owner's form (same id) with another name in the header
    other = _fill(ws, files, owner, "tmp.docx")
    _rename_in_header(other, ws.inbox / "冒名.docx", owner.name, impostor.name)
    other.unlink()
    api.ingest(ws, progress=False)
    rows = _rows(ws)
    assert rows["本人.docx"].status == "accepted" and rows["本人.docx"].superseded_by is None
    assert rows["冒名.docx"].status == "identity_hold" and rows["冒名.docx"].slot is None
    (dept,) = api.status(ws, department="财务处")
    assert any("身份待核" in flag and "冒名.docx" in flag for flag in dept.office_flags)
    assert dept.accepted >= 1 and not any(o.staff_id == owner.staff_id for o in dept.to_redo)


def test_well_formed_id_never_issued_is_reported(issued) -> None:
    ws, people, files = issued
    from pipeline.campaign.identity import FormId

    person = people[0]
    forged = str(FormId(ws.profile.campaign.code, get(FORM).code, "P999999", 1))
    path = _fill(ws, files, person, "伪造.docx")
    _replace_everywhere(path, files[person.staff_id], forged)
    summary = api.ingest(ws, progress=False)
    (result,) = summary.files
    assert result.status == "needs_revision"
    assert any("从未下发" in p and forged in p for p in result.problems), result.problems


def _replace_everywhere(path: Path, issued_file: Path, new_id: str) -> None:
    """Swap the issued id for ``new_id`` in every XML part of the .docx (custom property and footer)."""
    import zipfile

    with zipfile.ZipFile(issued_file) as z:
        old_id = next(line for line in z.read("docProps/custom.xml").decode().split("<vt:lpwstr>")
                      if line.startswith("LZ-")).split("<")[0]
    with zipfile.ZipFile(path) as z:
        parts = {i: z.read(i) for i in z.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data.replace(old_id.encode(), new_id.encode()))
