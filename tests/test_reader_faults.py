"""A damaged file and a fault of this program are two different things, and stay so.

The readers turn only their libraries' own errors for broken input into :class:`InputFileError`
(the user is told to send the file again); any other exception is a program fault and must come
out as itself, so that ingest reports it as one, with a traceback in ``store/logs``, instead of
telling a user that a good file is damaged. Each test injects a ``RuntimeError`` into one reader
(or feeds a file the library itself chokes on) and checks which of the two it became.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from PIL import Image

from pipeline import api
from pipeline.errors import InputFileError
from pipeline.intake import workers
from pipeline.intake.scan import Incoming


class Injected(RuntimeError):
    """The fault the tests put into a reader."""


def _boom(*args, **kwargs):
    raise Injected("injected into the reader")


def tiny_pdf(lines: list[str], mediabox: bytes = b"[0 0 595 842]") -> bytes:
    """A one-page PDF with ASCII text lines in Helvetica, written by hand (no LibreOffice needed)."""
    ops = b"BT /F1 12 Tf 72 770 Td 16 TL " + b" ".join(b"(" + t.encode("ascii") + b") Tj T*" for t in lines) + b" ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox " + mediabox
            + b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


@pytest.fixture
def a_docx(tmp_path) -> Path:
    d = docx.Document()
    d.add_paragraph("个人廉政风险排查评估表")
    table = d.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("序号", "风险点", "风险等级")):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ("1", "经费报销审核把关不严", "二级")):
        cell.text = text
    path = tmp_path / "form.docx"
    d.save(str(path))
    return path


@pytest.fixture
def a_pdf(tmp_path) -> Path:
    path = tmp_path / "form.pdf"
    path.write_bytes(tiny_pdf(["Risk register", "1  expense review  high"]))
    return path


@pytest.fixture
def a_png(tmp_path) -> Path:
    path = tmp_path / "scan.png"
    Image.new("L", (400, 300), 255).save(path)
    return path


@pytest.fixture
def image_only_pdf(tmp_path) -> Path:
    path = tmp_path / "scan.pdf"
    Image.new("L", (400, 300), 255).save(path, "PDF", resolution=100)
    return path


def test_the_fixtures_parse_cleanly(a_docx, a_pdf, a_png, image_only_pdf):
    """Without an injected fault each file parses: the faults below come from the injection alone."""
    for path in (a_docx, a_pdf, a_png, image_only_pdf):
        api.parse_file(path)


@pytest.mark.parametrize("target", [
    "pipeline.parse.docx._Walker.table",          # the XML walk
    "pipeline.parse.docx.paragraph_text",         # text of every paragraph
    "pipeline.parse.docx.identity.parse",         # reading the form id from the properties
    "pipeline.parse.route.zipfile.ZipFile",       # opening the container
])
def test_fault_in_the_docx_reader_is_not_a_damaged_file(a_docx, monkeypatch, target):
    monkeypatch.setattr(target, _boom)
    with pytest.raises(Injected):
        api.parse_file(a_docx)


@pytest.mark.parametrize("target", [
    "pipeline.parse.pdf._lines",                  # our text assembly
    "pipeline.parse.pdf.borderless.read_page",    # borderless tables
    "pipeline.parse.pdf.glyphs.edges",            # ruling lines from PDFium's path objects
    "pdfplumber.table.TableFinder",               # a call into the library that fails for our reasons
    "pypdfium2.PdfDocument",                      # opening
])
def test_fault_in_the_pdf_reader_is_not_a_damaged_file(a_pdf, monkeypatch, target):
    monkeypatch.setattr(target, _boom)
    with pytest.raises(Injected):
        api.parse_file(a_pdf)


def test_fault_in_the_scan_reader_is_not_a_damaged_file(a_png, image_only_pdf, monkeypatch):
    monkeypatch.setattr("pipeline.parse.scan._first_id", _boom)
    for path in (a_png, image_only_pdf):
        with pytest.raises(Injected):
            api.parse_file(path)


@pytest.mark.parametrize("mediabox", [b"null", b"(abc)", b"[0 0 /x 1]"])
def test_a_broken_media_box_is_read_as_a_viewer_shows_it(tmp_path, mediabox):
    """PDFium, like the viewers built on it, gives a page with a broken MediaBox the US Letter
    size: its text is there to read, so the file is neither damage nor a program fault."""
    from pipeline.parse.pdf import read_pdf

    data = tiny_pdf(["Risk register", "1  expense review  high"], mediabox)
    assert read_pdf(tmp_path / "broken.pdf", data).blocks == ["Risk register", "1 expense review high"]


def test_what_the_pdf_library_raises_for_a_broken_page_is_damage(tmp_path, monkeypatch):
    """PDFium's own error while loading a page (pypdfium2's PdfiumError) is damage to the file."""
    import pypdfium2

    def refuse(self, index):
        raise pypdfium2.PdfiumError("Failed to load page.")

    monkeypatch.setattr(pypdfium2.PdfDocument, "__getitem__", refuse)
    path = tmp_path / "broken.pdf"
    path.write_bytes(tiny_pdf(["x"]))
    with pytest.raises(InputFileError, match="PDF 文件已损坏"):
        api.parse_file(path)


def test_corrupt_deflate_stream_is_damage(a_docx, tmp_path):
    """A flipped byte inside the compressed document.xml: zlib's error, not a traceback."""
    data = bytearray(a_docx.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + info.compress_size - 5, 7):
        data[i] ^= 0x5A
    broken = tmp_path / "broken.docx"
    broken.write_bytes(bytes(data))
    with pytest.raises(InputFileError, match="document.xml"):
        api.parse_file(broken)


def _incoming(path: Path) -> Incoming:
    import datetime as dt
    import hashlib

    data = path.read_bytes()
    return Incoming(path=path, rel=path.name, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                    modified=dt.datetime(2012, 6, 18))


def test_worker_reports_a_fault_with_its_log_not_as_damage(a_docx, tmp_path, monkeypatch):
    logs = tmp_path / "store" / "logs"
    workers._init_worker(None, logs)
    monkeypatch.setattr("pipeline.parse.docx._Walker.table", _boom)
    item = _incoming(a_docx)
    result = workers.parse_one(item)
    parsed, reason = result.form, result.reason
    assert parsed is None
    assert "解析程序出错（Injected）" in reason and "维护人员" in reason
    assert "损坏" not in reason.replace("不是文件损坏", "")
    (log,) = logs.iterdir()
    assert log.name.endswith(f"-{item.sha256[:8]}.log") and str(log) in reason
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "injected into the reader" in text and "form.docx" in text


def test_worker_reports_a_damaged_file_as_damaged(tmp_path):
    logs = tmp_path / "logs"
    workers._init_worker(None, logs)
    bad = tmp_path / "坏.docx"
    bad.write_bytes(b"PK\x03\x04 cut off in the mail")
    result = workers.parse_one(_incoming(bad))
    parsed, reason = result.form, result.reason
    assert parsed is None and "损坏" in reason and "处理办法" in reason and "程序出错" not in reason
    assert not logs.exists()


def test_ingest_keeps_a_fault_apart_and_logs_it(tmp_path, monkeypatch):
    from conftest import make_workspace

    ws = make_workspace(tmp_path)
    d = docx.Document()
    d.add_paragraph("个人廉政风险排查评估表")
    d.save(str(ws.inbox / "某人.docx"))
    monkeypatch.setattr("pipeline.parse.docx.paragraph_text", _boom)
    summary = api.ingest(ws, progress=False, jobs=1)
    (f,) = summary.files
    assert f.status == "fault" and "解析程序出错（Injected）" in f.reason
    (log,) = (ws.store_dir / "logs").iterdir()
    assert str(log) in f.reason and "Injected" in log.read_text(encoding="utf-8")


def test_a_fault_is_read_again_once_the_program_is_mended(tmp_path, monkeypatch):
    """A file this program failed on waits in the inbox; the next ingest reads it again without
    anyone moving it: still failing, it stays a fault with the new log; mended, it is stored as
    any return, the fault's reason kept in the event log."""
    from sqlalchemy import select

    from conftest import make_workspace
    from pipeline.forms import get
    from pipeline.store import open_store
    from pipeline.store.models import Event, Submission
    from pipeline.testing import fill_form, sample_rows

    ws = make_workspace(tmp_path)
    person = ws.roster[0]
    definition = next(d for d in map(get, ws.profile.annexes.forms) if d.audience == "person")
    api.make_forms(ws, person=person.staff_id, form_type=definition.id, progress=False, jobs=1)
    issued = next(p for p in (ws.outbox / "forms").rglob("*.docx") if definition.title in p.name)
    fill_form(issued, ws.inbox / "r.docx", definition, sample_rows(person.name, definition, list(ws.profile.levels.labels)))
    with monkeypatch.context() as m:
        m.setattr("pipeline.parse.docx.paragraph_text", _boom)
        (first,) = api.ingest(ws, progress=False, jobs=1).files
        assert first.status == "fault"
        (again,) = api.ingest(ws, progress=False, jobs=1).files
        assert again.status == "fault" and again.reason != first.reason  # a new log for the new attempt
    (mended,) = api.ingest(ws, progress=False, jobs=1).files
    assert mended.status in ("accepted", "needs_revision") and mended.outcome == "new"
    with open_store(ws.database_url)() as s:
        rows = s.execute(select(Submission.status)).scalars().all()
        retry = s.execute(select(Event.detail).where(Event.action == "retry")).scalars().all()
    assert rows == [mended.status] and len(retry) == 1 and "Injected" in retry[0]["fault"]
    (known,) = api.ingest(ws, progress=False, jobs=1).files
    assert known.outcome == "duplicate"
