"""Find the risk table by its header labels, map its columns, and read its rows.

Position means nothing in a returned form (people add rows, move the header fields into the
table, split the table over two pages), so the table is the grid row whose cells best match a
form definition's column labels and synonyms, with the printed title breaking ties between
look-alike forms (001's three forms share their columns).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from pipeline.forms import Column, FormDefinition, registry
from pipeline.parse.layout import Cell, Grid
from pipeline.parse.text import is_placeholder, label_key, squash

#: Columns whose text the office prints or that only label a row: a row with nothing else is blank.
NON_CONTENT_TYPES = {"seq", "category", "post_level"}
_NOTE_RE = re.compile(r"^(备注|注|说明|填表说明)\s*[0-9:：.、]")


@dataclass(frozen=True)
class DefIndex:
    """A definition's labels reduced once for matching."""

    definition: FormDefinition
    exact: dict[str, Column]
    fuzzy: tuple[tuple[str, Column], ...]  # longest label keys first
    titles: tuple[str, ...]
    header_keys: dict[str, str]  # label key → header field key


@functools.cache
def indexes() -> tuple[DefIndex, ...]:
    out = []
    for d in registry().values():
        if not d.columns:
            continue
        exact: dict[str, Column] = {}
        for c in d.columns:
            for lab in c.labels:
                exact.setdefault(label_key(lab), c)
        fuzzy = tuple(sorted(((k, c) for k, c in exact.items() if len(k) >= 3), key=lambda kc: -len(kc[0])))
        titles = tuple(squash(t) for t in [d.title, *d.title_synonyms])
        header_keys = {label_key(lab): h.key for h in d.header for lab in h.labels}
        out.append(DefIndex(d, exact, fuzzy, titles, header_keys))
    return tuple(out)


def match_column(ix: DefIndex, text: str) -> Column | None:
    """The column a header cell names: exact label or synonym, else the longest label it contains
    (for "风险等级（A/B/C）"), but only in a short cell, not in a sentence of a data row."""
    key = label_key(text)
    if not key:
        return None
    col = ix.exact.get(key)
    if col is not None:
        return col
    if len(key) > 14:
        return None
    for k, c in ix.fuzzy:
        if k in key:
            return c
    return None


@dataclass
class HeaderMatch:
    ix: DefIndex
    grid: Grid
    first: int  # first header row
    last: int  # last header row (a group header like 防控措施 spans two)
    columns: dict[int, Column]  # grid column → definition column
    score: float


def _row_matches(ix: DefIndex, row: list[Cell]) -> tuple[dict[int, Column], int]:
    found: dict[int, Column] = {}
    used: set[str] = set()
    filled = 0
    for i, cell in enumerate(row):
        if cell.hmerge or not cell.text:
            continue
        filled += 1
        col = match_column(ix, cell.text)
        if col is not None and col.key not in used:
            found[i] = col
            used.add(col.key)
    return found, filled


def match_header(ix: DefIndex, grid: Grid, max_rows: int = 10) -> HeaderMatch | None:
    """The best header row (plus a sub-header row) of ``grid`` for one definition."""
    best: HeaderMatch | None = None
    n = len(ix.definition.columns)
    for r, row in enumerate(grid.rows[:max_rows]):
        found, filled = _row_matches(ix, row)
        if len(found) < min(2, n):
            continue
        last = r
        if r + 1 < len(grid.rows):  # a second header row under group labels
            sub, sub_filled = _row_matches(ix, grid.rows[r + 1])
            new = {i: c for i, c in sub.items() if c.key not in {x.key for x in found.values()}}
            if new and not any(_looks_seq(c.text) for c in grid.rows[r + 1]):
                for i in new:  # the group cell above no longer names these positions
                    found.pop(i, None)
                found.update(new)
                filled += sub_filled
                last = r + 1
        ratio = len({c.key for c in found.values()}) / n
        explained = min(1.0, len(found) / max(filled, 1))
        if ratio < 0.5:
            continue
        score = 2 * ratio + explained
        if best is None or score > best.score:
            best = HeaderMatch(ix, grid, r, last, found, score)
    return best


def title_scores(lines: list[str]) -> dict[str, float]:
    """Per definition id, how well the printed title names it (1 for the longest match)."""
    text = squash("".join(lines))
    lengths = {}
    for ix in indexes():
        hit = max((len(t) for t in ix.titles if t and t in text), default=0)
        if hit:
            lengths[ix.definition.id] = hit
    top = max(lengths.values(), default=0)
    return {k: v / top for k, v in lengths.items()}


def _looks_seq(text: str) -> bool:
    return bool(re.fullmatch(r"[（(]?\d{1,3}[)）.、]?", text.strip()))


@dataclass
class DataRow:
    grid: Grid
    index: int  # 0-based row in grid
    values: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.grid.where} 第{self.index + 1}行"


@dataclass
class TableRead:
    rows: list[DataRow] = field(default_factory=list)
    field_rows: list[list[Cell]] = field(default_factory=list)  # in-table header fields, signatures
    notes: list[str] = field(default_factory=list)


def _is_field_row(ix: DefIndex, row: list[Cell]) -> bool:
    """A row that starts with a header label (姓名, 负责人签字 …): a data row starts with its risk."""
    first = next((c for c in row if c.text and not c.hmerge), None)
    return first is not None and label_key(first.text) in ix.header_keys


def read_rows(match: HeaderMatch, grids: list[tuple[Grid, int]]) -> TableRead:
    """Data rows of ``grids`` (each with its first data row): the matched grid and those continuing it.

    Blank and "……" rows, repeated header rows and note rows are dropped; rows naming a header field
    (姓名, 负责人签字 …) are handed to the header reader instead."""
    ix, out = match.ix, TableRead()
    out.field_rows.extend(match.grid.rows[:match.first])
    content = [i for i, c in match.columns.items() if c.type not in NON_CONTENT_TYPES and not c.merged and c.key != "duty"]
    width = len(match.columns)
    for grid, start in grids:
        for r in range(start, len(grid.rows)):
            row = grid.rows[r]
            texts = [c.text for c in row if not c.hmerge and c.text]
            if not texts:
                continue
            first = texts[0]
            if _NOTE_RE.match(first) or (len(texts) == 1 and len(first) > 40 and row[0].text == first and len(row) > 1 and row[-1].hmerge):
                out.notes.append(first)
                continue
            if _is_field_row(ix, row):
                out.field_rows.append(row)
                continue
            found, _ = _row_matches(ix, row)
            if len(found) >= max(2, width // 2):  # the header repeated on a new page
                continue
            values = {}
            for i, col in match.columns.items():
                cell = row[i] if i < len(row) else None
                values[col.key] = "" if cell is None or cell.hmerge else cell.text
            if all(is_placeholder(values[match.columns[i].key]) for i in content):
                continue
            out.rows.append(DataRow(grid, r, values))
    return out
