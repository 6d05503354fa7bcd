"""The sheets of a ledger workbook, each from rows already read (see :mod:`pipeline.report.ledger`).

Every sheet goes through :mod:`pipeline.report.xlsx` (layout, print setup, inert text). 汇总 holds
several small tables one under another with native Excel charts over them (a stacked bar of
risk points per department and level, a pie of category shares), so the figures stay live data.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence

from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from pipeline.cnfmt import chinese_number
from pipeline.forms import registry
from pipeline.profile import Profile
from pipeline.report.headings import CATALOGUE, EXPORT_RECORD, LEDGER_SHEET, POST_GRADE, SUMMARY
from pipeline.report.ledger_rows import LedgerColumns, LedgerRow
from pipeline.report.sheetdata import LINE_HEIGHT, Layout, StreamedRows, lines_needed
from pipeline.report.status import DepartmentStatus
from pipeline.report.xlsx import (
    Col,
    RowCache,
    fitted,
    layout_page,
    put,
    sheet_styles,
    style_id,
    write_sheet,
)
from pipeline.store.queries import LedgerPoints
from pipeline.store.status import Status
from pipeline.workspace import Workspace

RISK_SHEET = LEDGER_SHEET["sheet"]
META_SHEET = EXPORT_RECORD["sheet"]
UNGRADED = SUMMARY["ungraded"]
UNCATEGORISED = SUMMARY["uncategorised"]


def level_order(profile: Profile, rows: Sequence[LedgerRow]) -> list[str]:
    """The scheme's labels highest first, then any other label seen, then 未定级 when some lack one."""
    labels = list(profile.levels.labels)
    extra = sorted({r.level for r in rows if r.level and r.level not in labels})
    tail = [UNGRADED] if any(not r.level for r in rows) else []
    return labels + extra + tail


def _level(r: LedgerRow) -> str:
    return r.level or UNGRADED


# --- 汇总 ---------------------------------------------------------------------------------------

#: Names listed in the 涉及人员 cell before "等 N 人", so the cell stays a few printed lines.
SHOWN_PEOPLE = 12
#: Height of a 汇总 row in cm (15 pt), to keep each chart inside the rows of its own table.
_ROW_CM = 15 / 72 * 2.54
#: Columns a chart covers on 汇总 (each 12 units, about 2.3 cm; the charts are 16 and 12 cm wide).
_CHART_COLUMNS = 7


def _people(names: Sequence[str]) -> str:
    unique = list(dict.fromkeys(names))
    shown = "、".join(unique[:SHOWN_PEOPLE])
    return shown + (f"等 {len(unique)} 人" if len(unique) > SHOWN_PEOPLE else "")


def summary_sheet(wb, ws: Workspace, title: str, rows: Sequence[LedgerRow], tracking: Sequence[DepartmentStatus]):
    """Four tables and two charts (three and one where no point has a category); returns the worksheet.

    On paper each table starts a page, with its chart beside it (the rows below a table are kept
    free down to its chart's foot); the sheet prints as one area fitted to the width, and no row
    repeats on every page, since each table has its own header.
    """
    profile = ws.profile
    sheet = wb.create_sheet("汇总")
    styles = sheet_styles(sheet)
    levels = level_order(profile, rows)
    departments = [d.name for d in profile.departments if d.name in {r.department for r in rows}] or \
        [d.name for d in profile.departments]
    by_dept = Counter((r.department, _level(r)) for r in rows)
    categories = list(profile.categories) + sorted({r.category for r in rows if r.category} - set(profile.categories))
    by_cat = Counter((r.category or UNCATEGORISED, _level(r)) for r in rows)
    if any(not r.category for r in rows):
        categories.append(UNCATEGORISED)
    width = max(len(levels) + 2, 6)
    chart_col = width + 2
    for i in range(1, chart_col + _CHART_COLUMNS):
        sheet.column_dimensions[get_column_letter(i)].width = 22 if i == 1 else 12
    sheet.freeze_panes = "A2"
    layout_page(sheet, f"{title}廉政风险防控台账汇总", header_row=None)
    cursor = 0

    def emit(values, style=styles.body, lines: int = 1):
        """The next row, at a fixed height (the charts' places are counted in rows of 15 pt)."""
        nonlocal cursor
        sheet.row_dimensions[cursor + 1].height = 30 if style is styles.title else max(15, lines * LINE_HEIGHT + 3)
        sheet.append([put(sheet, v, style) for v in values])
        cursor += 1

    def new_page(at_least: int) -> None:
        """Blank rows down to row ``at_least``, then a page break: the next table starts a page."""
        while cursor < at_least:
            emit([])
        sheet.row_breaks.append(Break(id=cursor))

    emit([f"{title}廉政风险防控台账汇总"], styles.title)
    sheet.merged_cells.add(f"A1:{get_column_letter(width)}1")
    # 1. department × level, the stacked bar beside it
    emit(["部门", *levels, "合计"], styles.header)
    t1_first = cursor + 1
    for d in departments:
        counts = [by_dept[(d, lv)] for lv in levels]
        emit([d, *counts, sum(counts)])
    t1_last = cursor
    emit(["合计", *[sum(by_dept[(d, lv)] for d in departments) for lv in levels], len(rows)])
    bar_height = max(7.5, 0.8 * len(departments))
    new_page(2 + int(bar_height / _ROW_CM) + 1)
    # 2. category × level, the pie beside it: only where points are categorised (seed 002's forms
    # have no 风险类别 column; a table of zeros and one all-未分类 pie would say nothing)
    categorised = any(r.category for r in rows)
    if categorised:
        emit([SUMMARY["category"], *levels, "合计"], styles.header)
        t2_first = cursor + 1
        for c in categories:
            counts = [by_cat[(c, lv)] for lv in levels]
            emit([c, *counts, sum(counts)])
        t2_last = cursor
        pie_height = 7.5
        new_page(t2_first - 1 + int(pie_height / _ROW_CM) + 1)
    # 3. the highest level per department
    top = levels[0]
    emit(["部门", f"{top}风险点", "涉及人员"], styles.header)
    sheet.merged_cells.add(f"C{cursor}:{get_column_letter(width)}{cursor}")
    for d in departments:
        mine = [r for r in rows if r.department == d and r.level == top]
        people = _people([r.person or "本部门" for r in mine])
        emit([d, len(mine), people], lines=lines_needed(people, 12 * (width - 2)))
        sheet.merged_cells.add(f"C{cursor}:{get_column_letter(width)}{cursor}")
    emit([])
    # 4. completeness
    emit(["部门", "应交", "已交", "合格", "需退回重查", "未交"], styles.header)
    for t in tracking:
        emit([t.department, t.issued, t.received, t.accepted, t.needs_revision, len(t.missing)])
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(levels) + 2)}{t1_last}"
    sheet.print_area = f"A1:{get_column_letter(chart_col + _CHART_COLUMNS - 1)}{cursor}"

    if departments and levels:
        bar = BarChart()
        bar.type, bar.grouping, bar.overlap = "bar", "stacked", 100
        bar.title, bar.y_axis.title = "各部门风险点（按等级）", "风险点数"
        data = Reference(sheet, min_col=2, max_col=len(levels) + 1, min_row=2, max_row=t1_last)
        bar.add_data(data, titles_from_data=True)
        bar.set_categories(Reference(sheet, min_col=1, min_row=t1_first, max_row=t1_last))
        bar.height, bar.width = bar_height, 16
        sheet.add_chart(bar, f"{get_column_letter(chart_col)}2")
    if categorised:
        pie = PieChart()
        pie.title = SUMMARY["pie_title"]
        pie.add_data(Reference(sheet, min_col=len(levels) + 2, min_row=t2_first - 1, max_row=t2_last),
                     titles_from_data=True)
        pie.set_categories(Reference(sheet, min_col=1, min_row=t2_first, max_row=t2_last))
        pie.height, pie.width = pie_height, 12
        sheet.add_chart(pie, f"{get_column_letter(chart_col)}{t2_first - 1}")
    return sheet


# --- 风险点台账 and 上报 ----------------------------------------------------------------------------

#: Widest a 风险点台账 column may grow, in Excel units. The sheet has some twenty visible columns;
#: about 210 units in all print on A4 landscape, fitted to the width, at 70 % of full size (10 pt
#: text prints at about 7 pt), so long text wraps into taller rows instead of shrinking the page.
#: By the column's key (``headings.toml``'s ``[ledger]``); the measure columns share ``_MEASURES``.
_WIDEST = {"seq": 6, "name": 8, "category": 8, "level": 6, "status": 7, "received": 11, "duty": 14,
           "risk": 12, "description": 16, "opinion": 12}
_NARROW, _MEASURES = 10, 33


def _risk_max_width(key: str, measures: Sequence[tuple[str, str]]) -> float:
    if key in dict(measures):
        return max(_NARROW, _MEASURES // max(len(measures), 1))
    return _WIDEST.get(key, _NARROW)


def risk_columns(profile: Profile, columns: LedgerColumns, rows: Sequence[LedgerRow], *, review: bool) -> list[Col]:
    """The 风险点台账 (``review``) or 上报 columns, widths fitted to ``rows`` once for every workbook."""
    out = []
    for key, label in zip(columns.keys, columns.labels):
        choices: Sequence[str] = ()
        if review and label == columns.LEVEL:
            choices = profile.levels.labels
        elif review and label == columns.CATEGORY:
            choices = profile.categories
        out.append(Col(label, width=6 if label == columns.SEQ else None,
                       max_width=_risk_max_width(key, columns.measures),
                       editable=review and label in columns.editable, hidden=label in columns.hidden,
                       choices=choices))
    return fitted(out, [r.values for r in rows])


def risk_sheet(wb, title: str, cols: Sequence[Col], rows: Sequence[LedgerRow], cache: RowCache | None = None):
    """The risk-point ledger, protected except 风险等级 / 风险类别 / 审核意见 (drop-downs on the first two);
    ``cols`` from :func:`risk_columns` with ``review``, 序号 counted in this workbook."""
    review = LedgerColumns.REVIEW
    return write_sheet(wb, RISK_SHEET, f"{title}{LEDGER_SHEET['title']}", cols, [r.values for r in rows], protect=True,
                       subtitle=f"可修改黄色的{'、'.join(review)}{chinese_number(len(review))}列，"
                                "改后用 lianzheng ledger import 导入",
                       numbered=True, cache=cache)


def report_up_sheet(wb, ws: Workspace, cols: Sequence[Col], rows: Sequence[LedgerRow], cache: RowCache | None = None):
    """The points of the levels the profile sends up, numbered afresh, read-only (``cols`` without review)."""
    profile = ws.profile
    return write_sheet(wb, "上报", f"{profile.institution.name}上报风险点（{'、'.join(profile.levels.report_up)}）",
                       cols, [r.values for r in rows], subtitle=f"共 {len(rows)} 条", numbered=True, cache=cache)


# --- 岗位风险等级 ---------------------------------------------------------------------------------

def post_grade(profile: Profile, ranks: Sequence[int | None]) -> str:
    """A post's grade from its risk points' ranks, by the profile's rule.

    ``highest`` (the default): the post label at the rank of the post's highest risk point (一级 → A),
    the lowest label when ranks run past the labels. ``count``: the first label whose threshold in
    ``post_grade_counts`` the number of points reaches, else the lowest.
    """
    labels = profile.levels.post_labels
    if profile.levels.post_grade == "count":
        n = len(ranks)
        for label, threshold in zip(labels, profile.levels.post_grade_counts):
            if n >= threshold:
                return label
        return labels[-1]
    known = [r for r in ranks if r]
    if not known:
        return ""
    return labels[min(min(known), len(labels)) - 1]


def post_grade_sheet(wb, ws: Workspace, rows: Sequence[LedgerRow], columns: LedgerColumns):
    profile = ws.profile
    index = {key: i for i, key in enumerate(columns.keys)}
    groups: dict[tuple, list[LedgerRow]] = defaultdict(list)
    for r in rows:
        post = r.values[index["post"]] or r.values[index["position"]]
        groups[(r.department, r.person, post)].append(r)
    out = []
    for n, ((dept, person, post), mine) in enumerate(groups.items(), start=1):
        grade = post_grade(profile, [r.level_rank for r in mine])
        stated = "、".join(sorted({r.stated_post for r in mine} - {""}))
        counts = Counter(r.level for r in mine if r.level)
        mark = "不一致" if stated and stated != grade else ""
        out.append([n, dept, person, post, len(mine),
                    "、".join(f"{lv}{counts[lv]}个" for lv in profile.levels.labels if counts[lv]),
                    grade, stated, mark])
    rule = {"highest": "按岗位最高风险点等级评定", "count": "按风险点个数评定"}[profile.levels.post_grade]
    sheet = POST_GRADE["sheet"]
    return write_sheet(wb, sheet, f"{profile.institution.name}{sheet}", _cols(POST_GRADE["columns"], seq=dict(width=6)),
                       out, subtitle=rule)


def _cols(headings: dict[str, str], **sizes: dict) -> list[Col]:
    """A sheet's columns from its ``headings.toml`` table, in order; ``sizes`` by key (width, max_width)."""
    return [Col(text, **sizes.get(key, {})) for key, text in headings.items()]


# --- 职权目录 ------------------------------------------------------------------------------------

def catalogue_rows(profile: Profile, points: LedgerPoints) -> list[list]:
    """Power items of the catalogue forms, each with the 流程 steps of its flow chart form.

    A flow form (one whose header names the 职权, 004's 权力运行流程图) contributes steps, matched to
    the item of the same department and name; every other catalogue form contributes items.
    """
    known = registry()
    steps: dict[tuple[str, str], list[str]] = defaultdict(list)
    items = []
    for p in points.rows:
        definition = known.get(p.form_type or "")
        if definition is None or definition.kind != "catalogue":
            continue
        extra = p.extra or {}
        if definition.header_field("power") is not None:
            power = (points.header(p).get("extra") or {}).get("power") or ""
            detail = "；".join(v for v in (extra.get("subject"), extra.get("time_limit")) if v)
            steps[(p.department or "", power)].append(f"{p.name}（{detail}）" if detail else p.name)
        else:
            items.append(p)
    out = []
    for n, p in enumerate(items, start=1):
        extra = p.extra or {}
        flow = steps.get((p.department or "", p.name), [])
        out.append([n, p.department or "", extra.get("post") or "", p.name,
                    p.description or extra.get("power_type") or "", extra.get("subject") or "",
                    extra.get("basis") or extra.get("promise") or "",
                    "\n".join(f"{i}. {s}" for i, s in enumerate(flow, start=1)), known[p.form_type].title])
    return out


def catalogue_sheet(wb, ws: Workspace, rows: Sequence[list]):
    return write_sheet(wb, "职权目录", f"{ws.profile.institution.name}职权目录",
                       _cols(CATALOGUE, seq=dict(width=6), content=dict(max_width=40), basis=dict(max_width=32),
                             flow=dict(max_width=40)),
                       rows)


# --- 提交情况, 待整改 -----------------------------------------------------------------------------

def tracking_sheet(wb, ws: Workspace, tracking: Sequence[DepartmentStatus], today: dt.date | None = None):
    """Every form a department owes, one row each, with what became of it."""
    today = today or dt.date.today()
    out = []
    for t in tracking:
        for o in t.owed:
            state = Status.label(o.status) if o.status else ("未交（已逾期）" if o.due < today else "未交")
            out.append([len(out) + 1, t.department, o.title, o.person_name or "本部门", o.form_id or "",
                        f"{o.due:%Y-%m-%d}", state])
    return write_sheet(wb, "提交情况", f"{ws.profile.institution.name}表格提交情况",
                       [Col("序号", 6), Col("部门"), Col("表格"), Col("填报人"), Col("表单编号"), Col("截止日期"),
                        Col("状态")], out)


def redo_sheet(wb, ws: Workspace, tracking: Sequence[DepartmentStatus], problems: dict[int, list[tuple[str, str]]]):
    out = []
    for t in tracking:
        for o in t.to_redo:
            found = problems.get(o.submission_id or -1, [])
            text = "\n".join(f"{i}. {where + '：' if where else ''}{msg}" for i, (where, msg) in enumerate(found, 1))
            out.append([len(out) + 1, t.department, o.title, o.person_name or "本部门", o.form_id or "",
                        text or "请核对后重新报送"])
    return write_sheet(wb, "待整改", f"{ws.profile.institution.name}待整改表格",
                       [Col("序号", 6), Col("部门"), Col("表格"), Col("填报人"), Col("表单编号"),
                        Col("存在的问题", max_width=60)], out)


# --- 操作日志 ------------------------------------------------------------------------------------

ACTIONS = {"issue_forms": "下发表格", "ingest": "收取入库", "reject": "拒收", "supersede": "被新版替代",
           "recheck": "部门比对重查", "review": "台账复核"}
_WHY_KEYS = ("reason", "why", "source")


def event_text(action: str, detail: dict) -> tuple[str, str]:
    """(what changed, why) of one audit entry, in words."""
    detail = dict(detail or {})
    if action == "review":
        what = f"{detail.get('field', '')}：{detail.get('old') or '（空）'} → {detail.get('new') or '（空）'}"
        return what, f"导入复核台账 {detail.get('file', '')}"
    if action == "supersede":
        return f"第 {detail.get('submission')} 号提交 → 第 {detail.get('by')} 号提交", "同一表格重新报送"
    if action == "ingest":
        return f"{detail.get('file', '')} → {Status.label(detail.get('status'))}", "收到报送的表格"
    if action == "reject":
        return f"{detail.get('file', '')} → 无法读取", str(detail.get("reason") or "")
    if action == "recheck":
        return "；".join(detail.get("findings") or []) or "无新发现", "部门内表格比对"
    why = next((str(detail.pop(k)) for k in _WHY_KEYS if detail.get(k)), "")
    return "，".join(f"{k}={v}" for k, v in detail.items()), why


def events_sheet(wb, ws: Workspace, events: Sequence):
    out = []
    for e in events:
        what, why = event_text(e.action, e.detail)
        out.append([len(out) + 1, f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, ACTIONS.get(e.action, e.action), e.subject,
                    what, why])
    return write_sheet(wb, "操作日志", f"{ws.profile.institution.name}操作日志",
                       [Col("序号", 8), Col("时间（UTC）", 20), Col("操作人"), Col("操作"), Col("对象", 24),
                        Col("内容（原 → 新）", max_width=60), Col("原因", max_width=40)], out)


# --- the hidden export record ------------------------------------------------------------------

#: The export record's header: row, risk id, then the review columns as exported.
META_LABELS = (EXPORT_RECORD["row"], LedgerColumns.KEY,
               *(EXPORT_RECORD["exported_prefix"] + name for name in LedgerColumns.REVIEW))


def meta_sheet(wb, campaign: str, at: dt.datetime, columns: LedgerColumns, rows: Sequence[LedgerRow],
               cache: RowCache | None = None):
    """A hidden, protected sheet naming the campaign and, per exported row of 风险点台账, its sheet
    row, risk id and three review values as written — so an import sees deleted rows, and compares
    the office's cells with what they held when exported, not with the store as it is by then (an
    older ledger's untouched cells cannot undo a review imported since its export)."""
    sheet = wb.create_sheet(META_SHEET)
    sheet.sheet_state = "hidden"
    styles = sheet_styles(sheet)
    for values in (["活动代码", campaign], ["导出时间", f"{at:%Y-%m-%d %H:%M:%S}"], list(META_LABELS)):
        sheet.append([put(sheet, v, styles.body) for v in values])
    labels = columns.labels
    source = [0, *(labels.index(n) for n in (columns.KEY, columns.LEVEL, columns.CATEGORY, columns.OPINION))]
    body = style_id(sheet, styles.body)
    n = len(source)
    layout = Layout.of([body] * n, [body] * n, [10.0] * n, [False] * n, source=source, numbered=True)
    wb.stream(sheet, StreamedRows([r.values for r in rows], layout, first=4, cache=cache, number_from=3))
    sheet.protection.sheet = True
    return sheet
