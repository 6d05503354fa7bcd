"""``lianzheng parse`` without --json: the form at a glance, for the person at the office."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.records import ParsedForm

_PLACE = {"high": "高", "medium": "中", "low": "低"}


def print_parsed(result: ParsedForm, console: Console | None = None) -> None:
    console = console or Console()
    h = result.header
    console.print(f"[bold]{escape(result.form_title or result.form_type or '（未识别的表格）')}[/bold]  {escape(result.source)}")
    console.print(f"表单类型：{result.form_type or '—'}    表单编号：{result.form_id or '—'}    "
                  f"等级方案（从高到低）：{'、'.join(result.levels) or '—'}")
    console.print(f"单位：{h.unit or '—'}    姓名：{h.name or '—'}    职务：{h.position or '—'}    "
                  f"日期：{h.date.isoformat() if h.date else '—'}")
    if result.risks:
        table = Table(show_lines=True)
        for title in ("序号", "风险点", "风险内容", "类别", "等级", "防控措施", "审核意见"):
            table.add_column(title, overflow="fold")
        for r in result.risks:
            level = f"{r.level_label}（{_PLACE[r.level]}）" if r.level else (r.level_label or "")
            table.add_row(str(r.seq), r.name, r.description or "", r.category or "", level, r.measures or "", r.review or "")
        console.print(table)
    else:
        console.print("（没有风险记录）")
    for p in result.problems:
        console.print(f"[yellow]问题[/yellow] {escape(p.where)}：{escape(p.message)}  {escape(f'[{p.code}]')}")
