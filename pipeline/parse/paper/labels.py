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
import functools
import re
from dataclasses import replace

from pipeline.forms import FormDefinition, registry
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


def _nearest(text: str, labels: set[str], keys: dict[str, frozenset[str]] | None = None) -> str | None:
    """The one label ``text`` is nearly, or ``None``. With ``keys`` (label → the columns it
    names), labels as near as each other that name one column alike (岗位职责, 岗位职能) are no
    tie: the likeliest of them is taken, the column being the same."""
    if len(text) < MIN_LENGTH or text in labels:
        return None
    scored = sorted(((difflib.SequenceMatcher(None, text, x).ratio(), x) for x in labels
                     if len(x) >= MIN_LENGTH and abs(len(x) - len(text)) <= len(x) // 4), reverse=True)
    if not scored or scored[0][0] < MIN_RATIO:
        return None
    tied = [x for ratio, x in scored if ratio == scored[0][0]]
    if len(tied) > 1 and (keys is None or not frozenset.intersection(*(keys[x] for x in tied))):
        return None
    return scored[0][1]


def snap(paper: PaperLayout, definition: FormDefinition) -> None:
    """Every grid cell of ``paper`` read as nearly one of the form's printed labels made that label,
    one read as a printed blank with a stray mark in it (年：月日) or a character of it for another
    (年月月) made the blank, and the reading of every such cell made sure."""
    _snap(paper, printed(definition), blanks(definition), sure=True)


@functools.cache
def column_labels() -> dict[str, frozenset[str]]:
    """Every column label and synonym of every form definition, squashed, and the keys of the
    columns it names."""
    out: dict[str, set[str]] = {}
    for d in registry().values():
        for c in d.columns:
            for x in c.labels:
                if x:
                    out.setdefault(squash(x), set()).add(c.key)
    return {x: frozenset(k) for x, k in out.items()}


def snap_columns(paper: PaperLayout) -> None:
    """For a scan no QR code names: every grid cell read as nearly one of the column labels the
    forms know (:func:`column_labels`; 岗位职员 for 岗位职责, by the rule of :func:`_nearest`,
    labels naming one column alike being no tie) made that label. An office that typed its own
    form heads its columns with these words, and a header label misread left its column unnamed:
    the page's table was not the form's, and its rows were lost. The office typed the label, so the
    reading keeps its confidence: a cell taken for a label wrongly is still flagged when it was unsure."""
    _snap(paper, set(column_labels()), {}, sure=False, keys=column_labels())


def _snap(paper: PaperLayout, labels: set[str], empty: dict[str, str], *, sure: bool,
          keys: dict[str, frozenset[str]] | None = None) -> None:
    fixed: dict[tuple[int, int, int], str] = {}
    for block in paper.layout.blocks:
        if not isinstance(block, Grid):
            continue
        for r, row in enumerate(block.rows):
            for c, cell in enumerate(row):
                text = squash(cell.text)
                label = text if text in labels else _nearest(text, labels, keys) or _blank(text, empty)
                if label is None:
                    continue
                if label != text:
                    row[c] = replace(cell, text=label)
                if not (cell.hmerge or cell.vmerge) and (sure or label != text):
                    fixed[(block.index, r + 1, c + 1)] = label
    paper.readings = [replace(x, text=fixed[(x.table, x.row, x.col)], confidence=1.0 if sure else x.confidence)
                      if (x.table, x.row, x.col) in fixed else x for x in paper.readings]
