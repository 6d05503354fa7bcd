"""Find the risk table by its header labels, map its columns, and read its rows.

Position means nothing in a returned form (people add rows, move the header fields into the
table, split the table over two pages), so the table is the grid row whose cells best match a
form definition's column labels and synonyms, with the printed title breaking ties between
look-alike forms (001's three forms share their columns).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field

from pipeline.forms import Column, FormDefinition, registry
from pipeline.parse.families import header_labels
from pipeline.parse.layout import Cell, Grid
from pipeline.parse.settings import DEFAULT, ParseSettings
from pipeline.parse.text import is_placeholder, label_key, squash
from pipeline.parse.vocabulary import VOCABULARY

#: Columns whose text the office prints or that only label a row: a row with nothing else is blank.
NON_CONTENT_TYPES = {"seq", "category", "post_level"}


@dataclass(frozen=True)
class DefIndex:
    """A definition's labels reduced once for matching."""

    definition: FormDefinition
    exact: dict[str, Column]
    fuzzy: tuple[tuple[str, Column], ...]  # longest label keys first
    titles: tuple[str, ...]
    header_keys: dict[str, str]  # label key → header field key
    header_label_keys: tuple[tuple[str, ...], ...]  # per header field, the keys of its labels
    below_keys: frozenset[str]  # label keys of in-table fields placed under the risk rows
    heads: dict[str, Column]  # words found in the labels of one column only


@functools.cache
def indexes(settings: ParseSettings = DEFAULT) -> tuple[DefIndex, ...]:
    out = []
    for d in registry().values():
        if not d.columns:
            continue
        exact: dict[str, Column] = {}
        for c in d.columns:
            for lab in c.labels:
                exact.setdefault(label_key(lab), c)
        fuzzy = tuple(sorted(((k, c) for k, c in exact.items() if len(k) >= settings.fuzzy_label_min_chars),
                             key=lambda kc: -len(kc[0])))
        titles = tuple(squash(t) for t in [d.title, *d.title_synonyms])
        labelled = header_labels(d)
        header_keys = {label_key(lab): key for key, lab in labelled}
        header_label_keys = tuple(tuple(label_key(lab) for key, lab in labelled if key == h.key) for h in d.header)
        below_keys = frozenset(label_key(lab) for h in d.header if h.in_table and h.placement == "below"
                               for lab in h.labels)
        out.append(DefIndex(d, exact, fuzzy, titles, header_keys, header_label_keys, below_keys,
                            _distinct_heads(d, settings.head_word_chars)))
    return tuple(out)


def _distinct_heads(d: FormDefinition, n: int) -> dict[str, Column]:
    """Every run of ``n`` characters in the labels of exactly one column of ``d``, but the words all
    column labels are qualified with (vocabulary: 风险, 廉政): a retitled column keeps its head word
    (风险内容及表现形式 → 具体表现, 防范措施 → 预防措施)."""
    seen: dict[str, set[str]] = {}
    by_key = {c.key: c for c in d.columns}
    for c in d.columns:
        for lab in c.labels:
            k = label_key(lab)
            for i in range(len(k) - n + 1):
                seen.setdefault(k[i:i + n], set()).add(c.key)
    return {w: by_key[next(iter(keys))] for w, keys in seen.items()
            if len(keys) == 1 and w not in VOCABULARY.column_modifiers}


@functools.lru_cache(maxsize=1 << 16)
def cell_key(text: str) -> str:
    """label_key, cached: the same header labels recur in every form of a batch."""
    return label_key(text)


@functools.lru_cache(maxsize=1 << 16)
def columns_named(key: str, settings: ParseSettings = DEFAULT, phrase: bool = True) -> dict[str, Column]:
    """Every definition's column that a header cell with this key names, by definition id;
    ``phrase`` is False for a cell written as a sentence, which no head word makes a label."""
    out = {}
    for ix in indexes(settings):
        col = _match_key(ix, key, settings, phrase)
        if col is not None:
            out[ix.definition.id] = col
    return out


def match_column(ix: DefIndex, text: str, settings: ParseSettings = DEFAULT) -> Column | None:
    """The column a header cell names: exact label or synonym, else the longest label it contains
    (a label with a hint in brackets), but only in a short cell, not in a sentence of a data row."""
    return names_of(text, settings).get(ix.definition.id) if text else None


@functools.lru_cache(maxsize=1 << 16)
def names_of(text: str, settings: ParseSettings = DEFAULT) -> dict[str, Column]:
    """:func:`columns_named` for a cell's text (remembered: the header cells recur in every return)."""
    return columns_named(cell_key(text), settings, not VOCABULARY.sentence_punct_re.search(text))


def _match_key(ix: DefIndex, key: str, settings: ParseSettings, phrase: bool = True) -> Column | None:
    if not key:
        return None
    col = ix.exact.get(key)
    if col is not None:
        return col
    modifier, of, head = key.rpartition("的")
    if modifier and of and head:
        # "风险点的具体表现", "风险点的防控措施": what follows the last 的 is what the column holds;
        # what goes before it says only whose it is, and often names another column (风险点).
        return _match_key(ix, head, settings, phrase)
    if len(key) > settings.fuzzy_label_max_chars:
        return None
    for k, c in ix.fuzzy:
        if k in key:
            return c
    return _by_head_word(ix, key, settings.head_word_chars) if phrase else None


def _by_head_word(ix: DefIndex, key: str, n: int) -> Column | None:
    """A retitled column named by its head word: the label's last word (具体表现, 预防措施, 部门意见)
    or its first (等级评定), when that word is in the labels of one column of the definition only.
    A header field's label never names a column so."""
    if len(key) < n or key in ix.header_keys:
        return None
    named = {c.key: c for w in (key[-n:], key[:n]) if (c := ix.heads.get(w)) is not None}
    return next(iter(named.values())) if len(named) == 1 else None


@dataclass
class HeaderMatch:
    ix: DefIndex
    grid: Grid
    first: int  # first header row
    last: int  # last header row (a group header like 防控措施 spans two)
    columns: dict[int, Column]  # grid column → definition column
    score: float
    fields: dict[int, str] = field(default_factory=dict)  # grid column → header field typed as a column


def _row_matches(ix: DefIndex, row: list[Cell], named: list[dict[str, Column]]) -> tuple[dict[int, Column], int]:
    found: dict[int, Column] = {}
    used: set[str] = set()
    filled = 0
    did = ix.definition.id
    for i, cell in enumerate(row):
        if cell.hmerge or not cell.text:
            continue
        filled += 1
        col = named[i].get(did)
        if col is not None and col.key not in used:
            found[i] = col
            used.add(col.key)
    return found, filled


def _named_rows(grid: Grid, settings: ParseSettings) -> tuple[list[list[dict[str, Column]]], list[dict[str, int]]]:
    """Per leading row and cell, the columns it names in every definition, and per row how many
    cells name a column of each definition (once per grid, shared by all definitions)."""
    if grid.label_matches is None or grid.label_matches[0] is not settings:
        named = [[names_of(c.text, settings) if c.text and not c.hmerge else {} for c in row]
                 for row in grid.rows[:settings.max_header_row + 1]]
        counts = [dict(Counter(did for m in row for did in m)) for row in named]
        grid.label_matches = (settings, named, counts, _most_named(counts, settings))
    return grid.label_matches[1], grid.label_matches[2]


def _most_named(counts: list[dict[str, int]], settings: ParseSettings) -> dict[str, int]:
    """Per definition, the most cells naming its columns in a row that may be its header plus
    the row below it (see :func:`fit_bound`)."""
    sizes = _sizes(settings)
    most: dict[str, int] = {}
    for r in range(min(settings.max_header_row, len(counts))):
        below = counts[r + 1] if r + 1 < len(counts) else {}
        for did, here in counts[r].items():
            if here >= min(settings.min_named_columns, sizes[did]):
                most[did] = max(most.get(did, -1), here + below.get(did, 0))
    return most


@functools.cache
def _sizes(settings: ParseSettings) -> dict[str, int]:
    return {ix.definition.id: len(ix.definition.columns) for ix in indexes(settings)}


def named_counts(grid: Grid, settings: ParseSettings = DEFAULT) -> list[dict[str, int]]:
    """Per leading row of ``grid``: definition id → how many of its cells name that definition's columns."""
    return _named_rows(grid, settings)[1]


def match_header(ix: DefIndex, grid: Grid, settings: ParseSettings = DEFAULT) -> HeaderMatch | None:
    """The best header row (plus a sub-header row) of ``grid`` for one definition.

    Remembered on the grid: choosing the form asks the same (definition, grid) more than once
    (the best fit with the title, the best fit by the table alone, continuations).
    """
    if grid.header_matches is None or grid.header_matches[0] is not settings:
        grid.header_matches = (settings, {})
    known = grid.header_matches[1]
    did = ix.definition.id
    if did not in known:
        known[did] = _match_header(ix, grid, settings)
    return known[did]


def fit_bound(ix: DefIndex, grid: Grid, settings: ParseSettings = DEFAULT) -> float | None:
    """The highest score :func:`match_header` could give ``grid`` for this definition, from the
    counts of cells naming its columns alone (None: no row could be its header) — so choosing the
    form skips the (definition, grid) pairs that could not win, never changing what is chosen.

    A header row's score is ``2 * ratio + explained``: at most as many of the definition's columns
    are found as its row and the sub-header row below have cells naming them, and ``explained`` is
    at most 1.
    """
    if grid.header_matches is not None and grid.header_matches[0] is settings \
            and (known := grid.header_matches[1].get(ix.definition.id, False)) is not False:
        return None if known is None else known.score
    _named_rows(grid, settings)
    most = grid.label_matches[3].get(ix.definition.id)
    n = len(ix.definition.columns)
    if most is None or min(1.0, most / n) < settings.min_column_ratio:
        return None
    return 2 * min(1.0, most / n) + 1.0


def _match_header(ix: DefIndex, grid: Grid, settings: ParseSettings) -> HeaderMatch | None:
    best: HeaderMatch | None = None
    n = len(ix.definition.columns)
    named, counts = _named_rows(grid, settings)
    did = ix.definition.id
    least = min(settings.min_named_columns, n)
    for r, row in enumerate(grid.rows[:settings.max_header_row]):
        if counts[r].get(did, 0) < least:
            continue
        found, filled = _row_matches(ix, row, named[r])
        if len(found) < least:
            continue
        last = r
        if r + 1 < len(named):  # a second header row under group labels
            sub, sub_filled = _row_matches(ix, grid.rows[r + 1], named[r + 1])
            new = {i: c for i, c in sub.items() if c.key not in {x.key for x in found.values()}}
            if new and not any(_looks_seq(c.text) for c in grid.rows[r + 1]):
                for i in new:  # the group cell above no longer names these positions
                    found.pop(i, None)
                found.update(new)
                filled += sub_filled
                last = r + 1
        ratio = len({c.key for c in found.values()}) / n
        fields = _field_columns(ix, row, found)
        explained = min(1.0, (len(found) + len(fields)) / max(filled, 1))
        if ratio < settings.min_column_ratio:
            continue
        score = 2 * ratio + explained
        if best is None or score > best.score:
            best = HeaderMatch(ix, grid, r, last, found, score, fields)
    return best


def _field_columns(ix: DefIndex, row: list[Cell], found: dict[int, Column]) -> dict[int, str]:
    """Header fields typed as columns of the risk table (姓名, 职务, 部门 over a column each, the
    value merged down every row, as offices type seed 001's flat layout): grid column → field key."""
    out: dict[int, str] = {}
    for i, cell in enumerate(row):
        if i in found or cell.hmerge or not cell.text:
            continue
        key = ix.header_keys.get(cell_key(cell.text))
        if key is not None and key not in out.values():
            out[i] = key
    return out


def title_scores(lines: list[str], settings: ParseSettings = DEFAULT) -> dict[str, float]:
    """Per definition id, how well the printed title names it (1 for the longest match)."""
    text = squash("".join(lines))
    lengths = {}
    for ix in indexes(settings):
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
    runs_on: dict[str, bool] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.grid.where} 第{self.index + 1}行"


@dataclass
class TableRead:
    rows: list[DataRow] = field(default_factory=list)
    field_rows: list[list[Cell]] = field(default_factory=list)  # in-table header fields, signatures
    field_columns: dict[str, str] = field(default_factory=dict)  # header fields typed as columns: first value
    notes: list[str] = field(default_factory=list)


def _is_field_row(ix: DefIndex, row: list[Cell], columns: dict[int, Column]) -> bool:
    """A row that starts with a header label (姓名, 负责人签字 …): a data row starts with its risk.

    A category can be spelt like a header label (003's category 岗位职责 and its in-table field
    岗位职责), so a row whose label sits in the category column is a risk row when it fills two or
    more other risk columns with text that is not itself a label: a field row holds one label and
    its value (or label, value, label, value), a risk row its risk point, measures and level.
    """
    lead = next((i for i, c in enumerate(row) if c.text and not c.hmerge), None)
    if lead is None or label_key(row[lead].text) not in ix.header_keys:
        return False
    if lead not in columns or columns[lead].type != "category":
        return True
    filled = [c for i, c in enumerate(row) if i != lead and i in columns and c.text and not c.hmerge]
    return len(filled) < 2 or any(label_key(c.text) in ix.header_keys for c in filled)


def _none_written(text: str) -> bool:
    """Blank, or a word saying there is none (无, 暂无, /: the vocabulary's placeholders)."""
    return is_placeholder(text) or text.strip().strip("。.；;").lower() in VOCABULARY.placeholders


def _split_row(values: dict[str, str], columns: dict[int, Column]) -> bool:
    """The top of a row that broke across a PDF page: no number, no risk name, no level."""
    keys = {c.key: c for c in columns.values()}
    return all(not values.get(k) for k in ("seq", "name") if k in keys) and not any(
        values.get(c.key) for c in keys.values() if c.type == "level")


def _join(before: str, after: str, runs_on: bool) -> str:
    """Rejoin a cell split by a page break: one paragraph if the last line ran to the edge."""
    if not before or not after:
        return before or after
    return before + ("" if runs_on else "\n") + after


def _repeated_header(ix: DefIndex, row: list[Cell], width: int) -> bool:
    """The header printed again (a new page): its cells are the labels themselves, exactly — a
    data cell that merely contains a label ("责任主体为办公室") does not count."""
    keys = {ix.exact[k].key for c in row if not c.hmerge and (k := cell_key(c.text)) in ix.exact}
    return len(keys) >= max(2, width // 2)


#: Column types an office column's text is never added to: they hold a number, a level or a name
#: of a category that must stay readable as such.
_NO_ADDITIONS = {"seq", "level", "post_level", "category", "date"}


def office_columns(grid: Grid, first: int, last: int, columns: dict[int, Column],
                   fields: dict[int, str]) -> dict[int, tuple[str, str]]:
    """Columns the office added to the table (备注, 责任人, 完成时限, a description split in two):
    grid column → (its label, the key of the form's column its text is kept in).

    A column whose label names no column of the form keeps its text in the nearest text column to
    its left (its right, for one before them all), under its own label, so nothing typed in the
    table is lost and the record reads as the office wrote it.
    """
    targets = sorted((i, c) for i, c in columns.items() if c.type not in _NO_ADDITIONS and not c.signature)
    if not targets:
        return {}
    header = grid.rows[first:last + 1]
    if _sub_header(grid, last):  # the labels under a group header (风险等级 over 等级 | 分值)
        header = [*header, grid.rows[last + 1]]
    body = grid.rows[first + len(header):]
    out = {}
    for i in range(grid.width):
        if i in columns or i in fields:
            continue
        label = next((row[i].text for row in reversed(header)
                      if i < len(row) and row[i].text and not row[i].hmerge and not row[i].vmerge), "")
        if not label or _numbering(body, i):
            continue
        left = [c for j, c in targets if j < i]
        out[i] = (squash(label), (left[-1] if left else targets[0][1]).key)
    return out


def _numbering(rows: list[list[Cell]], i: int) -> bool:
    """Column ``i`` numbers the rows (1, 2, 3 … under 编号 or 排序): no text of the office's to keep."""
    numbers = [c.text.strip(" .、)）(（") for row in rows
               if i < len(row) and (c := row[i]).text and not c.hmerge and not is_placeholder(c.text)]
    return bool(numbers) and all(n.isdigit() for n in numbers) and \
        [int(n) for n in numbers] == list(range(int(numbers[0]), int(numbers[0]) + len(numbers)))


def _sub_header(grid: Grid, last: int) -> bool:
    """The row under the header row ``last`` is a second header row: a group header above spans
    several of its cells, and beside them it continues the header's cells downwards."""
    if last + 1 >= len(grid.rows):
        return False
    head, below = grid.rows[last], grid.rows[last + 1]
    spans = any(c.hmerge for c in head)
    continued = any(k < len(head) and c.vmerge and c.text and c.text == head[k].text for k, c in enumerate(below))
    return spans and continued


def _keep_office_columns(row: list[Cell], extra: dict[int, tuple[str, str]], values: dict[str, str]) -> None:
    for i, (label, key) in extra.items():
        text = row[i].text if i < len(row) and not row[i].hmerge else ""
        if text and not is_placeholder(text):
            values[key] = "\n".join(t for t in (values.get(key, ""), f"{label}：{text}") if t)


def read_rows(match: HeaderMatch, grids: list[tuple[Grid, int, dict[int, Column]]],
              settings: ParseSettings = DEFAULT) -> TableRead:
    """Data rows of ``grids`` (each with its first data row and its column map): the matched grid
    and those continuing it.

    Blank and "……" rows, repeated header rows, totals rows and note rows are dropped; rows naming a header field
    are handed to the header reader instead, and so is every row after a field the definition
    places under the risk rows (opinions, their signatures and stamps). A merged column
    keeps its text on later pages, and the part of a row that a PDF page break pushed to the next
    page is joined to its row."""
    ix, out = match.ix, TableRead()
    out.field_rows.extend(match.grid.rows[:match.first])
    width = len(match.columns)
    merged_text: dict[str, str] = {}
    below = False  # a field placed under the risk rows was seen: no risk rows follow
    own = office_columns(match.grid, match.first, match.last, match.columns, match.fields)
    for n, (grid, start, columns) in enumerate(grids):
        content = [c.key for c in columns.values() if c.type not in NON_CONTENT_TYPES and not c.merged and c.key != "duty"]
        extra = own if start == 0 or grid is match.grid else office_columns(grid, 0, start - 1, columns, {})
        new_page = n > 0 and grid.page is not None and grid.page != grids[n - 1][0].page
        first = True
        for r in range(start, len(grid.rows)):
            row = grid.rows[r]
            texts = [c.text for c in row if not c.hmerge and c.text]
            if not texts:
                continue
            lead = texts[0]
            if VOCABULARY.note_re.match(lead) or (len(texts) == 1 and len(lead) > settings.note_row_min_chars
                                                  and row[0].text == lead and len(row) > 1 and row[-1].hmerge):
                out.notes.append(lead)
                continue
            if VOCABULARY.total_re.match(lead):
                continue  # a totals row ("合计 | 3项") counts the risks above it; it is none itself
            if below or _is_field_row(ix, row, columns):
                below = below or label_key(lead) in ix.below_keys
                out.field_rows.append(row)
                continue
            if _repeated_header(ix, row, width):
                continue
            values, runs_on = {}, {}
            for i, col in columns.items():
                cell = row[i] if i < len(row) else None
                values[col.key] = "" if cell is None or cell.hmerge else cell.text
                runs_on[col.key] = cell is not None and cell.runs_on
                if col.merged:
                    if values[col.key]:
                        merged_text[col.key] = values[col.key]
                    else:
                        values[col.key] = merged_text.get(col.key, "")
            if all(is_placeholder(values[k]) for k in content):
                continue
            _keep_office_columns(row, extra, values)
            if ix.definition.rows_from == "categories" and all(_none_written(values[k]) for k in content):
                continue  # the form prints a row per category; "无" says this one has no risk
            if first and new_page and out.rows and _split_row(values, columns):
                prev = out.rows[-1]
                for k in content:
                    prev.values[k] = _join(prev.values.get(k, ""), values[k], prev.runs_on.get(k, False))
                    prev.runs_on[k] = runs_on[k]
                first = False
                continue
            first = False
            out.rows.append(DataRow(grid, r, values, runs_on))
            if n == 0:
                for i, key in match.fields.items():
                    if i < len(row) and row[i].text and not out.field_columns.get(key):
                        out.field_columns[key] = row[i].text
    return out
