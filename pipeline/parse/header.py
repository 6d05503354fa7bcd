"""Header fields (单位, 姓名, 职务, 日期, signatures …) wherever the sender put them.

Offices write them on a line above the table ("单位：组织部      姓名：张三      职务：科长
2012年6月20日"), or as label/value cells inside the table, or as "姓名：张三" inside one cell.
A label only counts followed by a colon or as a cell of its own, so the 单位 in a title such as
单位廉政风险排查评估表 is never read as a field.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from pipeline.forms import FormDefinition
from pipeline.parse.dates import find_date
from pipeline.parse.families import header_labels
from pipeline.parse.layout import Cell
from pipeline.parse.text import clean, label_key
from pipeline.parse.vocabulary import VOCABULARY

_BRACKETS = {"（": "[（(]", "(": "[（(]", "）": "[）)]", ")": "[）)]"}
_DATE_RE = re.compile(r"(\d{4}|[〇○零一二三四五六七八九]{4}|\s*)\s*年\s*(\S{0,3})\s*月\s*(\S{0,3})\s*日|\d{4}\s*[./\-]\s*\d{1,2}\s*[./\-]\s*\d{1,2}")
_GAP_RE = re.compile(r"\s{2,}|\t")
_HAN_RE = re.compile(r"[\u3400-\u9fff]")


#: A hint in brackets after a label or a value ("单位名称（盖章）", "财务处（盖章）").
_HINT = r"\s*[（(]\s*(?:" + "|".join(re.escape(w) for w in VOCABULARY.label_hints) + r")\s*[）)]"
_HINT_RE = re.compile(_HINT)
_VALUE_HINT_RE = re.compile(_HINT + r"\s*$")


def without_hint(text: str) -> str:
    """A label or value with the bracketed hints on how to fill it in taken out."""
    return _HINT_RE.sub("", text)


def _label_pattern(label: str) -> str:
    """The label as written: spaces anywhere, either width of bracket, and a hint it ends with
    (负责人签字) also written in brackets (负责人（签字）)."""
    label = "".join(c for c in label if not c.isspace())
    hint = next((w for w in VOCABULARY.label_hints if label.endswith(w) and len(label) > len(w)), None)
    if hint is None:
        return _chars_pattern(label)
    return rf"{_chars_pattern(label[:-len(hint)])}\s*[（(]?\s*{_chars_pattern(hint)}\s*[）)]?"


def _chars_pattern(text: str) -> str:
    return r"\s*".join(_BRACKETS.get(c, re.escape(c)) for c in text)


class _Labels(NamedTuple):
    """A definition's header labels, longest first, with the patterns built from them (once)."""

    alts: tuple[tuple[str, str], ...]
    line_re: re.Pattern[str]
    bare_re: re.Pattern[str]
    keys: dict[str, str]  # label key → field key


_COMPILED: dict[str, _Labels] = {}


def _compiled(definition: FormDefinition) -> _Labels:
    got = _COMPILED.get(definition.id)
    if got is None:
        labels = header_labels(definition)
        alts = tuple(sorted(labels, key=lambda kl: -len(kl[1])))
        got = _COMPILED[definition.id] = _Labels(alts, _line_re(alts), _bare_re(alts),
                                                 {label_key(lab): key for key, lab in labels})
    return got


def _line_re(alts: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """Any label before a colon; the lookahead on the labels' first characters lets the search
    skip every position no label can start at (there are over a hundred labels with the families)."""
    groups = "|".join(f"(?P<f{i}>{_label_pattern(lab)})" for i, (_, lab) in enumerate(alts))
    first = "".join(sorted({re.escape(lab.strip()[0]) for _, lab in alts if lab.strip()}))
    return re.compile(rf"(?=[{first}])(?:{groups})(?P<hint>{_HINT})?\s*[:：]")


#: Where the label of a field the form does not know begins after a value ("郑晓东 性别：男": a
#: PDF's line may keep a single space where the typist left a wide gap).
_UNKNOWN_LABEL_RE = re.compile(r"\s+(?=[^\s：:]{1,8}[：:])")


def _value(raw: str, key: str) -> str:
    """The value after a label: up to the next wide gap, except that a name spaced out to the width
    of a longer one ("王  萍", "王  小  萍") is one value: no field's value is a single character."""
    raw = _VALUE_HINT_RE.sub("", raw.strip(" \t_＿"))
    if key != "date":
        raw = _DATE_RE.sub("  ", raw)
    raw = _UNKNOWN_LABEL_RE.split(raw.strip(" \t_＿"), maxsplit=1)[0]
    pieces = [p for p in _GAP_RE.split(raw) if p]
    if not pieces or pieces[0].endswith(("：", ":")):  # the label of a field this form does not know
        return ""  # ("填表人（签字）：      部门负责人（签字）："): the field before it is left blank
    return clean(_spaced_name(pieces)[0].strip("_＿ "))


def _spaced_name(pieces: list[str], is_label=lambda piece: False) -> tuple[str, int]:
    """The first piece, joined with those after it while a name is spaced out a character at a time
    ("王  萍", "王 小 萍": no field's value is a single character); and how many pieces it took."""
    value, n = pieces[0], 1
    while n < len(pieces) and len(pieces[n - 1]) == 1 and _HAN_RE.match(pieces[n - 1]) \
            and _HAN_RE.match(pieces[n]) and not is_label(pieces[n]):
        value += pieces[n]
        n += 1
    return value, n


def _bare_re(alts: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    groups = "|".join(f"(?P<f{i}>{_label_pattern(lab)})" for i, (_, lab) in enumerate(alts))
    return re.compile(rf"^(?:{groups})(?:{_HINT})?(?:\s+(?P<value>\S.*))?$")


def _label_index(m: re.Match[str]) -> int:
    """Which label of the alternation (group ``f<i>``) matched. The last group closed is that one
    unless a hint or a value after it closed later; only then are the hundred-odd groups looked through."""
    name = m.lastgroup
    if name is None or name[0] != "f":
        name = next(g for g, v in m.groupdict().items() if v is not None and g[0] == "f")
    return int(name[1:])


def _read_bare(definition: FormDefinition, line: str) -> list[tuple[str, str]]:
    """Fields written without a colon: "单位 组织部", or label and value as pieces of a line
    split by wide gaps ("姓 名    孙 丽    职 务    会计", a borderless table's field row).
    A piece must be the label alone or the label, a space and the value, so prose and titles
    (单位廉政风险排查评估表) never match."""
    compiled = _compiled(definition)
    alts, pattern = compiled.alts, compiled.bare_re
    found: list[tuple[str, str]] = []
    pieces = [p.strip(" _＿") for p in _GAP_RE.split(line.strip())]
    pieces = [t for p in pieces if p for t in _label_words(p, pattern)]
    k = 0
    while k < len(pieces):
        m = pattern.match(pieces[k]) if "：" not in pieces[k] and ":" not in pieces[k] else None
        k += 1
        if m is None:
            continue
        key = alts[_label_index(m)][0]
        value = m.group("value")
        if value is None and k < len(pieces) and not pattern.match(pieces[k]):
            value, taken = _spaced_name(pieces[k:], is_label=lambda piece: pattern.match(piece) is not None)
            k += taken
        if value is None:
            continue
        value = clean(value) if key == "date" else _value(value, key)
        if value:
            found.append((key, value))
    return found


def _label_words(piece: str, pattern: re.Pattern[str]) -> list[str]:
    """A piece split at its single spaces when two or more of its words are labels alone
    ("部门 组织部 姓名 郑晓东 职务 部长", typed with one space throughout); else the piece whole."""
    words = piece.split()
    alone = sum(1 for w in words if (m := pattern.match(w)) and m.group("value") is None)
    return words if alone >= 2 else [piece]


def read_lines(definition: FormDefinition, lines: list[str]) -> dict[str, str]:
    """Fields written as "标签：值" on text lines (paragraphs, or the text of one cell), or
    without a colon (see :func:`_read_bare`)."""
    out: dict[str, str] = {}
    bare: dict[str, str] = {}
    for line in lines:
        colon, found = _line_fields(definition, line)
        for key, value in found:
            if colon and (value or key not in out):
                out[key] = value
            elif not colon and not bare.get(key):
                bare[key] = value
    for key, value in bare.items():
        if not out.get(key):
            out[key] = value
    return out


#: (definition id, line) → what :func:`_line_fields` found; emptied when full.
_LINE_FIELDS: dict[tuple[str, str], tuple[bool, tuple[tuple[str, str], ...]]] = {}
_LINE_FIELDS_MAX = 1 << 14


def _line_fields(definition: FormDefinition, line: str) -> tuple[bool, tuple[tuple[str, str], ...]]:
    """The (field, value) pairs one line holds, in order, and whether it holds them after colons.
    Remembered per definition (as its compiled labels are): the form's own lines (its notes,
    "单位（盖章）：  日期：") recur in every return of a batch."""
    key = (definition.id, line)
    got = _LINE_FIELDS.get(key)
    if got is None:
        if len(_LINE_FIELDS) >= _LINE_FIELDS_MAX:
            _LINE_FIELDS.clear()
        got = _LINE_FIELDS[key] = _read_line(definition, line)
    return got


def _read_line(definition: FormDefinition, line: str) -> tuple[bool, tuple[tuple[str, str], ...]]:
    if "：" not in line and ":" not in line:
        return False, tuple(_read_bare(definition, line))
    compiled = _compiled(definition)
    alts, pattern = compiled.alts, compiled.line_re
    found = []
    matches = list(pattern.finditer(line))
    for m, nxt in zip(matches, [*matches[1:], None]):
        key = alts[_label_index(m)][0]
        if m.group("hint"):  # a label that is spelt with its hint is its own field (负责人（签字）)
            key = compiled.keys.get(label_key(m.group(0)), key)
        raw = line[m.end(): nxt.start() if nxt else len(line)]
        found.append((key, _value(raw, key)))
    return True, tuple(found)


def read_cells(definition: FormDefinition, rows: list[list[Cell]]) -> dict[str, str]:
    """Fields as label cells with the value in the next cell to the right, or in the cell below
    when the right one is another label or missing (a row of labels over a row of values), or
    "标签：值" / "标签 值" inside one cell."""
    keys = _compiled(definition).keys
    out: dict[str, str] = {}

    def field_of(text: str) -> str | None:
        return keys.get(label_key(text)) or keys.get(label_key(without_hint(text)))

    def is_label(cell: Cell | None) -> bool:
        return cell is not None and bool(cell.text) and field_of(cell.text) is not None

    for r, row in enumerate(rows):
        for j, cell in enumerate(row):
            if cell.hmerge:
                continue
            key = field_of(cell.text) if cell.text else None
            if key is None:
                if cell.text:
                    for k, v in read_lines(definition, cell.text.split("\n")).items():
                        if v or k not in out:
                            out[k] = v
                continue
            right = next((c for c in row[j + 1:] if not c.hmerge), None)
            below = rows[r + 1][j] if r + 1 < len(rows) and j < len(rows[r + 1]) else None
            value = ""
            if right is not None and not is_label(right):
                value = _VALUE_HINT_RE.sub("", right.text)
            elif below is not None and not below.hmerge and not below.vmerge and not is_label(below) \
                    and sum(is_label(c) for c in row) >= 2:
                value = below.text
            if value or key not in out:
                out[key] = value
    return out


def find_any_date(lines: list[str]):
    """A date written anywhere in ``lines`` (the "年 月 日" slot carries no label); a date that
    a long header line wrapped ("…填表日期：2012年11月" / "15日", "…日期：2012-" / "06-28") is read
    across the break."""
    for i, line in enumerate(lines):
        d = find_date(clean(line))
        if d:
            return d
        if i + 1 < len(lines) and re.search(r"[年月.．/／\-－]\s*$", line):
            d = find_date(clean(line + lines[i + 1]))
            if d:
                return d
    return None
