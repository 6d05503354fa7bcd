"""The labels a form we issued prints, put back in the cells where OCR misread them.

When the QR code names the form, the reader knows every label its tables can hold: the column
heads, the in-table header labels and the group labels, all printed from the definition. A cell
read as nearly one of them — at least three quarters of its characters in order
(:class:`difflib.SequenceMatcher`), the label four characters or more, no other label as near — is
that label: a fax's 主要（分管）领导作核意见 is 主要（分管）领导审核意见. Without its label the form
logic finds no field the value beside it belongs to, and the whole field is lost unseen. Shorter
labels are never guessed (a filled 科长 is one character from 科室), and a reading that is already a
label stays as it is. A label cell is printed text the definition holds, so its reading is sure
and the office is not sent to check it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace

from pipeline.forms import FormDefinition
from pipeline.parse.layout import Grid
from pipeline.parse.paper.read import PaperLayout
from pipeline.parse.text import squash

#: The least share of a label's characters a reading must hold, in order, to be taken for it.
MIN_RATIO = 0.75
MIN_LENGTH = 4
_PUNCT_RE = re.compile(r"[^\w]")


def printed(definition: FormDefinition) -> set[str]:
    """The labels the form's tables print: column heads, in-table header labels, group labels."""
    out = {c.label for c in definition.columns} | {c.group for c in definition.columns if c.group}
    out |= {h.label for h in definition.header if h.in_table} | {h.group for h in definition.header if h.group}
    return {squash(x) for x in out if x}


def blanks(definition: FormDefinition) -> dict[str, str]:
    """What the form prints in an in-table value cell left blank or at its foot (年　月　日), by its
    bare characters (:func:`_bare`)."""
    out = {squash(x) for h in definition.header if h.in_table or h.inside for x in (h.blank, h.foot) if x}
    return {_bare(x): x for x in out if _bare(x)}


def _bare(text: str) -> str:
    """``text`` without its punctuation: a fax speck between 年 and 月 is read as "：" or "."."""
    return _PUNCT_RE.sub("", text)


def _blank(text: str, empty: dict[str, str]) -> str | None:
    """The printed blank (:func:`blanks`) ``text`` is: its bare characters exactly, or as many of
    one blank's own characters and no other (年月月 for 年月日: a fax lost the stroke that tells
    日 from 月). A filled date holds figures, which no blank prints."""
    bare = _bare(text)
    if bare in empty:
        return empty[bare]
    near = [x for b, x in empty.items() if len(b) == len(bare) and set(bare) <= set(b)]
    return near[0] if len(near) == 1 else None


def _nearest(text: str, labels: set[str]) -> str | None:
    """The one label ``text`` is nearly, or ``None``."""
    if len(text) < MIN_LENGTH or text in labels:
        return None
    scored = sorted(((difflib.SequenceMatcher(None, text, x).ratio(), x) for x in labels
                     if len(x) >= MIN_LENGTH and abs(len(x) - len(text)) <= len(x) // 4), reverse=True)
    if not scored or scored[0][0] < MIN_RATIO or len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    return scored[0][1]


def snap(paper: PaperLayout, definition: FormDefinition) -> None:
    """Every grid cell of ``paper`` read as nearly one of the form's printed labels made that label,
    one read as a printed blank with a stray mark in it (年：月日) or a character of it for another
    (年月月) made the blank, and the reading of every such cell made sure."""
    labels, empty = printed(definition), blanks(definition)
    fixed: dict[tuple[int, int, int], str] = {}
    for block in paper.layout.blocks:
        if not isinstance(block, Grid):
            continue
        for r, row in enumerate(block.rows):
            for c, cell in enumerate(row):
                text = squash(cell.text)
                label = text if text in labels else _nearest(text, labels) or _blank(text, empty)
                if label is None:
                    continue
                if label != text:
                    row[c] = replace(cell, text=label)
                if not (cell.hmerge or cell.vmerge):
                    fixed[(block.index, r + 1, c + 1)] = label
    paper.readings = [replace(x, text=fixed[(x.table, x.row, x.col)], confidence=1.0)
                      if (x.table, x.row, x.col) in fixed else x for x in paper.readings]
