"""退回重查通知 and 催报通知: one Word notice (and its PDF) per department that owes the office something.

A department whose returned forms have problems gets a 退回重查通知; one that has only forms still
to return gets a 催报通知 — a different title, opening and structure, since it asks for forms
never sent rather than for corrections; one with both gets one notice with both sections, numbered
in order, then the 报送要求. Every form is named by its title and the form id of the version
returned (or issued), so the person finds the right sheet; every problem is a line of its own, with
the row and column as the form labels them. The deadline is ``--due``, else the profile's
``notices.due``, else ``notices.days`` after the notice's date; the contact and telephone come from
the profile, so the department knows whom to ask.

Layout: A4 portrait, 仿宋 三号 text and 小四 tables, East Asian fonts on every run (see
pipeline/generate/ooxml.py) so WPS and Word agree; table rows never split across pages and the
column header repeats; pages are numbered at the foot. A PDF is written beside each .docx when
LibreOffice is installed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from pipeline.cnfmt import chinese_number, cn_date
from pipeline.errors import UsageError
from pipeline.forms import get
from pipeline.generate.titles import break_title
from pipeline.generate.ooxml import (add_field, finish, FONT_FANGSONG, FONT_HEI, FONT_SONG, FONT_XBS, SIZE,
                                     keep_row_together, repeat_header_row, set_page, set_run_font, set_style_font,
                                     set_table_borders)
from pipeline.profile import Profile
from pipeline.report.status import DepartmentStatus, Owed, status
from pipeline.store import open_store
from pipeline.store.queries import problems_of
from pipeline.workspace import Workspace

#: File name endings by what the notice asks for; the folder never keeps one of another kind.
SUFFIXES = {"redo": "-退回重查通知.docx", "chase": "-催报通知.docx", "both": "-退回重查和催报通知.docx"}


@dataclass(frozen=True)
class Terms:
    """What every notice of a run says beyond the forms: its date, the deadline, whom to call, how to send."""

    today: dt.date
    due: dt.date
    office: str
    contact: str
    phone: str
    resubmit: str


def terms(profile: Profile, today: dt.date, due: dt.date | None = None) -> Terms:
    """The notices' date, deadline and contact from the profile (``due`` overrides its deadline)."""
    n = profile.notices
    return Terms(
        today=today,
        due=due or n.due or today + dt.timedelta(days=n.days),
        office=f"{profile.institution.name}{profile.campaign.name}领导小组办公室",
        contact=n.contact or profile.office.director.name,
        phone=n.phone or profile.office.phone or "",
        resubmit=n.resubmit or f"报送领导小组办公室（{profile.office.location}）",
    )


def write_notices(ws: Workspace, *, today: dt.date | None = None, due: dt.date | None = None,
                  pdf: bool = True) -> list[Path]:
    """Write a notice for each department with something to redo or return; returns the files.

    Notices left from an earlier run that no longer apply (the department owes nothing, or owes
    something else now) are removed, so the folder never holds a notice that should not be sent.
    """
    from pipeline._exec import soffice

    today = today or dt.date.today()
    t = terms(ws.profile, today, due)
    if t.due <= today:
        raise UsageError(f"报送截止日期 {cn_date(t.due)} 不晚于通知日期 {cn_date(today)}",
                         hint="用 --due 给出以后的日期，或改配置 [notices] due")
    rows = status(ws, today=today)
    problems = _problems(ws, [o.submission_id for r in rows for o in r.to_redo])
    out_dir = ws.outbox / "notices"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for row in rows:
        kind = "both" if row.to_redo and row.missing else "redo" if row.to_redo else "chase" if row.missing else ""
        for k, suffix in SUFFIXES.items():
            if k != kind:
                stale = out_dir / f"{row.department}{suffix}"
                stale.unlink(missing_ok=True)
                stale.with_suffix(".pdf").unlink(missing_ok=True)
        if not kind:
            continue
        path = out_dir / f"{row.department}{SUFFIXES[kind]}"
        document = _notice(ws.profile, row, problems, t)
        finish(document)
        document.save(str(path))
        written.append(path)
    if pdf and written and soffice.find():
        written += soffice.convert(written, out_dir)
    return written


def _problems(ws: Workspace, submission_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    if not submission_ids:
        return {}
    with open_store(ws.database_url)() as s:
        return problems_of(s, submission_ids)


# --- writing -------------------------------------------------------------------------------------

def _para(document, text: str = "", *, font: str = FONT_FANGSONG, size: float = SIZE["三号"], bold: bool = False,
          align=None, indent: bool = False, keep: bool = False):
    p = document.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(28)
    if align is not None:
        p.alignment = align
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    fmt.keep_with_next = keep
    if text:
        set_run_font(p.add_run(text), font, size, bold=bold)
    return p


def _cell(cell, text: str | tuple[str, str], *, bold: bool = False, center: bool = False) -> None:
    """Write ``text`` (lines split at newlines); a (title, form id) pair prints the id smaller under the title."""
    lines = [(line, SIZE["五号"]) for line in text.split("\n")] if isinstance(text, str) else \
        [(text[0], SIZE["五号"]), (text[1], SIZE["小五"])]
    for i, (line, size) in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.line_spacing = 1.0
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_run_font(p.add_run(line), FONT_FANGSONG, size, bold=bold)


def _table(document, headers: list[str], widths_mm: list[float], groups: list[list[list]]):
    """A table whose ``groups`` are runs of rows that belong together (one form and its problems):
    the cells a group leaves empty after its first row are merged into that row's, vertically."""
    table = document.add_table(rows=1, cols=len(headers))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    set_table_borders(table)
    for cell, label in zip(table.rows[0].cells, headers):
        _cell(cell, label, bold=True, center=True)
    repeat_header_row(table.rows[0])
    keep_row_together(table.rows[0])
    for group in groups:
        first = len(table.rows)
        for values in group:
            row = table.add_row()
            keep_row_together(row)
            for i, (cell, value) in enumerate(zip(row.cells, values)):
                if value:
                    _cell(cell, value, center=i == 0)
        for col, value in enumerate(group[0]):
            if len(group) > 1 and all(not r[col] for r in group[1:]):
                table.cell(first, col).merge(table.cell(first + len(group) - 1, col))
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


def _form(o: Owed, institution: str) -> tuple[str, str]:
    """The form as the department knows it: its printed title, and the id of the version returned or issued."""
    return f"《{get(o.form_type).printed_title(institution)}》", o.form_id or ""


def _redo_groups(row: DepartmentStatus, problems: dict[int, list[tuple[str, str]]], institution: str) -> list[list[list[str]]]:
    groups = []
    for n, o in enumerate(row.to_redo, start=1):
        found = problems.get(o.submission_id or -1) or [("", "请核对全表后重新报送")]
        lines = []
        for i, (where, message) in enumerate(found):
            ident = [str(n), _form(o, institution), _who(o)] if i == 0 else ["", "", ""]
            lines.append([*ident, where or "全表", message])
        groups.append(lines)
    return groups


def _notice(profile: Profile, row: DepartmentStatus, problems: dict[int, list[tuple[str, str]]], t: Terms):
    institution = profile.institution.name
    document = docx.Document()
    section = document.sections[0]
    set_page(section)
    set_style_font(document.styles["Normal"], FONT_FANGSONG, SIZE["三号"])
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_run_font(footer.add_run("— "), FONT_SONG, SIZE["四号"])
    page = footer.add_run()
    set_run_font(page, FONT_SONG, SIZE["四号"])
    add_field(page, "PAGE")
    set_run_font(footer.add_run(" —"), FONT_SONG, SIZE["四号"])

    redo, chase = bool(row.to_redo), bool(row.missing)
    subject = "退回重查和催报" if redo and chase else "退回重查" if redo else "催报"
    title = (f"关于催报{row.department}廉政风险防控表格的通知" if not redo
             else f"关于{row.department}廉政风险防控表格{subject}的通知")
    heading = _para(document, align=WD_ALIGN_PARAGRAPH.CENTER)
    for i, line in enumerate(break_title(title, words=(row.department, "廉政风险防控表格")).split("\n")):
        run = heading.add_run(("\n" if i else "") + line)  # python-docx writes the newline as w:br
        set_run_font(run, FONT_XBS, SIZE["二号"])
    _para(document)
    _para(document, f"{row.department}：")
    deadline = cn_date(t.due)
    if redo:
        opening = (f"经领导小组办公室审核，你部门报送的{len(row.to_redo)}份表格存在问题，现退回重查。"
                   "请组织有关人员对照下列问题逐项修改，在原表上改正后重新报送")
        opening += f"；另有{len(row.missing)}份表格尚未报送，请一并补报。" if chase else "。"
    else:
        overdue = sum(1 for o in row.missing if o.due < t.today)
        opening = (f"按照{profile.campaign.name}的统一安排，你部门应报送的下列{len(row.missing)}份表格至今未收到"
                   + (f"，其中{overdue}份已过原定报送时间" if overdue else "")
                   + f"。请抓紧组织填报，于{deadline}前报送。")
    _para(document, opening, indent=True)
    n = 0
    if redo:
        n += 1
        _para(document, f"{chinese_number(n)}、退回重查的表格", font=FONT_HEI, indent=True, keep=True)
        _table(document, ["序号", "表格及表单编号", "填报人", "问题所在", "存在的问题及修改要求"],
               [9, 56, 17, 30, 44], _redo_groups(row, problems, institution))
    if chase:
        n += 1
        _para(document, f"{chinese_number(n)}、尚未报送的表格", font=FONT_HEI, indent=True, keep=True)
        groups = [[[str(i), _form(o, institution), _who(o),
                    cn_date(o.due, with_year=o.due.year != t.today.year) + ("\n（已逾期）" if o.due < t.today else "")]]
                  for i, o in enumerate(row.missing, start=1)]
        _table(document, ["序号", "表格及表单编号", "填报人", "原定报送时间"], [9, 80, 22, 45], groups)
    n += 1
    _para(document, f"{chinese_number(n)}、报送要求", font=FONT_HEI, indent=True, keep=True)
    how = "修改后的表格和补报的表格" if redo and chase else "修改后的表格" if redo else "表格"
    _para(document, f"（一）{how}请于{deadline}前{t.resubmit}。请用下发的表格填写，"
                    "保留表格上的表单编号和二维码，不要改动栏目；纸质表格须由本人亲笔签署。", indent=True)
    contact = f"（二）联系人：{t.contact}" + (f"，联系电话：{t.phone}" if t.phone else "") + "。"
    _para(document, contact, indent=True, keep=True)  # the signature never stands alone on a page
    _para(document, keep=True)
    _para(document, t.office, align=WD_ALIGN_PARAGRAPH.RIGHT, keep=True)
    _para(document, cn_date(t.today), align=WD_ALIGN_PARAGRAPH.RIGHT)
    return document
