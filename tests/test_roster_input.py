"""Roster workbooks as other systems export them: control characters, numbers, dates, booleans, damage."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import make_workspace, needs_soffice
from pipeline.cli import main
from pipeline.errors import ExitCode


def _rewrite_strings(path, old: str, new: str) -> None:
    with zipfile.ZipFile(path) as z:
        parts = {i: z.read(i) for i in z.namelist()}
    # the cell text may be stored as UTF-8 or as character references (&#37073;…), in shared strings or inline
    forms = (old.encode(), old.encode("ascii", "xmlcharrefreplace"))
    name, found = next((n, f) for n in ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml") if n in parts
                       for f in forms if f in parts[n])
    parts[name] = parts[name].replace(found, new.encode(), 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    path.write_bytes(out.getvalue())


def _forms(ws) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["forms", "-w", str(ws.root), "--department", "组织部"])
    return result.exit_code, result.output


@pytest.mark.parametrize("written,named", [
    ("郑_x0001_晓东", "第 2 行“姓名”含有看不见的控制字符"),  # escaped as Excel writes it
    ("郑\x01晓东", "第 2 行“姓名”含有看不见的控制字符"),  # raw in the XML, as other exporters write it
    ("郑\x1b[31m晓东", "第 2 行“姓名”含有看不见的控制字符"),
    ("郑&bogus;晓东", "的数据已损坏"),  # XML that no parser reads: the sheet is named, and the likely cause
])
def test_control_characters_are_named_by_sheet_and_row(tmp_path, written, named) -> None:
    ws = make_workspace(tmp_path)
    _rewrite_strings(ws.root / "roster.xlsx", "郑晓东", written)
    code, output = _forms(ws)
    assert code == ExitCode.USAGE, output
    assert "roster.xlsx" in output and "工作表“名册”" in output and named in output
    assert not (ws.outbox / "forms").exists() or not list((ws.outbox / "forms").rglob("*.docx"))


def test_numbers_dates_and_booleans_in_text_columns(tmp_path) -> None:
    ws = make_workspace(tmp_path)
    path = ws.root / "roster.xlsx"
    wb = openpyxl.load_workbook(path)
    sheet = wb.active
    staff_id = sheet.cell(row=2, column=1).value
    sheet.cell(row=2, column=1).value = float(staff_id)  # 1001 typed as a number, stored as 1001.0
    wb.save(path)
    code, output = _forms(ws)
    assert code == 0, output
    assert list((ws.outbox / "forms").rglob(f"{staff_id}-*")), "the number reads as the same 工号"
    sheet.cell(row=3, column=4).value = dt.datetime(2012, 6, 1)
    wb.save(path)
    code, output = _forms(ws)
    assert code == ExitCode.USAGE and "第 3 行“职务”是日期" in output
    sheet.cell(row=3, column=4).value = "科员"
    sheet.cell(row=4, column=3).value = True
    wb.save(path)
    code, output = _forms(ws)
    assert code == ExitCode.USAGE and "第 4 行“部门”是逻辑值 TRUE" in output


def test_a_damaged_roster_is_named(tmp_path) -> None:
    ws = make_workspace(tmp_path)
    path = ws.root / "roster.xlsx"
    path.write_bytes(path.read_bytes()[:2000])
    code, output = _forms(ws)
    assert code == ExitCode.USAGE and "roster.xlsx" in output and "无法打开名册" in output
    assert "Traceback" not in output


@needs_soffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_a_roster_kept_as_xls_or_ods_reads_the_same(tmp_path, fmt):
    """Offices keep rosters in old Excel or in WPS/LibreOffice sheets: the same people come out."""
    from pipeline._exec import soffice
    from pipeline.profile import load_roster

    ws = make_workspace(tmp_path)
    (converted,) = soffice.convert([ws.root / "roster.xlsx"], tmp_path / "out", to=fmt)
    assert load_roster(converted, ws.profile, ws.profile.roster.sheet) == ws.roster
