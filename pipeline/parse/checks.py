"""Per-form problems, worded for the revision notice (退回重查通知) the office sends back."""

from __future__ import annotations

import re

from pipeline.forms import FormDefinition
from pipeline.records import Header, ParsedForm, Problem
from pipeline.parse.settings import DEFAULT, ParseSettings
from pipeline.parse.text import is_placeholder
from pipeline.parse.vocabulary import VOCABULARY

#: Written instead of a risk point by people who did not look for one (``vocabulary.toml``).
PLACEHOLDERS = VOCABULARY.placeholders
_ID_LIKE_RE = re.compile(r"L\s*Z\s*[-－—]\s*[A-Z0-9]", re.I)


def _vague(text: str | None, settings: ParseSettings) -> bool:
    if text is None or is_placeholder(text):
        return True
    t = text.strip().strip("。.；;").lower()
    return t in PLACEHOLDERS or len(t) < settings.min_risk_name_chars


def _label(definition: FormDefinition, key: str) -> str:
    """The printed label of a column, for saying where a problem is (the key if there is none)."""
    col = definition.column(key)
    return col.label if col is not None else key


def check(form: ParsedForm, definition: FormDefinition, header_values: dict[str, str],
          header_found: set[str], signed_columns: dict[str, bool],
          settings: ParseSettings = DEFAULT) -> list[Problem]:
    """Required fields, vague risk points, missing measures, signatures, levels outside the scheme."""
    problems: list[Problem] = []
    name_label = _label(definition, "name")
    description_label = _label(definition, "description")
    level_col = definition.level_column
    level_label = level_col.label if level_col is not None else "level"
    header: Header = form.header
    for h in definition.header:
        value = getattr(header, h.key) if h.key in ("unit", "name", "position", "date") else header_values.get(h.key)
        if h.required and not value and not h.signature:  # an empty signature is reported once, as unsigned
            problems.append(Problem(code="required_empty", message=f"表头“{h.label}”未填写", where=f"表头 {h.label}"))
        if h.signature and not value:
            problems.append(Problem(code="unsigned", message=f"缺少“{h.label}”，请签字后重新报送", where=f"签字 {h.label}"))
    for key, signed in signed_columns.items():
        if not signed:
            label = definition.column(key).label
            problems.append(Problem(code="unsigned", message=f"“{label}”一栏没有签字，请签字后重新报送", where=f"表格 {label}"))
    if not form.risks and definition.kind == "risk_table":
        problems.append(Problem(code="required_empty", message="表中没有填写任何风险点，请查找本岗位（单位）的廉政风险后重新填报",
                                where="风险表"))
    for risk in form.risks:
        where = risk.where or f"第{risk.seq}条"
        for col in definition.columns:
            if col.key in ("seq",):
                continue
            value = getattr(risk, col.key, None) if col.key in type(risk).model_fields else risk.extra.get(col.key)
            if col.key == "level":
                value = risk.level_label
            if col.key == "measures" and col.required:
                if not value or is_placeholder(value) or value.strip().strip("。.") in PLACEHOLDERS:
                    problems.append(Problem(code="measures_missing", message=f"第{risk.seq}条风险“{risk.name or '（未填）'}”没有填写“{col.label}”",
                                            where=f"{where} {col.label}"))
                continue
            if col.required and not value:
                problems.append(Problem(code="required_empty", message=f"第{risk.seq}条风险的“{col.label}”未填写",
                                        where=f"{where} {col.label}"))
        if risk.name and _vague(risk.name, settings):
            problems.append(Problem(code="vague", message=f"第{risk.seq}条“{name_label}”“{risk.name}”过于笼统或不是风险点，请具体写明风险所在环节和表现",
                                    where=f"{where} {name_label}"))
        elif risk.description is not None and risk.description.strip() in PLACEHOLDERS:
            problems.append(Problem(code="vague", message=f"第{risk.seq}条风险的“{description_label}”“{risk.description}”过于笼统，请具体填写",
                                    where=f"{where} {description_label}"))
        if risk.level_label and risk.level is None:
            problems.append(Problem(code="level_unknown",
                                    message=f"第{risk.seq}条风险的“{level_label}”“{risk.level_label}”不在本次等级方案（{'、'.join(form.levels)}）中",
                                    where=f"{where} {level_label}"))
    return problems


def form_id_problem(texts: list[str]) -> Problem | None:
    """Text that looks like a form id but fails its check character: mistyped or damaged."""
    for text in texts:
        m = _ID_LIKE_RE.search(text or "")
        if m:
            snippet = text[m.start(): m.start() + 40].split()[0] if text[m.start():].split() else text[m.start():]
            return Problem(code="form_id_unreadable",
                           message=f"表单编号“{snippet}”校验不通过（可能被改动或抄错），无法确认是哪一份下发的表格",
                           where="表单编号")
    return None
