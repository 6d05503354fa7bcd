"""``lianzheng notices``: a Word 退回重查通知 per department with forms to redo and a 催报 list.

The notices are written once, dated ``TODAY``, into a workspace of their own; the CLI test writes
its notices (dated the real today) into another copy, so no test sees files another one wrote.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile

import docx
import pytest
from click.testing import CliRunner

from ingested import ingested_workspace
from pipeline.cli import main
from pipeline.report.notices import write_notices
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


def test_one_notice_per_department_owing_something(notices) -> None:
    ws, _, paths = notices
    assert sorted(p.name for p in paths) == sorted(f"{d.name}-退回重查通知.docx" for d in ws.profile.departments)
    assert all(p.parent == ws.outbox / "notices" for p in paths)


def test_finance_notice_content(notices) -> None:
    ws, expect, _ = notices
    paragraphs, tables = _text(ws.outbox / "notices" / "财务处-退回重查通知.docx")
    assert paragraphs[0] == "关于财务处廉政风险防控表格退回重查的通知"
    assert "财务处：" in paragraphs
    body = "\n".join(paragraphs)
    assert "2012年7月8日前重新报送" in body  # seven days after the notice
    redo, chase = tables
    assert redo[0] == ["序号", "表格", "填报人", "存在的问题及修改要求"]
    (row,) = redo[1:]
    assert row[1] == "个人廉政风险排查评估表" and row[2] == expect["财务处/03-漏填.docx"]["person"]
    assert "风险内容" in row[3] or "未填" in row[3] or "空" in row[3], row[3]
    assert chase[0][-1] == "原定报送时间"
    missing_assessment = {r[2] for r in chase[1:] if r[1] == "个人廉政风险排查评估表"}
    returned = {expect[f]["person"] for f in ("财务处/01-合格.docx", "财务处/02-等级写错-修改后.docx", "财务处/03-漏填.docx")}
    cw = {p.name for p in ws.roster if p.department == "财务处"}
    assert missing_assessment == cw - returned
    assert any(r[3] == "2012年6月30日（已逾期）" for r in chase[1:])
    assert any(r[2] == "本部门" for r in chase[1:])  # the department's own forms


def test_same_hand_reaches_the_notice(notices) -> None:
    ws, _, _ = notices
    _, tables = _text(ws.outbox / "notices" / "人事处-退回重查通知.docx")
    problems = [r[3] for r in tables[0][1:]]
    assert len(problems) == 3 and all("一人代填" in p for p in problems)


def test_east_asian_fonts_on_every_run(notices) -> None:
    ws, _, _ = notices
    with zipfile.ZipFile(ws.outbox / "notices" / "科研处-退回重查通知.docx") as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert xml.count("<w:r>") + xml.count("<w:r ") == xml.count('w:eastAsia="')


def test_cli_lists_the_files(ingested, tmp_path) -> None:
    ws = _copy(ingested[0], tmp_path)
    out = CliRunner().invoke(main, ["notices", "-w", str(ws.root)])
    assert out.exit_code == 0, out.output
    assert "财务处-退回重查通知.docx" in out.output
    assert (ws.outbox / "notices" / "财务处-退回重查通知.docx").is_file()
