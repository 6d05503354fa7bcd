"""退回重查通知: one Word notice per department that has forms to redo or forms still to return.

The notice goes from the leading group's office to the department: which forms go back, whose,
what is wrong with each in plain Chinese (the problem messages are written for the person who
must fix them), the new deadline, and a 催报 list of forms not returned yet. It is built with
python-docx directly — a table whose rows come from the store, nothing an office restyles often —
with East Asian fonts set on every run (see pipeline/generate/ooxml.py) so WPS and Word agree.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from pipeline.cnfmt import cn_date
from pipeline.generate.ooxml import (finish, FONT_FANGSONG, FONT_HEI, FONT_XBS, SIZE, repeat_header_row, set_page,
                                     set_run_font, set_style_font, set_table_borders)
from pipeline.store import open_store
from pipeline.report.status import DepartmentStatus, Owed, status
from pipeline.store.queries import problems_of
from pipeline.workspace import Workspace

#: Days a department gets to redo a form, counted from the day the notice is written.
REDO_DAYS = 7
SUFFIX = "-退回重查通知.docx"


def new_deadline(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=REDO_DAYS)


def write_notices(ws: Workspace, *, today: dt.date | None = None) -> list[Path]:
    """Write a notice for each department with something to redo or return; returns the files.

    Notices left from an earlier run for a department that now owes nothing are removed, so the
    folder never holds a notice that should not be sent.
    """
    today = today or dt.date.today()
    rows = status(ws, today=today)
    problems = _problems(ws, [o.submission_id for r in rows for o in r.to_redo])
    out_dir = ws.outbox / "notices"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for row in rows:
        path = out_dir / f"{row.department}{SUFFIX}"
        if not row.to_redo and not row.missing:
            path.unlink(missing_ok=True)
            continue
        document = _notice(ws, row, problems, today)
        finish(document)
        document.save(str(path))
        written.append(path)
    return written


def _problems(ws: Workspace, submission_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    if not submission_ids:
        return {}
    with open_store(ws.database_url)() as s:
        return problems_of(s, submission_ids)


def _para(document, text: str = "", *, font: str = FONT_FANGSONG, size: float = SIZE["三号"], bold: bool = False,
          align=None, indent: bool = False):
    p = document.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = docx.shared.Pt(size * 2)
    if text:
        set_run_font(p.add_run(text), font, size, bold=bold)
    return p


def _cell(cell, text: str, *, bold: bool = False, center: bool = False) -> None:
    cell.text = ""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_run_font(p.add_run(line), FONT_FANGSONG, SIZE["小四"], bold=bold)


def _table(document, headers: list[str], widths_mm: list[float], rows: list[list[str]]):
    table = document.add_table(rows=1, cols=len(headers))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    set_table_borders(table)
    for cell, label in zip(table.rows[0].cells, headers):
        _cell(cell, label, bold=True, center=True)
    repeat_header_row(table.rows[0])
    for values in rows:
        for i, (cell, value) in enumerate(zip(table.add_row().cells, values)):
            _cell(cell, value, center=i == 0)
    # Word reads the cell widths, LibreOffice and WPS the grid: set both, and stop autofit undoing them.
    table.autofit = False
    for column, w in zip(table.columns, widths_mm):
        column.width = Mm(w)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm):
            cell.width = Mm(w)
    return table


def _who(o: Owed) -> str:
    return o.person_name or "本部门"


def _notice(ws: Workspace, row: DepartmentStatus, problems: dict[int, list[tuple[str, str]]], today: dt.date):
    profile = ws.profile
    office = f"{profile.institution.name}{profile.campaign.name}领导小组办公室"
    document = docx.Document()
    set_page(document.sections[0])
    set_style_font(document.styles["Normal"], FONT_FANGSONG, SIZE["三号"])
    _para(document, f"关于{row.department}廉政风险防控表格退回重查的通知", font=FONT_XBS, size=SIZE["二号"],
          align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(document)
    _para(document, f"{row.department}：")
    deadline = new_deadline(today)
    if row.to_redo:
        _para(document, f"经领导小组办公室审核，你部门报送的以下{len(row.to_redo)}份表格存在问题，现退回重查。"
                        f"请组织有关人员对照所列问题认真修改，于{cn_date(deadline)}前重新报送。", indent=True)
        _para(document, "一、退回重查的表格", font=FONT_HEI, indent=True)
        rows = []
        for i, o in enumerate(row.to_redo, start=1):
            issues = problems.get(o.submission_id or -1, [])
            text = "\n".join(f"{n}. {f'{where}：' if where else ''}{message}"
                             for n, (where, message) in enumerate(issues, start=1)) or "请核对后重新报送"
            rows.append([str(i), o.title, _who(o), text])
        _table(document, ["序号", "表格", "填报人", "存在的问题及修改要求"], [14, 38, 20, 84], rows)
    if row.missing:
        heading = "二、尚未报送的表格（催报）" if row.to_redo else "一、尚未报送的表格（催报）"
        _para(document, heading, font=FONT_HEI, indent=True)
        _para(document, f"以下{len(row.missing)}份表格尚未报送，请于{cn_date(deadline)}前报送。", indent=True)
        rows = [[str(i), o.title, _who(o), cn_date(o.due) + ("（已逾期）" if o.due < today else "")]
                for i, o in enumerate(row.missing, start=1)]
        _table(document, ["序号", "表格", "填报人", "原定报送时间"], [14, 60, 26, 56], rows)
    _para(document)
    contact = f"联系电话：{profile.office.phone}" if profile.office.phone else ""
    _para(document, f"联系人：{profile.office.director.name}{'  ' + contact if contact else ''}", indent=True)
    _para(document)
    _para(document, office, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(document, cn_date(today), align=WD_ALIGN_PARAGRAPH.RIGHT)
    return document
