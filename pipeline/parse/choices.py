"""Printed choices and column groups: a box ticked among words in one cell, a tick in one of
several columns, text split over columns no form knows.

Offices print a choice to tick rather than a word to write: "□一级 ☑二级 □三级" in a cell, or a
group header (风险等级) over one column per choice (一级 | 二级 | 三级) with a tick in one of them
on every row. Both are read as the ticked choice's own word, so the rest of the parser (levels,
checks, the ledger) sees what a person who wrote the word would have written. A group header
over sub-columns of text in words no form knows is read as one column of that group's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.parse.layout import Cell, Grid
from pipeline.parse.text import squash

#: An empty box, and a box someone ticked (or a tick written instead of a box).
EMPTY, TICKS = "□☐○", "☑☒■√✓✔▇●"
_MARK = f"[{EMPTY}{TICKS}]"
_BEFORE_RE = re.compile(rf"[{TICKS}]([^{EMPTY}{TICKS}]+)")  # the mark before its word: "□一级 ☑二级"
_AFTER_RE = re.compile(rf"([^{EMPTY}{TICKS}]+)[{TICKS}]")  # after it: "一级□ 二级☑"
#: A choice printed as brackets to tick in ("高（ ） 中（√） 低（ ）"): the brackets are its box.
_BRACKET_TICK_RE = re.compile(rf"[（(][{TICKS}][）)]")
_BRACKET_BOX_RE = re.compile(r"[（(][）)]")
#: What a tick column's cell holds when ticked: a mark, or the letter v typed for want of √.
_TICK_CELL_RE = re.compile(rf"[{TICKS}vV]")
#: Longest label a choice column may carry (一级, 较高, 中风险 …): a longer one is a column of its own.
CHOICE_LABEL_MAX_CHARS = 8


def ticked(text: str) -> str | None:
    """The choice ticked among printed ones in ``text`` (squashed), or None if nothing is ticked.

    A form prints its boxes either all before their words or all after them; which, the text
    says by where it starts: with a box, the boxes come first ("☑高□中"), else after ("高☑中□").
    """
    s = _BRACKET_BOX_RE.sub("□", _BRACKET_TICK_RE.sub("☑", text))
    if not any(c in TICKS for c in s):
        return None
    before = re.match(_MARK, s) is not None or re.search(_MARK + "$", s) is None
    found = (_BEFORE_RE if before else _AFTER_RE).search(s)
    return found.group(1) if found else None


def collapse_column_groups(grid: Grid, max_header_row: int, names_a_column: Callable[[str], bool]) -> None:
    """Rewrite, in place, each group of columns of ``grid`` that no definition's columns explain as
    one column, so the table is read by the group's own label:

    * tick columns (风险等级 over 三级 | 二级 | 一级, a tick in one per row) hold the word of the
      ticked choice (several ticked: their words joined by 、, which no scheme knows, so the checks
      report it; none: empty);
    * text columns whose labels name no column of any form (防控措施 over 源头 | 过程 | 结果)
      hold each sub-column's text under its label, one per line, so nothing typed in them is lost.

    A group is a header cell spanning several columns of a header row (one whose other cells name
    columns) with the row under it naming one choice per column by short, distinct labels. A group
    of text columns one of whose labels names a column (``names_a_column``: 防控措施 over 前期预防 |
    中期监控 | 后期处置, or 风险等级 over 等级 | 分值) is left to the column matcher, which keeps
    the text of the sub-columns it does not know as the office's own columns.
    """
    rows = grid.rows
    for r in range(min(max_header_row, len(rows) - 2)):
        head, sub = rows[r], rows[r + 1]
        i = 0
        while i < len(head):
            j = i
            while j + 1 < len(head) and head[j + 1].hmerge:
                j += 1
            if j > i and head[i].text and _choice_labels(sub, i, j) and _header_row(head, i, j, names_a_column):
                labels = [squash(sub[k].text) for k in range(i, j + 1)]
                ticks = _ticks_below(rows[r + 2:], i, j)
                if ticks or not any(names_a_column(sub[k].text) for k in range(i, j + 1)):
                    for row in rows[r + 2:]:
                        if len(row) > j and not any(row[k].hmerge for k in range(i + 1, j + 1)):
                            word = _ticked_word(row, i, labels) if ticks else _labelled_text(row, i, labels)
                            row[i:j + 1] = [Cell(word), *(Cell(word, hmerge=True) for _ in range(i + 1, j + 1))]
                    group = head[i].text
                    sub[i:j + 1] = [Cell(group, vmerge=True),
                                    *(Cell(group, hmerge=True, vmerge=True) for _ in range(i + 1, j + 1))]
            i = j + 1


def _is_tick(text: str) -> bool:
    return _TICK_CELL_RE.fullmatch(squash(text)) is not None


def _ticked_word(row: list[Cell], i: int, labels: list[str]) -> str:
    return "、".join(lab for k, lab in enumerate(labels, start=i) if _is_tick(row[k].text))


def _labelled_text(row: list[Cell], i: int, labels: list[str]) -> str:
    return "\n".join(f"{lab}：{row[k].text}" for k, lab in enumerate(labels, start=i) if row[k].text.strip())


def _header_row(head: list[Cell], i: int, j: int, names_a_column: Callable[[str], bool]) -> bool:
    """The group's row is a header row: beside the group, a cell names a column of some form (a
    title or a row of header fields spanning the table is no group header)."""
    return any(c.text and not c.hmerge and names_a_column(c.text) for k, c in enumerate(head) if not i <= k <= j)


def _choice_labels(sub: list[Cell], i: int, j: int) -> bool:
    """Cells ``i``..``j`` of the row under a group header name one short, distinct choice each."""
    if len(sub) <= j:
        return False
    labels = [squash(sub[k].text) for k in range(i, j + 1)]
    return all(lab and len(lab) <= CHOICE_LABEL_MAX_CHARS and not sub[k].hmerge and not _TICK_CELL_RE.search(lab)
               for k, lab in zip(range(i, j + 1), labels)) and len(set(labels)) == len(labels)


def _ticks_below(rows: list[list[Cell]], i: int, j: int) -> bool:
    """The rows below hold only ticks in columns ``i``..``j``, and at least one does hold a tick."""
    seen = False
    for row in rows:
        if len(row) <= j or any(row[k].hmerge for k in range(i + 1, j + 1)):
            continue  # a row merged across the group (a note, an opinion) is no row of choices
        for k in range(i, j + 1):
            text = squash(row[k].text)
            if text and not _is_tick(text):
                return False
            seen = seen or bool(text)
    return seen
