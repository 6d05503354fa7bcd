"""Readable terminal output for ``lianzheng ingest`` and ``lianzheng status`` (rich tables, Chinese)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from pipeline.terminal import shown

if TYPE_CHECKING:
    from pipeline.intake.ingest import IngestSummary
    from pipeline.report.status import DepartmentStatus

STATUS_STYLE = {"accepted": "green", "needs_revision": "yellow", "superseded": "dim", "rejected": "red",
                "identity_hold": "magenta", "fault": "bold red"}  # by Status value


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


#: Up to this many new files the summary lists each; beyond it, only the files needing attention.
TABLE_LIMIT = 30
ATTENTION_LIMIT = 50


def print_ingest_summary(summary: "IngestSummary", console: Console | None = None, *, verbose: bool = False) -> None:
    """The new files (each one for a small batch or with ``verbose``; else those needing attention),
    then the totals, the files skipped and the office's department flags."""
    from pipeline.store.status import Status

    console = console or _console()
    new = [f for f in summary.files if f.outcome == "new"]
    listed = new if verbose or len(new) <= TABLE_LIMIT else [f for f in summary.attention() if f.outcome == "new"]
    if listed:
        title = "本次收取的文件" if listed is new else f"需要处理的文件（共 {len(listed)} 个，加 --verbose 列出全部）"
        table = Table(title=title, show_lines=False)
        for col in ("文件", "状态", "表格", "单位", "姓名", "匹配方式", "问题"):
            table.add_column(col, overflow="fold")
        for f in listed[:None if verbose or listed is new else ATTENTION_LIMIT]:
            style = STATUS_STYLE.get(f.status or "", "")
            detail = f.reason or "；".join(f.problems[:3]) + (f" 等{len(f.problems)}项" if len(f.problems) > 3 else "")
            table.add_row(shown(f.path), f"[{style}]{Status.label(f.status)}[/]", shown(_title(f.form_type)),
                          shown(f.department or ""), shown(f.person or ""), _method(f.match_method), shown(detail))
        console.print(table)
        if listed is not new and len(listed) > ATTENTION_LIMIT:
            console.print(f"……另有 {len(listed) - ATTENTION_LIMIT} 个需要处理的文件，见 lianzheng status 或 --json 输出")
    console.print(
        f"收件目录 {shown(summary.inbox)}：新文件 {summary.new} 个，重复（已收过）{summary.duplicate} 个；"
        f"合格 [green]{summary.accepted}[/]，需退回重查 [yellow]{summary.needs_revision}[/]，"
        f"被新版替代 {summary.superseded}，无法读取 [red]{summary.rejected}[/]（已隔离），身份待核 {summary.held}，"
        f"程序出错 [red]{len(summary.faults)}[/]。用时 {summary.seconds:.1f} 秒。",
        soft_wrap=True)
    if summary.skipped:
        console.print(f"[yellow]本次未收取 {len(summary.skipped)} 个文件[/]（下次运行时再试）：", soft_wrap=True)
        for f in summary.skipped:
            console.print(f"  {shown(f.path)}：{shown(f.reason)}", soft_wrap=True)
    for flag in summary.office_flags:
        console.print(f"[bold yellow]提请注意：[/]{shown(flag)}", soft_wrap=True)


def _title(form_type: str | None) -> str:
    from pipeline.forms import registry

    definition = registry().get(form_type) if form_type else None
    return definition.title if definition else (form_type or "")


def _method(method: str | None) -> str:
    return {"form_id": "表单编号", "property": "表单编号（文档属性）", "footer": "表单编号（页脚）", "qr": "二维码",
            "title": "标题+单位+姓名", "roster": "名册（未下发）"}.get(method or "", method or "")


def print_status(rows: list["DepartmentStatus"], console: Console | None = None) -> None:
    """Per department: owed, received, accepted, to redo, missing, overdue; then what is overdue."""
    console = console or _console()
    if not rows:
        console.print("没有符合条件的部门。")
        return
    table = Table(title="报送情况")
    for col in ("部门", "应交", "已交", "合格", "需重查", "未交", "逾期未交"):
        table.add_column(col, justify="left" if col == "部门" else "right")
    totals = [0] * 6
    for r in rows:
        values = [r.issued, r.received, r.accepted, r.needs_revision, len(r.missing), len(r.overdue)]
        totals = [a + b for a, b in zip(totals, values)]
        table.add_row(shown(r.department), *[str(v) for v in values[:4]],
                      f"[yellow]{values[4]}[/]" if values[4] else "0", f"[red]{values[5]}[/]" if values[5] else "0")
    if len(rows) > 1:
        table.add_row("[bold]合计[/]", *[f"[bold]{v}[/]" for v in totals])
    console.print(table)
    for r in rows:
        if r.overdue:
            names = "、".join(shown(f"{o.person_name or r.department}《{o.title}》") for o in r.overdue[:8])
            more = f" 等{len(r.overdue)}份" if len(r.overdue) > 8 else ""
            console.print(f"[red]{shown(r.department)} 逾期未交：[/]{names}{more}", soft_wrap=True)
        for flag in r.office_flags:
            console.print(f"[bold yellow]提请注意：[/]{shown(flag)}", soft_wrap=True)


def print_ingest_json(summary: "IngestSummary", out=None) -> None:
    """One JSON object per file, one per line, then one line with the totals (``"summary": true``)."""
    import json
    import sys
    from dataclasses import asdict

    out = out or sys.stdout
    for f in summary.files:
        out.write(json.dumps(asdict(f), ensure_ascii=False) + "\n")
    totals = {k: v for k, v in summary.as_dict().items() if k != "files"}
    out.write(json.dumps({"summary": True, **totals}, ensure_ascii=False) + "\n")


def print_overview(rows: list, console: Console | None = None) -> None:
    """Per campaign of a shared store: issued, received, accepted, missing, completeness, high-level points."""
    console = console or _console()
    if not rows:
        console.print("数据库中还没有任何活动。")
        return
    table = Table(title="各单位报送情况")
    for col in ("单位", "活动", "年度", "应交", "已交", "合格", "未交", "完成率", "风险点", "最高等级风险点"):
        table.add_column(col, justify="left" if col in ("单位", "活动") else "right")
    for r in rows:
        table.add_row(shown(r.institution), shown(f"{r.name}（{r.code}）"), str(r.year), str(r.issued), str(r.received),
                      str(r.accepted), f"[yellow]{r.missing}[/]" if r.missing else "0", f"{r.completeness:.0%}",
                      str(r.risks), f"[red]{r.high}[/]（{shown(r.top_level or '')}）" if r.high else "0")
    console.print(table)
