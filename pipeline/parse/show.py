"""``lianzheng parse`` without --json: the form at a glance, for the person at the office."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipeline.forms import registry
from pipeline.parse.vocabulary import VOCABULARY
from pipeline.records import ParsedForm, RiskRecord
from pipeline.terminal import plain, shown

_PLACE = {"high": "高", "medium": "中", "low": "低"}


def _columns(result: ParsedForm) -> list[tuple[str, str]]:
    """The form's own column labels when its type is known, else the vocabulary's headings for a
    file no definition matched, those that have values."""
    definition = registry().get(result.form_type or "")
    if definition is not None:
        return [(c.label, c.key) for c in definition.columns if not c.merged]
    return [(label, key) for key, label in VOCABULARY.unmatched_columns.items()
            if any(_value(r, key) for r in result.risks)]


def _merged(result: ParsedForm) -> list[tuple[str, str]]:
    """Columns that are one cell over every row (002's 岗位职责): printed once, under the table."""
    definition = registry().get(result.form_type or "")
    merged = [c for c in definition.columns if c.merged] if definition else []
    return [(c.label, _value(result.risks[0], c.key)) for c in merged if _value(result.risks[0], c.key)]


def _value(r: RiskRecord, key: str) -> str:
    if key == "level":
        return f"{r.level_label}（{_PLACE[r.level]}）" if r.level else (r.level_label or "")
    value = getattr(r, key, None) if key in RiskRecord.model_fields else r.extra.get(key)
    return "" if value is None else str(value)


def print_parsed(result: ParsedForm, console: Console | None = None) -> None:
    console = console or Console()
    h = result.header
    console.print(f"[bold]{shown(result.form_title or result.form_type or '（未识别的表格）')}[/bold]  {shown(result.source)}")
    console.print(f"表单类型：{result.form_type or '—'}    表单编号：{result.form_id or '—'}    "
                  f"等级方案（从高到低）：{'、'.join(result.levels) or '—'}")
    console.print(Text(plain(f"单位：{h.unit or '—'}    姓名：{h.name or '—'}    职务：{h.position or '—'}    "
                       f"日期：{h.date.isoformat() if h.date else '—'}")))
    if result.risks:
        table = Table(show_lines=True)
        columns = _columns(result)
        for label, _ in columns:
            table.add_column(label, overflow="fold")
        for r in result.risks:
            # Text, not markup: what people type may contain [brackets] rich would swallow.
            table.add_row(*(Text(plain(_value(r, key))) for _, key in columns))
        console.print(table)
        for label, text in _merged(result):
            console.print(Text(plain(f"{label}：{text}")))
    else:
        console.print("（没有风险记录）")
    for p in result.problems:
        console.print(f"[yellow]问题[/yellow] {shown(p.where)}：{shown(p.message)}  {shown(f'[{p.code}]')}")
