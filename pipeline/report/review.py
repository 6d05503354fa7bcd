"""Reading the office's reviewed ledger back: 风险等级, 风险类别 and 审核意见 changed in Excel.

A row is matched by its hidden 风险编号 (campaign + risk point id) and checked by its hidden 校验值,
a hash over the row's protected cells as exported. The whole file is refused — nothing applied —
when any row fails: a protected cell edited, a row of another campaign, a risk whose return was
superseded by a resubmission since the export, a value outside the drop-down, a row deleted
(the hidden 导出信息 sheet lists every exported row) or duplicated. Otherwise every change is
applied in one transaction, each one an audit event (old → new, who, from which file).

A change is a cell that differs from what the ledger held when exported (the 导出信息 sheet keeps
the three review values of every row as written), not from the store as it is now: so a ledger
exported before someone else's review was imported leaves that review alone where its own cells
are untouched. A cell the office changed on a row whose value the store has changed since the
export (another ledger's review came first) is a conflict and refuses the file; one already equal
to the store is no change, so importing the same file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from sqlalchemy import insert

from pipeline.cnfmt import chinese_number
from pipeline.errors import InputFileError
from pipeline.report.ledger_rows import LedgerColumns, canon, check_value, parse_risk_key, risk_key
from pipeline.report.ledger_sheets import META_LABELS, META_SHEET, RISK_SHEET
from pipeline.store import actor, open_store, utcnow
from pipeline.store.models import Event, RiskReview
from pipeline.store.queries import risk_points_by_id
from pipeline.store.status import CURRENT
from pipeline.workspace import Workspace

#: Refusals listed in one message; the rest are counted.
SHOWN = 20
#: The office's review fields, the only cells an import may change.
_REVIEW = LedgerColumns.REVIEW


@dataclass
class Change:
    risk_id: int
    row: int
    field: str
    old: str
    new: str


@dataclass
class ImportSummary:
    file: Path
    rows: int = 0
    changes: list[Change] = field(default_factory=list)


def _refuse(path: Path, problems: list[str]) -> InputFileError:
    shown = "\n  ".join(problems[:SHOWN])
    more = f"\n  另有 {len(problems) - SHOWN} 处问题未列出" if len(problems) > SHOWN else ""
    return InputFileError(f"复核台账未导入，文件中的任何修改都没有写入：\n  {shown}{more}", path=path,
                          hint=f"在本程序最新导出的台账上只改黄色的{chinese_number(len(_REVIEW))}列"
                               f"（{'、'.join(_REVIEW)}），不要增删行、不要改其他列，然后重新导入")


def _read(path: Path):
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - any unreadable workbook is the same problem for the user
        raise InputFileError(f"无法作为 Excel 工作簿打开（{e.__class__.__name__}）", path=path,
                             hint="用 Excel 或 WPS 另存为 .xlsx 后再导入") from None


def import_review(ws: Workspace, path: Path, *, by: str | None = None) -> ImportSummary:
    """Apply the review in the ledger ``path`` to the store, all or nothing; returns what changed."""
    path = Path(path)
    profile = ws.profile
    campaign = profile.campaign.code
    wb = _read(path)
    if RISK_SHEET not in wb.sheetnames or META_SHEET not in wb.sheetnames:
        raise InputFileError(f"不是本程序导出的台账（缺少“{RISK_SHEET}”表或隐藏的导出信息）", path=path,
                             hint="用 lianzheng ledger 导出台账，在其上复核后再导入")
    meta = [list(r) for r in wb[META_SHEET].iter_rows(values_only=True)]
    their = canon(meta[0][1]) if meta and len(meta[0]) > 1 else ""
    if their != campaign:
        raise InputFileError(f"这份台账属于活动 {their or '（未知）'}，不是本工作区的活动 {campaign}", path=path,
                             hint="导入本工作区导出的台账，或用 -w 指定该台账所属的工作区")
    if len(meta) < 3 or tuple(canon(v) for v in meta[2][:len(META_LABELS)]) != META_LABELS:
        *first, last = _REVIEW
        raise InputFileError(f"这份台账由旧版本程序导出，没有记录导出时的{'、'.join(first)}和{last}，无法判断哪些是本次修改",
                             path=path, hint="用 lianzheng ledger 重新导出台账，在新台账上复核后再导入")
    cols = LedgerColumns([])
    review_fields = _REVIEW
    exported = {canon(r[1]): int(r[0]) for r in meta[3:] if r and len(r) > 1 and r[1]}
    as_exported = {canon(r[1]): dict(zip(review_fields, (canon(v) for v in (list(r[2:5]) + [None] * 3)[:3])))
                   for r in meta[3:] if r and len(r) > 1 and r[1]}
    sheet = wb[RISK_SHEET]
    rows = sheet.iter_rows(values_only=True)
    next(rows, None)
    labels = [canon(v) for v in (next(rows, None) or ())]
    need = (cols.KEY, cols.CHECK, cols.LEVEL, cols.CATEGORY, cols.OPINION)
    missing = [n for n in need if n not in labels]
    if missing:
        raise _refuse(path, [f"“{RISK_SHEET}”表缺少列：{'、'.join(missing)}（表头被改动）"])
    at = {n: labels.index(n) for n in need}
    protected = [i for i, label in enumerate(labels)
                 if label and label not in cols.editable and label not in cols.hidden and label != cols.SEQ]
    problems: list[str] = []
    seen: dict[str, int] = {}
    read: list[tuple[int, int, dict[str, str]]] = []
    for n, values in enumerate(rows, start=3):
        values = list(values) + [None] * (len(labels) - len(values))
        if all(canon(v) == "" for v in values):
            continue
        where = f"“{RISK_SHEET}”表第 {n} 行"
        key = canon(values[at[cols.KEY]])
        parsed = parse_risk_key(key)
        if parsed is None:
            problems.append(f"{where}：没有风险编号，是新加或复制粘贴的行；台账不能增加行")
            continue
        if parsed[0] != campaign:
            problems.append(f"{where}：属于活动 {parsed[0]}，不是本活动 {campaign}")
            continue
        if key in seen:
            problems.append(f"{where}：与第 {seen[key]} 行是同一风险点（行被复制）；删去重复的行")
            continue
        if key not in as_exported:
            problems.append(f"{where}：风险编号 {key} 不是这份台账导出的行（可能从另一份台账复制而来）")
            continue
        seen[key] = n
        if check_value(key, [values[i] for i in protected]) != canon(values[at[cols.CHECK]]):
            problems.append(f"{where}：受保护的列被改动（只能改{'、'.join(_REVIEW)}）")
            continue
        read.append((n, parsed[1], {cols.LEVEL: canon(values[at[cols.LEVEL]]),
                                    cols.CATEGORY: canon(values[at[cols.CATEGORY]]),
                                    cols.OPINION: canon(values[at[cols.OPINION]])}))
    for key, n in sorted(exported.items(), key=lambda kv: kv[1]):
        if key not in seen:
            problems.append(f"“{RISK_SHEET}”表第 {n} 行（{key}）被删除；台账不能删行，恢复该行后再导入")
    factory = open_store(ws.database_url)
    summary = ImportSummary(path)
    with factory() as s, s.begin():
        stored = risk_points_by_id(s, [rid for _, rid, _ in read])
        for n, rid, new in read:
            where = f"“{RISK_SHEET}”表第 {n} 行"
            cur = stored.get(rid)
            if cur is None or cur.campaign != campaign:
                problems.append(f"{where}：数据库里没有这个风险点，台账可能来自另一个工作区")
                continue
            if cur.status not in CURRENT:
                problems.append(f"{where}（风险点“{cur.name}”）：该表格在导出后已被重新报送的版本替代；"
                                "请重新导出台账后再复核")
                continue
            old = {cols.LEVEL: canon(cur.rv_level or cur.level_scheme or cur.level_label),
                   cols.CATEGORY: canon(cur.rv_category or cur.category),
                   cols.OPINION: canon(cur.rv_opinion if cur.rv_opinion is not None else cur.review)}
            was = as_exported[risk_key(campaign, rid)]
            edited = [name for name in review_fields if new[name] != was[name] and new[name] != old[name]]
            for name in edited:
                if old[name] != was[name]:
                    problems.append(f"{where}（风险点“{cur.name}”）：{name}在导出后已被另一次复核改为"
                                    f"“{old[name] or '（空）'}”，与本表改成的“{new[name] or '（空）'}”冲突；"
                                    "请重新导出台账后再复核这一行")
            for name, choices in ((cols.LEVEL, profile.levels.labels), (cols.CATEGORY, profile.categories)):
                if name in edited and new[name] not in choices:
                    problems.append(f"{where}：{name}“{new[name]}”不在下拉列表中（可选：{'、'.join(choices)}）")
            summary.changes.extend(Change(rid, n, name, old[name], new[name]) for name in edited)
        summary.rows = len(read)
        if problems:
            s.rollback()
            raise _refuse(path, problems)
        _apply(s, campaign, profile.levels.labels, summary, by or actor())
    return summary


def _apply(s, campaign: str, labels: list[str], summary: ImportSummary, who: str) -> None:
    cols = LedgerColumns([])
    now = utcnow()
    for change in summary.changes:
        review = s.get(RiskReview, change.risk_id) or RiskReview(risk_point_id=change.risk_id)
        if change.field == cols.LEVEL:
            review.level_label, review.level_rank = change.new, labels.index(change.new) + 1
        elif change.field == cols.CATEGORY:
            review.category = change.new
        else:
            review.opinion = change.new
        review.at, review.actor, review.source = now, who, summary.file.name
        s.add(review)
        s.execute(insert(Event.__table__), dict(
            at=now, actor=who, action="review", subject=f"{campaign}-R{change.risk_id}", campaign=campaign,
            detail=dict(field=change.field, old=change.old, new=change.new, file=summary.file.name, row=change.row)))
