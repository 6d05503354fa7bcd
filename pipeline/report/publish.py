"""廉政风险点公示: the notice-board table of the accepted risk points, per department and for all.

``outbox/publish/<简称>-廉政风险点公示.docx`` lists every department's points; each department with
accepted points gets its own under ``departments/``; with LibreOffice a PDF lies beside each.
A 公示 shows what was accepted, so only the risk points of accepted current returns appear, with
the office's reviewed level, category over the form's (the ledger's row builder decides both, and
责任人 / 责任领导 by the profile's supervision rule, so 公示 and ledger cannot disagree).

A public board is no place for the names of ordinary staff: unless ``publication.staff_names``,
a person's risk is shown under their post, a 责任人 who is the person themselves reads as their
post, and their name is blanked wherever the form's own text repeats it. Leaders and department
heads answer for their points publicly, so their names stay.

Layout: A4 landscape, fixed column widths summing to the text width (the table cannot run off
the page), the header row repeated on every page, no row split across pages, page numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from pipeline.cnfmt import cn_date
from pipeline.errors import LianzhengError, MissingProgramError
from pipeline.generate import ooxml
from pipeline.profile import Profile, StaffMember
from pipeline.report.headings import PUBLISH
from pipeline.report.ledger_rows import SELF_ROLES, LedgerColumns, LedgerRow, People, ledger_rows
from pipeline.store import open_store
from pipeline.store.queries import LedgerPoints, ledger_risk_points
from pipeline.store.status import Status
from pipeline.workspace import Workspace

TITLE = PUBLISH["title"]
SUFFIX = f"-{TITLE}.docx"
#: What a blanked name reads as in the form's own text.
MASK = "××"
#: The notice-board columns' widths in millimetres, by key (``headings.toml``'s ``[publish.columns]``
#: in its order); they sum to the A4 landscape text width.
_WIDTHS_MM = {"seq": 9, "unit": 26, "category": 19, "risk": 32, "description": 47, "level": 13, "measures": 49,
              "responsible": 31, "leader": 31}
#: The notice-board columns: (heading, width in mm).
COLUMNS = tuple((text, _WIDTHS_MM[key]) for key, text in PUBLISH["columns"].items())
_KEYS = list(PUBLISH["columns"])
MARGIN_MM = 20
#: An optional column no row fills (000's and 003's forms have no 主要内容, 002's person form no
#: 防控措施) keeps at most this width;
#: what it frees goes to the columns people read: 风险点, 主要内容, 防控措施.
NARROW_MM = 22
_OPTIONAL = tuple(PUBLISH["columns"][k] for k in ("category", "description", "measures"))
_GROW = tuple(PUBLISH["columns"][k] for k in ("risk", "description", "measures"))
_CENTRED = {_KEYS.index("seq"), _KEYS.index("level")}
PAGE_WIDTH_MM = 297
_TEXT_PT = 10.5  # 五号: nine columns on a landscape page
_BODY_PT = 14  # 四号 for the notice's text


@dataclass(frozen=True)
class Notice:
    """One 公示 table row, already as the board shows it."""

    department: str
    level_rank: int
    cells: tuple[str, ...]


def publish_dir(ws: Workspace) -> Path:
    return ws.outbox / "publish"


def period(profile: Profile, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the publication: ``publication.start`` (else today) and ``days`` days on."""
    start = profile.publication.start or today
    return start, start + dt.timedelta(days=profile.publication.days - 1)


def office_name(profile: Profile) -> str:
    return f"{profile.institution.name}{profile.campaign.name}领导小组办公室"


def objections(profile: Profile) -> str:
    """Where objections go, as the sentence's end: the profile's words, else the leading group's
    office, where it sits, and its telephone."""
    if profile.publication.objections:
        return f"{profile.publication.objections}反映"
    phone = f"，联系电话：{profile.office.phone}" if profile.office.phone else ""
    return f"{office_name(profile)}（设在{profile.office.location}）反映{phone}"


def ordinary_staff(profile: Profile, roster: Sequence[StaffMember]) -> set[str]:
    """Names of ordinary staff: the roster's 一般工作人员 whom the profile names in no leading role."""
    public = {p.name for p in (*profile.leadership.leaders, *profile.leadership.deputies, *profile.leadership.members)}
    public |= {d.head for d in profile.departments if d.head} | {d.supervisor for d in profile.departments if d.supervisor}
    return {p.name for p in roster if p.tier == "一般工作人员" and p.name not in public}


def notices(profile: Profile, roster: Sequence[StaffMember], points: LedgerPoints) -> list[Notice]:
    """The 公示 rows of the accepted points, by department (profile order), then level, highest first."""
    accepted = points.where(lambda p: p.status == Status.ACCEPTED.value)
    columns, rows = ledger_rows(profile, roster, accepted)
    people = People(profile, roster)
    hidden = set() if profile.publication.staff_names else ordinary_staff(profile, roster)
    mask = re.compile("|".join(sorted(map(re.escape, hidden), key=len, reverse=True))) if hidden else None
    order = {d.name: i for i, d in enumerate(profile.departments)}
    labels = profile.levels.labels
    out = []
    for r in rows:
        rank = labels.index(r.level) if r.level in labels else len(labels)
        cells = _cells(columns, r, people, hidden)
        if mask is not None:
            cells = tuple(mask.sub(MASK, c) for c in cells)
        out.append(Notice(r.department, rank, cells))
    out.sort(key=lambda n: (order.get(n.department, len(order)), n.department, n.level_rank))
    return out


def _cells(columns: LedgerColumns, r: LedgerRow, people: People, hidden: set[str]) -> tuple[str, ...]:
    v = dict(zip(columns.keys, r.values))
    post = _without_prefix(str(v["post"] or v["position"] or ""), r.department)
    shown = r.personal and r.person and r.person not in hidden
    unit = "\n".join(x for x in (r.department, post, r.person if shown else "") if x)
    measures = [(label, str(v[key] or "").strip()) for key, label in columns.measures]
    measures = [(label, text) for label, text in measures if text]
    if len(measures) > 1:  # 000's 前期预防 / 中期监控 / 后期处置: each under its own name
        text = "\n".join(f"{label[label.find('（') + 1:label.rfind('）')]}：{t}" for label, t in measures)
    else:
        text = measures[0][1] if measures else ""
    rule = people.supervision(r.level, r.personal)
    responsible = str(v["responsible"])
    if r.personal and rule.responsible in SELF_ROLES and not shown:
        responsible = f"{post or '本岗位人员'}（{rule.responsible}）"
    return ("", unit, r.category, str(v["risk"] or ""), str(v["description"] or ""), r.level, text,
            _two_lines(responsible), _two_lines(str(v["supervisor"])))


def _without_prefix(post: str, department: str) -> str:
    """财务处会计 under 财务处 reads 会计: the cell already names the department."""
    return post[len(department):] if department and post.startswith(department) and post != department else post


def _two_lines(who: str) -> str:
    """张三（分管领导） as 张三 over （分管领导）: a narrow column then never breaks inside the name."""
    return who.replace("（", "\n（", 1) if not who.startswith("（") else who


# --- the document ------------------------------------------------------------------------------

def _paragraph(document, text: str, *, font: str = ooxml.FONT_FANGSONG, size: float = _BODY_PT,
               align=None, bold: bool = False, indent: bool = False, before: float = 0, after: float = 0):
    p = document.add_paragraph()
    run = p.add_run(text)
    ooxml.set_run_font(run, font, size, bold=bold)
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    return p


def _cell_text(cell, text: str, *, header: bool = False, center: bool = False) -> None:
    lines = text.split("\n") if text else [""]
    first = cell.paragraphs[0]
    for i, line in enumerate(lines):
        p = first if i == 0 else cell.add_paragraph()
        p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(0)
        if header or center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(line)
        ooxml.set_run_font(run, ooxml.FONT_HEI if header else ooxml.FONT_SONG, _TEXT_PT)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _shade(cell, fill: str = "D9D9D9") -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _fixed_layout(table, widths_mm: Sequence[float]) -> None:
    """Fixed layout, the table's width and every grid column's: Word then never widens the table
    past the margins to fit a long word, and WPS and LibreOffice read the same widths."""
    tblpr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(sum(int(Mm(w).twips) for w in widths_mm)))
    for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_mm):
        col.set(qn("w:w"), str(int(Mm(w).twips)))


def _footer(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in (("第 ", None), (None, "PAGE"), (" 页，共 ", None), (None, "NUMPAGES"), (" 页", None)):
        run = p.add_run(text or "")
        ooxml.set_run_font(run, ooxml.FONT_SONG, 10.5)
        if field:
            ooxml.add_field(run, field)


def widths(rows: Sequence[Notice]) -> list[float]:
    """Column widths in mm for these rows: :data:`COLUMNS`, with optional columns that every row
    leaves empty narrowed and the width they free shared by the filled reading columns."""
    base = dict(COLUMNS)
    labels = [label for label, _ in COLUMNS]
    empty = {label for label in _OPTIONAL if rows and not any(n.cells[labels.index(label)] for n in rows)}
    freed = sum(base[label] - min(base[label], NARROW_MM) for label in empty)
    grow = [label for label in _GROW if label not in empty]
    share = sum(base[label] for label in grow)
    out = {label: min(w, NARROW_MM) if label in empty else w for label, w in COLUMNS}
    for label in grow:
        out[label] += freed * base[label] / share
    return [out[label] for label in labels]


def write_notice(path: Path, profile: Profile, rows: Sequence[Notice], *, unit: str | None, today: dt.date) -> Path:
    """One 公示 document: title, the period and where objections go, the table, the 落款."""
    document = docx.Document()
    ooxml.set_style_font(document.styles["Normal"], ooxml.FONT_FANGSONG, _BODY_PT)
    section = document.sections[0]
    ooxml.set_page(section, landscape=True, top=20, bottom=18, left=MARGIN_MM, right=MARGIN_MM)
    _footer(section)
    pub = profile.publication
    title = pub.title or f"{profile.institution.name}{TITLE}"
    _paragraph(document, title, font=ooxml.FONT_XBS, size=ooxml.SIZE["二号"], align=WD_ALIGN_PARAGRAPH.CENTER,
               after=6)
    if unit:
        _paragraph(document, f"（{unit}）", font=ooxml.FONT_KAI, size=ooxml.SIZE["三号"],
                   align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
    start, end = period(profile, today)
    labels = profile.levels.labels
    _paragraph(document, f"根据{profile.campaign.name}安排，经个人查找、部门审核、领导小组办公室复核，现将"
               f"{unit or '各单位（部门）'}的廉政风险点及防控措施予以公示，共 {len(rows)} 项。"
               f"风险等级从高到低依次为{'、'.join(labels)}。", indent=True)
    _paragraph(document, f"公示时间：{cn_date(start)}至{cn_date(end)}（{pub.days}天）。公示期间，如对风险点的查找、"
               f"等级评定或防控措施有意见和建议，请向{objections(profile)}。", indent=True, after=6)
    sizes = widths(rows)
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    ooxml.set_table_borders(table)
    _fixed_layout(table, sizes)
    head = table.rows[0]
    ooxml.repeat_header_row(head)
    ooxml.keep_row_together(head)
    for cell, (label, _), w in zip(head.cells, COLUMNS, sizes):
        cell.width = Mm(w)
        _cell_text(cell, label, header=True)
        _shade(cell)
    for n, notice in enumerate(rows, start=1):
        row = table.add_row()
        ooxml.keep_row_together(row)
        for i, (cell, text, w) in enumerate(zip(row.cells, (str(n), *notice.cells[1:]), sizes)):
            cell.width = Mm(w)
            _cell_text(cell, text, center=i in _CENTRED)
    if not rows:
        cell = table.add_row().cells[0].merge(table.rows[-1].cells[-1])
        _cell_text(cell, "暂无经审核合格的风险点", center=True)
    signer = pub.signature or office_name(profile)
    _paragraph(document, signer, align=WD_ALIGN_PARAGRAPH.RIGHT, before=12)
    _paragraph(document, cn_date(start), align=WD_ALIGN_PARAGRAPH.RIGHT)
    ooxml.finish(document)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def write_publication(ws: Workspace, *, pdf: bool = True, today: dt.date | None = None) -> list[Path]:
    """Write the institution's 公示 and one per department with accepted points; PDFs with ``pdf``.

    Without LibreOffice the Word files are still written and :class:`MissingProgramError` says so.
    """
    profile = ws.profile
    today = today or dt.date.today()
    with open_store(ws.database_url)() as s:
        points = ledger_risk_points(s, profile.campaign.code)
    rows = notices(profile, ws.roster, points)
    out = publish_dir(ws)
    written = [write_notice(out / f"{profile.institution.short_name}{SUFFIX}", profile, rows, unit=None, today=today)]
    for d in profile.departments:
        mine = [r for r in rows if r.department == d.name]
        if mine:
            written.append(write_notice(out / "departments" / f"{d.name}{SUFFIX}", profile, mine, unit=d.name,
                                        today=today))
    if not pdf:
        return written
    from pipeline._exec import soffice

    if soffice.find() is None:
        raise MissingProgramError(
            f"已生成 {len(written)} 个公示 Word 文件（{out}），但没有找到 LibreOffice（soffice），未生成 PDF",
            hint="安装 LibreOffice（Debian/Ubuntu：apt-get install libreoffice-writer）后重新运行，"
                 "或加 --no-pdf 只生成 Word 文件")
    for p in written:
        p.with_suffix(".pdf").unlink(missing_ok=True)  # a failed conversion must not pass off an old PDF
    made = set(soffice.convert(written))
    missing = [p for p in written if p.with_suffix(".pdf") not in made]
    if missing:
        raise LianzhengError(f"LibreOffice 未能把 {missing[0].name} 转换为 PDF", path=missing[0],
                             hint="用 Word 或 WPS 打开该文件另存为 PDF，或检查 LibreOffice 能否正常启动")
    return [q for p in written for q in (p, p.with_suffix(".pdf"))]
