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
from pipeline.errors import InputFileError
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


def _reading_that(monkeypatch, does: dict) -> None:
    """Make reading the file named ``name`` do ``does[name]`` first (in the worker processes,
    which fork from here)."""
    import pipeline.parse

    real = pipeline.parse.parse_file

    def parse_file(path, **kw):
        does.get(Path(path).name, lambda: None)()
        return real(path, **kw)

    monkeypatch.setattr(pipeline.parse, "parse_file", parse_file)


def _abort() -> None:
    """What a library in C does on a crafted file: ends the process."""
    import faulthandler

    faulthandler.disable()  # pytest's crash report would fill the log; the reader must cope silently
    os.abort()


def _endless() -> None:
    """A reading that never returns and swallows the stop, as a library deep in C would."""
    import time

    while True:
        try:
            time.sleep(60)
        except BaseException:
            pass


def test_a_file_that_kills_its_worker_is_held_and_the_rest_are_read(issued, monkeypatch) -> None:
    """A library aborting the process (as PDFium or calamine do on some crafted files) takes its
    worker down: that file is found, held as hostile, and every other file of the batch is read."""
    ws, people, files = issued
    good = [_fill(ws, files, person, f"good{n}.docx") for n, person in enumerate(people[:4])]
    _fill(ws, files, people[4], "crash.docx")
    _reading_that(monkeypatch, {"crash.docx": _abort})
    summary = api.ingest(ws, progress=False, jobs=2)
    rows = _rows(ws)
    assert {f.name: rows[f.name].status for f in good} == {f.name: "accepted" for f in good}
    assert rows["crash.docx"].status == "rejected" and "异常退出" in rows["crash.docx"].reason
    assert (ws.quarantine / f"{rows['crash.docx'].sha256}.docx").is_file()
    assert summary.rejected == 1 and not summary.faults


def test_a_file_that_never_finishes_is_stopped_and_held(issued, monkeypatch) -> None:
    """One file is given its time: stopped at the next Python step, or its worker ended when it
    does not come back from a library (here: it swallows the stop)."""
    import time

    from pipeline.intake import workers

    ws, people, files = issued
    good = _fill(ws, files, people[0], "good.docx")
    _fill(ws, files, people[1], "slow.docx")
    _fill(ws, files, people[2], "endless.docx")
    _reading_that(monkeypatch, {"slow.docx": lambda: time.sleep(60), "endless.docx": _endless})
    monkeypatch.setattr(workers, "GRACE_SECONDS", 1)
    started = time.monotonic()
    api.ingest(ws, progress=False, jobs=2, file_seconds=2)
    rows = _rows(ws)
    assert rows[good.name].status == "accepted"
    assert rows["slow.docx"].status == "rejected" and "超过 2 秒" in rows["slow.docx"].reason
    assert rows["endless.docx"].status == "rejected" and "用时过长被终止" in rows["endless.docx"].reason
    assert time.monotonic() - started < 45


def test_the_parse_command_reads_a_file_in_a_process_of_its_own(issued, monkeypatch) -> None:
    """`lianzheng parse` on a file of unknown origin: a file that aborts the reader, one that never
    finishes and a fault of the program each end the reading process, never the command — and the
    command says which it was; a good file reads as in-process."""
    import time

    from pipeline.intake import workers

    ws, people, files = issued
    good = _fill(ws, files, people[0], "good.docx")
    for name, person in (("crash.docx", people[1]), ("endless.docx", people[2]), ("bug.docx", people[3])):
        _fill(ws, files, person, name)

    def bug() -> None:
        raise ZeroDivisionError("a fault of the program")

    expected = api.parse_file(good, ws=ws)
    _reading_that(monkeypatch, {"crash.docx": _abort, "endless.docx": _endless, "bug.docx": bug})
    monkeypatch.setattr(workers, "GRACE_SECONDS", 1)
    read = api.parse_file(good, ws=ws, isolated=True)
    assert read.model_dump() == expected.model_dump() and len(read.risks) == 3

    result = CliRunner().invoke(main, ["parse", "-w", str(ws.root), str(ws.inbox / "crash.docx")])
    assert result.exit_code == 3 and "异常退出" in result.output and "crash.docx" in result.output
    started = time.monotonic()
    with pytest.raises(InputFileError, match="用时过长被终止"):
        api.parse_file(ws.inbox / "endless.docx", ws=ws, isolated=True, file_seconds=1)
    assert time.monotonic() - started < 15
    result = CliRunner().invoke(main, ["parse", "-w", str(ws.root), str(ws.inbox / "bug.docx")])
    assert result.exit_code == 70 and "程序内部出错" in result.output
    log = Path(result.output.split("已写入 ")[1].split("，")[0])
    assert "ZeroDivisionError" in log.read_text(encoding="utf-8") and "bug.docx" in log.read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["parse", "-w", str(ws.root), str(ws.root / "profile.toml")])
    assert result.exit_code == 3 and "profile.toml" in result.output and "处理办法" in result.output


def _pdf_bomb(path: Path, megabytes: int) -> Path:
    """A one-page PDF whose content stream, a few hundred kilobytes, inflates to ``megabytes`` of drawing."""
    import zlib

    drawing = b"0 0 m 1 1 l S\n" * (megabytes * 1024 * 1024 // 14)
    stream = zlib.compress(drawing, 6)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    path.write_bytes(out + b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return path


def _vast_workbook(path: Path) -> Path:
    """A workbook of two cells, at A1 and at the sheet's last cell: 17 billion cells to a reader that fills the range."""
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "个人廉政风险排查评估表"
    book.active["XFD1048576"] = "x"
    book.save(path)
    return path


def test_files_that_swell_when_read_are_held_and_the_rest_read(issued) -> None:
    """A PDF inflating to 64 MB of drawing (PDFium would take gigabytes and minutes) and a workbook
    spanning the whole sheet (calamine would abort the process) are refused before they are read."""
    ws, people, files = issued
    good = _fill(ws, files, people[0], "good.docx")
    bomb = _pdf_bomb(ws.inbox / "bomb.pdf", 64)
    assert bomb.stat().st_size < 1024 * 1024
    _vast_workbook(ws.inbox / "vast.xlsx")
    summary = api.ingest(ws, progress=False)
    rows = _rows(ws)
    assert rows[good.name].status == "accepted"
    assert rows["bomb.pdf"].status == "rejected" and "解压炸弹" in rows["bomb.pdf"].reason
    assert rows["vast.xlsx"].status == "rejected" and "1048576 行 × 16384 列" in rows["vast.xlsx"].reason
    assert summary.rejected == 2 and not summary.faults


def test_a_roster_spanning_the_whole_sheet_is_refused_with_a_reason(tmp_path) -> None:
    from pipeline.errors import ProfileError
    from pipeline.profile import load_roster

    ws = make_workspace(tmp_path)
    with pytest.raises(ProfileError) as info:
        load_roster(_vast_workbook(tmp_path / "名册.xlsx"), ws.profile)
    assert "名册的工作表范围异常巨大" in info.value.message
