"""``lianzheng notices``: a 退回重查通知, a 催报通知, or both in one, per department that owes something.

The notices are written once, dated ``TODAY``, into a workspace of their own; the CLI test writes
its notices into another copy, so no test sees files another one wrote. The redo-only case does not
occur in the bundled example (every department with a form to redo also owes others), so it is
built from a department's status with its missing forms taken away.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import zipfile

import docx
import pytest
from click.testing import CliRunner

from ingested import ingested_workspace
from pipeline._exec import soffice
from pipeline.cli import main
from pipeline.report.notices import _notice, terms, write_notices
from pipeline.report.status import status
from pipeline.workspace import Workspace

TODAY = dt.date(2012, 7, 1)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """The ingested 002 workspace; tests copy it and never write into it."""
    return ingested_workspace(tmp_path_factory.mktemp("ingested"))


def _copy(ws: Workspace, dest) -> Workspace:
    root = dest / ws.root.name
    shutil.copytree(ws.root, root, symlinks=True)
    return Workspace(root)


@pytest.fixture(scope="module")
def notices(ingested, tmp_path_factory):
    ws, expect = ingested
    ws = _copy(ws, tmp_path_factory.mktemp("notices"))
    return ws, expect, write_notices(ws, today=TODAY)


def _text(path) -> tuple[list[str], list[list[list[str]]]]:
    d = docx.Document(str(path))
    return [p.text for p in d.paragraphs], [[[c.text for c in r.cells] for r in t.rows] for t in d.tables]


def test_kind_of_notice_follows_what_is_owed(notices) -> None:
    ws, _, paths = notices
    rows = {r.department: r for r in status(ws, today=TODAY)}
    docs = [p for p in paths if p.suffix == ".docx"]
    assert len(docs) == sum(1 for r in rows.values() if r.to_redo or r.missing)
    for path in docs:
        department, kind = path.stem.split("-", 1)
        row = rows[department]
        assert kind == ("退回重查和催报通知" if row.to_redo and row.missing else "退回重查通知" if row.to_redo else "催报通知")
    assert (ws.outbox / "notices" / "组织部-催报通知.docx").is_file()
    assert (ws.outbox / "notices" / "财务处-退回重查和催报通知.docx").is_file()


def test_both_sections_numbered_with_form_ids_and_problems(notices) -> None:
    ws, expect, _ = notices
    paragraphs, tables = _text(ws.outbox / "notices" / "财务处-退回重查和催报通知.docx")
    assert paragraphs[0].replace("\n", "") == "关于财务处廉政风险防控表格退回重查和催报的通知"
    assert "财务处：" in paragraphs
    body = "\n".join(paragraphs)
    assert "现退回重查" in body and "请一并补报" in body
    headings = [p for p in paragraphs if re.match(r"^[一二三四]、", p)]
    assert headings == ["一、退回重查的表格", "二、尚未报送的表格", "三、报送要求"]
    assert "2012年7月8日前" in body  # the profile's seven days after the notice
    redo, chase = tables
    assert redo[0] == ["序号", "表格及表单编号", "填报人", "问题所在", "存在的问题及修改要求"]
    (row,) = redo[1:]
    assert row[2] == expect["财务处/03-漏填.docx"]["person"]
    assert re.search(r"LZ-QZSY2012-B21-P\d+-\w", row[1]), row[1]  # the id of the version returned
    assert "行" in row[3] and ("风险内容" in row[3] or "表头" in row[3]), row[3]  # row and column as labelled
    assert "未填" in row[4], row[4]
    assert chase[0] == ["序号", "表格及表单编号", "填报人", "原定报送时间"]
    missing_assessment = {r[2] for r in chase[1:] if "个人廉政风险排查评估表" in r[1]}
    returned = {expect[f]["person"] for f in ("财务处/01-合格.docx", "财务处/02-等级写错-修改后.docx", "财务处/03-漏填.docx")}
    assert missing_assessment == {p.name for p in ws.roster if p.department == "财务处"} - returned
    assert all(re.search(r"LZ-QZSY2012-\w+-[PDU]", r[1]) for r in chase[1:])
    assert any(r[3] == "6月30日\n（已逾期）" for r in chase[1:])
    assert any(r[2] == "本部门" for r in chase[1:])  # the department's own forms


def test_chase_notice_has_its_own_title_and_opening(notices) -> None:
    ws, _, _ = notices
    paragraphs, tables = _text(ws.outbox / "notices" / "组织部-催报通知.docx")
    assert paragraphs[0].replace("\n", "") == "关于催报组织部廉政风险防控表格的通知"
    body = "\n".join(paragraphs)
    assert "至今未收到" in body and "退回重查" not in body
    assert [p for p in paragraphs if re.match(r"^[一二三]、", p)] == ["一、尚未报送的表格", "二、报送要求"]
    assert len(tables) == 1


def test_redo_only_notice(notices) -> None:
    ws, _, _ = notices
    row = next(r for r in status(ws, today=TODAY) if r.department == "人事处")
    document = _notice(ws.profile, dataclasses.replace(row, missing=[]), {}, terms(ws.profile, TODAY))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0].replace("\n", "") == "关于人事处廉政风险防控表格退回重查的通知"
    assert [p for p in paragraphs if re.match(r"^[一二三]、", p)] == ["一、退回重查的表格", "二、报送要求"]
    assert "补报" not in "\n".join(paragraphs) and len(document.tables) == 1


def test_same_hand_reaches_the_notice(notices) -> None:
    ws, _, _ = notices
    _, tables = _text(ws.outbox / "notices" / "人事处-退回重查和催报通知.docx")
    firsts = [r for r in tables[0][1:] if "一人代填" in r[4]]
    assert len({r[1] for r in firsts}) == 3  # three forms, each with its problem on a line of its own


def test_contact_telephone_and_how_to_resubmit(notices) -> None:
    ws, _, _ = notices
    paragraphs, _ = _text(ws.outbox / "notices" / "科研处-退回重查和催报通知.docx")
    body = "\n".join(paragraphs)
    office = ws.profile.office
    assert f"联系人：{office.director.name}，联系电话：{office.phone}" in body and office.phone
    assert f"报送领导小组办公室（{office.location}）" in body
    assert paragraphs[-1] == "2012年7月1日"


def test_rows_never_split_and_pages_are_numbered(notices) -> None:
    ws, _, _ = notices
    with zipfile.ZipFile(ws.outbox / "notices" / "财务处-退回重查和催报通知.docx") as z:
        xml = z.read("word/document.xml").decode("utf-8")
        footers = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/footer"))
    assert xml.count("<w:tr>") + xml.count("<w:tr ") == xml.count("<w:cantSplit/>")
    assert "PAGE" in footers


def test_word_opens_them_without_repair(notices) -> None:
    """Merged problem rows, cantSplit and the PAGE field pass the OOXML validator Word's rules follow."""
    audit = pytest.importorskip("openxml_audit", reason="openxml-audit is in the [test] extra")
    ws, _, _ = notices
    for name in ("财务处-退回重查和催报通知.docx", "组织部-催报通知.docx"):
        result = audit.OpenXmlValidator(file_format=audit.FileFormat.OFFICE_2019).validate(ws.outbox / "notices" / name)
        assert not getattr(result, "errors", []), name


def test_east_asian_fonts_on_every_run(notices) -> None:
    ws, _, _ = notices
    with zipfile.ZipFile(ws.outbox / "notices" / "科研处-退回重查和催报通知.docx") as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert xml.count("<w:r>") + xml.count("<w:r ") == xml.count('w:eastAsia="')


@pytest.mark.skipif(soffice.find() is None, reason="LibreOffice (soffice) is not installed")
def test_pdf_beside_each_notice(notices) -> None:
    import pdfplumber

    ws, _, paths = notices
    docs = {p.stem for p in paths if p.suffix == ".docx"}
    assert docs and docs == {p.stem for p in paths if p.suffix == ".pdf"}
    with pdfplumber.open(ws.outbox / "notices" / "组织部-催报通知.pdf") as pdf:
        last = re.sub(r"\s+", "", pdf.pages[-1].extract_text() or "")
    assert f"—{len(pdf.pages)}—" in last and "2012年7月1日" in last


def test_cli_today_and_due(ingested, tmp_path) -> None:
    ws = _copy(ingested[0], tmp_path)
    out = CliRunner().invoke(main, ["notices", "-w", str(ws.root), "--today", "2012-07-01", "--due", "2012-07-20",
                                    "--no-pdf"])
    assert out.exit_code == 0, out.output
    assert "组织部-催报通知.docx" in out.output and ".pdf" not in out.output
    paragraphs, _ = _text(ws.outbox / "notices" / "组织部-催报通知.docx")
    assert "于2012年7月20日前报送" in "\n".join(paragraphs) and paragraphs[-1] == "2012年7月1日"
    late = CliRunner().invoke(main, ["notices", "-w", str(ws.root), "--today", "2012-07-01", "--due", "2012-06-20"])
    assert late.exit_code == 2 and "不晚于" in late.output


def test_profile_due_and_contact(ingested, tmp_path) -> None:
    ws = _copy(ingested[0], tmp_path)
    text = (ws.root / "profile.toml").read_text(encoding="utf-8")
    (ws.root / "profile.toml").write_text(
        text + '\n[notices]\ndue = 2012-07-15\ncontact = "庄晓燕"\nphone = "0595-22919531"\n'
        'resubmit = "将纸质表格交纪委办（行政楼301室）"\n', encoding="utf-8")
    ws = Workspace(ws.root)
    (path,) = [p for p in write_notices(ws, today=TODAY, pdf=False) if p.name == "组织部-催报通知.docx"]
    body = "\n".join(_text(path)[0])
    assert "于2012年7月15日前报送" in body and "于2012年7月15日前将纸质表格交纪委办（行政楼301室）" in body
    assert "联系人：庄晓燕，联系电话：0595-22919531" in body
