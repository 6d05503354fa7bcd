"""From a layout (lines and grids, Word or PDF alike) to a ParsedForm: which form, header, risks.

Identity first: a readable, valid form id chooses the definition by its code, and the table is read
by that definition's columns. The labels choose only when there is no id; when the id names one form
type and the table's labels fit another better, the id wins and the form gets ``form_id_mismatch``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence

from pipeline.campaign import identity
from pipeline.forms import FormDefinition, by_code, registry
from pipeline.parse import checks, header as hdr
from pipeline.parse.choices import collapse_column_groups
from pipeline.parse.dates import find_date
from pipeline.parse.layout import Grid, Layout
from pipeline.parse.levels import choose_scheme, graded_levels, place_level, token
from pipeline.parse.settings import DEFAULT, ParseSettings
from pipeline.parse.table import (HeaderMatch, cell_key, fit_bound, indexes, match_header, named_counts, names_of,
                                  read_rows, title_scores)
from pipeline.parse.text import clean, label_key, squash
from pipeline.parse.vocabulary import VOCABULARY
from pipeline.records import Header, ParsedForm, Problem, RiskRecord, Scheme

_SEQ_RE = re.compile(r"\d{1,3}")
FORM_ID_PROPERTY = "lianzheng_form_id"


def canonical_category(text: str, extra: Sequence[str] = ()) -> str | None:
    """A category as written, reduced to a known name; unknown categories are kept as written.

    Names are compared once the vocabulary's suffixes are dropped from both sides ("岗位职责",
    "岗位职责方面的风险" and a campaign's "岗位职责风险" are one category), and the campaign's own
    names (``extra``) come first, so the ledger shows each category as the profile spells it; an
    alias from the vocabulary maps to its category first.
    """
    t = clean(text).replace("\n", "")
    if not t:
        return None
    written = _category_base(t)
    alias = VOCABULARY.category_aliases.get(t) or VOCABULARY.category_aliases.get(written)
    wanted = {written, _category_base(alias)} if alias else {written}
    for c in (*extra, *VOCABULARY.categories):
        if c == t or _category_base(c) in wanted:
            return c
    return alias or t


def _category_base(name: str) -> str:
    return VOCABULARY.category_suffix_re.sub("", name) or name


@functools.cache
def _label_before_colon_re(max_chars: int) -> re.Pattern[str]:
    return re.compile(rf"([^\s：:，。,]{{1,{max_chars}}})\s*[:：]")


def _doc_label_keys(layout: Layout, lines: list[str], settings: ParseSettings) -> set[str]:
    pattern = _label_before_colon_re(settings.fuzzy_label_max_chars)
    keys = {label_key(m) for line in lines for m in pattern.findall(line)}
    for b in layout.blocks:
        if isinstance(b, Grid):
            keys.update(cell_key(c.text) for row in b.rows for c in row
                        if c.text and len(c.text) <= settings.field_cell_max_chars)
    return keys


def _banners(grid: Grid) -> list[str]:
    """The rows a table opens with that are one cell across its whole width: a form typed as one
    table carries its title there."""
    out = []
    for row in grid.rows[:3]:
        if len(row) < 2 or not row[0].text or not all(c.hmerge for c in row[1:]):
            break
        out.append(row[0].text)
    return out


def _title_lines(lines: list[str], settings: ParseSettings) -> list[str]:
    return [ln for ln in lines if len(squash(ln)) <= settings.title_max_chars]


def best_match(layout: Layout, lines: list[str], settings: ParseSettings = DEFAULT,
               only: str | None = None, campaign: Collection[str] = ()) -> tuple[HeaderMatch | None, float]:
    """The (definition, table, header row) that explains the file best, title breaking ties, and its
    score; with ``only``, the best table for that one definition. The ``campaign``'s own forms
    have their column fit raised by ``settings.campaign_weight``."""
    grids = [b for b in layout.blocks if isinstance(b, Grid)]
    if not grids:
        return None, 0.0
    titles = title_scores(_title_lines(lines, settings), settings)
    doc_keys = _doc_label_keys(layout, lines, settings)
    best, best_fit, best_score = None, 0.0, 0.0
    candidates = {did for g in grids for counts in named_counts(g, settings) for did, n in counts.items()
                  if n >= settings.min_named_columns}
    for ix in indexes(settings):
        if ix.definition.id not in candidates or (only is not None and ix.definition.id != only):
            continue
        fields = ix.header_label_keys
        header_frac = (sum(not doc_keys.isdisjoint(keys) for keys in fields) / len(fields)) if fields else 0
        raised = settings.campaign_weight if ix.definition.id in campaign else 0.0
        titled_by = settings.title_weight * titles.get(ix.definition.id, 0)
        fielded = settings.header_field_weight * header_frac
        for grid in grids:
            bound = fit_bound(ix, grid, settings)
            if bound is None or (best is not None and bound + raised + titled_by + fielded <= best_score
                                 and bound + raised <= best_fit + settings.table_fit_margin):
                continue  # it could not replace the best so far
            m = match_header(ix, grid, settings)
            if m is None:
                continue
            fit = m.score + raised
            score = fit + titled_by + fielded
            if fit < best_fit - settings.table_fit_margin:
                continue  # the title and header fields break ties; they never outvote a better-fitting table
            if score > best_score or (best is not None and fit > best_fit + settings.table_fit_margin):
                best, best_fit, best_score = m, fit, score
    return best, best_score


def _best_table(layout: Layout, settings: ParseSettings) -> HeaderMatch | None:
    """The definition whose columns the file's tables fit best, by the table's labels alone (no
    title, no header fields): what the table itself says it is."""
    best = None
    for grid in (b for b in layout.blocks if isinstance(b, Grid)):
        for ix in indexes(settings):
            bound = fit_bound(ix, grid, settings)
            if bound is None or (best is not None and bound <= best.score):
                continue
            m = match_header(ix, grid, settings)
            if m is not None and (best is None or m.score > best.score):
                best = m
    return best


def _continuations(layout: Layout, match: HeaderMatch,
                   settings: ParseSettings) -> tuple[list[tuple[Grid, int, dict]], list[str], int]:
    """The matched grid and the grids that continue it on later pages (header repeated or not),
    each with its first data row and its own column map; and the names on the forms of the same
    type that follow in the file (a title or a name line before a table starts another form, whose
    rows are never merged into this one's), with the block where the next form starts."""
    out = [(match.grid, match.last + 1, match.columns)]
    definition = match.ix.definition
    blocks = layout.blocks
    i = blocks.index(match.grid) + 1
    since = i  # the first block after the last grid taken
    between: list[str] = []
    while i < len(blocks):
        b = blocks[i]
        i += 1
        if isinstance(b, str):
            if b.strip():
                between.append(b)
            continue
        again = match_header(match.ix, b, settings)
        if _starts_a_form(between, definition, settings):
            if again is not None:
                return out, _other_forms(blocks[since:], match, settings), since
            break
        if again is not None and {c.key for c in again.columns.values()} >= {c.key for c in match.columns.values()} - {"seq"}:
            out.append((b, again.last + 1, again.columns))
        elif again is not None and _same_header_but_one(again, match):
            out.append((b, again.last + 1, match.columns))
        elif again is None and b.width == match.grid.width and len(between) <= settings.continuation_max_lines:
            out.append((b, 0, match.columns))
        else:
            break
        between, since = [], i
    return out, [], len(blocks)


def _same_header_but_one(again: HeaderMatch, match: HeaderMatch) -> bool:
    """A later grid's header repeats the matched one with one label it does not name — a scan's
    misread (岗位职员 for 岗位职责) — while every column it names is where the matched header has
    it, in a grid as wide: it continues the table under the matched header's columns."""
    named = {i: c.key for i, c in match.columns.items()}
    missing = set(named.values()) - {c.key for c in again.columns.values()} - {"seq"}
    return again.grid.width == match.grid.width and len(missing) == 1 \
        and all(named.get(i) == c.key for i, c in again.columns.items())


def _starts_a_form(lines: list[str], definition: FormDefinition, settings: ParseSettings) -> bool:
    """Lines between two tables that open a new form: a printed title, or a name on a header line."""
    return bool(title_scores(lines, settings)) or bool(hdr.read_lines(definition, lines).get("name"))


def _other_forms(blocks: list, match: HeaderMatch, settings: ParseSettings) -> list[str]:
    """The name (or "?") over each further table of the same form type in ``blocks``."""
    names, lines = [], []
    for b in blocks:
        if isinstance(b, str):
            lines.append(b)
        elif match_header(match.ix, b, settings) is not None:
            names.append(hdr.read_lines(match.ix.definition, lines).get("name") or "?")
            lines = []
    return names


#: A list number typed before a risk point ("1.", "2、", "（3）"), not a decimal ("1.5万元").
_LIST_MARK_RE = re.compile(r"^\s*(?:[（(]\s*(\d{1,3})\s*[)）]|(\d{1,3})\s*(?:[、)）]|[.．](?!\d)))\s*(?=\S)")


def _list_marker(name: str, seq: str) -> tuple[str, str]:
    """A risk point numbered in its own cell ("1.干部选拔任用环节风险") when the 序号 cell is blank or
    says the same number: the number is the row's, the rest is the name."""
    m = _LIST_MARK_RE.match(name)
    if m is None or any(_LIST_MARK_RE.match(line) for line in name.split("\n")[1:]):
        return "", name  # unnumbered, or a list of several points in one cell: kept as written
    number = m.group(1) or m.group(2)
    written = _SEQ_RE.search(seq or "")
    if written is not None and written.group() != number:
        return "", name  # the cell's number is not the row's: it is part of what was written
    return number, name[m.end():]


def _seq(text: str, used: set[int], last: int) -> int:
    m = _SEQ_RE.search(text or "")
    n = int(m.group()) if m else 0
    return n if n > 0 and n not in used else last + 1


def _title(lines: list[str], definition: FormDefinition, settings: ParseSettings,
           before: list[str] | None = None) -> str | None:
    """The printed title: the line naming the definition's title, else the last short line before
    the table that ends as a form title does (an office's own title, "后勤管理处廉政风险防控措施表")."""
    keys = [t for t in (squash(x) for x in [definition.title, *definition.title_synonyms]) if t]
    for line in _title_lines(lines, settings):
        if any(k in squash(line) for k in keys):
            return VOCABULARY.annex_prefix_re.sub("", clean(line)) or None
    own = [t for ln in _title_lines(lines if before is None else before, settings) if (t := VOCABULARY.annex_prefix_re.sub("", squash(ln)))
           and t.endswith(VOCABULARY.title_endings) and "：" not in t and ":" not in t]
    return own[-1] if own else None


def _mismatch(form_id: str, by_id: FormDefinition, labelled: FormDefinition) -> Problem:
    return Problem(code="form_id_mismatch", where="表单编号",
                   message=f"表单编号“{form_id}”是《{by_id.title}》，但表格的栏目更像《{labelled.title}》："
                           f"已按表单编号识别为《{by_id.title}》，请核对是否填错了表格或改动了栏目")


def build(source: str, sha256: str, layout: Layout, *, scheme: Scheme = Scheme(),
          settings: ParseSettings = DEFAULT) -> ParsedForm:
    """Everything after reading: choose the definition (form id first, else labels), read header
    and rows, place levels, check."""
    lines = [b for b in layout.blocks if isinstance(b, str)]
    for grid in layout.blocks:
        if isinstance(grid, Grid):
            collapse_column_groups(grid, settings.max_header_row, lambda text: bool(names_of(text, settings)))
    form = ParsedForm(source=source, sha256=sha256, meta=layout.meta)
    form_id, id_problem = _form_id(layout, lines)
    form.form_id = form_id
    fid = identity.parse(form_id) if form_id else None
    by_id = by_code(fid.form_code) if fid is not None else None
    titled = [*lines, *(t for b in layout.blocks if isinstance(b, Grid) for t in _banners(b))]
    match, _ = best_match(layout, titled, settings, campaign=scheme.forms)
    if by_id is not None and (match is None or match.ix.definition.id != by_id.id):
        match, _ = best_match(layout, titled, settings, only=by_id.id) if by_id.columns else (None, 0.0)
    if by_id is not None:
        fit = _best_table(layout, settings)
        if fit is not None and fit.ix.definition.id != by_id.id and (match is None or match.score < fit.score - 1e-9):
            id_problem = _mismatch(form_id, by_id, fit.ix.definition)
    if match is None:
        definition = by_id or _pledge(lines, settings)
        if definition is not None:
            _read_without_table(form, definition, layout, lines, settings)
        if id_problem:
            form.problems.append(id_problem)
        return form
    definition = match.ix.definition
    form.form_type = definition.id
    before = lines[:layout.blocks.index(match.grid)] if match.grid in layout.blocks else lines
    form.form_title = _title(titled, definition, settings, [*before, *_banners(match.grid)])
    stitched, others, end = _continuations(layout, match, settings)
    if others:  # the header is this form's, not the next one's
        lines = [b for b in layout.blocks[:end] if isinstance(b, str)]
    table = read_rows(match, stitched, settings)
    used = {id(g) for g, _, _ in stitched}
    other_rows = [row for b in layout.blocks[:end] if isinstance(b, Grid) and id(b) not in used for row in b.rows]
    values = hdr.read_lines(definition, lines)
    for k, v in hdr.read_cells(definition, table.field_rows + other_rows).items():
        if v or k not in values:
            values[k] = v
    for k, v in table.field_columns.items():
        if not values.get(k):
            values[k] = v
    _name_with_post(values)
    if "unit" not in values and definition.header_field("unit") is not None:
        unit = _unit_before_title(form.form_title, definition)
        if unit:
            values["unit"] = unit

    date = find_date(clean(values.get("date", ""))) or hdr.find_any_date(before) \
        or hdr.find_any_date([c.text for row in table.field_rows for c in row]) or hdr.find_any_date(lines)
    form.header = Header(unit=values.get("unit") or None, name=values.get("name") or None,
                         position=values.get("position") or None, date=date,
                         extra={k: v for k, v in values.items() if k not in ("unit", "name", "position", "date")})

    level_col = definition.level_column
    written = [r.values.get(level_col.key) for r in table.rows] if level_col else []
    note = "\n".join([*lines, *table.notes])
    levels = choose_scheme(levels=scheme.levels, note_text=note, written=written)
    graded = graded_levels(written, levels)
    form.levels = list(levels) if level_col else []
    post_levels = list(scheme.post_levels or VOCABULARY.default_post_levels)
    header_duty = values.get("duty") or None

    used_seq: set[int] = set()
    last = 0
    for row in table.rows:
        v = row.values
        numbered, name = _list_marker(v.get("name", ""), v.get("seq", ""))
        seq = _seq(v.get("seq", "") or numbered, used_seq, last)
        used_seq.add(seq)
        last = seq
        record = RiskRecord(seq=seq, name=name, where=row.where)
        for col in definition.columns:
            text = v.get(col.key, "")
            if col.key in ("seq", "name"):
                continue
            if col.type == "level":
                if text:
                    placed = graded.get(text) or place_level(text, levels)
                    record.level, record.level_scheme, record.level_rank = placed
                    record.level_label = text
            elif col.type == "category":
                record.category = canonical_category(text, scheme.categories)
            elif col.key in ("description", "measures", "review", "duty"):
                setattr(record, col.key, text or None)
            elif col.type == "post_level":
                record.extra[col.key] = text or None
                if text and token(text):
                    record.extra["post_level_place"] = place_level(text, post_levels).place
            else:
                record.extra[col.key] = text or None
        if record.duty is None and header_duty:
            record.duty = header_duty
        form.risks.append(record)

    signed = {c.key: any(r.values.get(c.key) for r in table.rows) for c in definition.columns if c.signature}
    if not table.rows:
        signed = {}
    form.problems = checks.check(form, definition, values, set(values), signed, settings)
    form.problems += _risks_below(layout.blocks[layout.blocks.index(stitched[-1][0]) + 1:end], last)
    if others:
        form.problems.append(_several(definition, form.header.name, others))
    if id_problem:
        form.problems.append(id_problem)
    return form


#: A name with its post in brackets after it, as people fill a 姓名 field ("郑晓东（部长）").
_NAME_POST_RE = re.compile(r"(\S{2,4}?)\s*[（(]\s*([^（()）]{1,15}?)\s*[）)]")
#: A year before a title ("2012年度"), before or after the unit: no part of it.
_YEAR_RE = re.compile(r"^(?:19|20)\d{2}年度?|(?:19|20)\d{2}年度?$")


def _name_with_post(values: dict[str, str]) -> None:
    """Split "郑晓东（部长）" in the name field into the name and, where no post was read, the post."""
    m = _NAME_POST_RE.fullmatch(values.get("name") or "")
    if m:
        values["name"] = m.group(1)
        if not values.get("position") and m.group(2) not in ("男", "女"):  # a sex in brackets is no post
            values["position"] = m.group(2)


def _unit_before_title(title: str | None, definition: FormDefinition) -> str | None:
    """The unit an office wrote in front of the form's title ("组织部个人廉政风险排查评估表") when the
    form has no unit field of its own: whatever precedes the title, less a year. The matcher then
    places it among the profile's departments, or reports it, as any unit."""
    if not title:
        return None
    written = squash(title)
    at = next((i for i in (written.find(squash(t)) for t in (definition.title, *definition.title_synonyms) if t) if i >= 0), -1)
    prefix = _YEAR_RE.sub("", written[:at]) if at > 0 else ""
    return prefix or None


_NUMBERED_RE = re.compile(r"^\s*[（(]?\s*(\d{1,3})\s*[.、．)）]\s*(\S.*)")


def _risks_below(blocks: list, last: int) -> list[Problem]:
    """Risk points typed under the table when its rows ran out: lines numbered on from the last row
    ("4、…" after row 3). They are not read as risks (no columns say what is what), never dropped
    silently: each is reported for the sender to put into the table."""
    out = []
    for b in blocks:
        if not isinstance(b, str):
            break
        m = _NUMBERED_RE.match(b)
        if m and int(m[1]) == last + 1:
            last += 1
            out.append(Problem(code="risk_below_table", where="表格下方",
                               message=f"表格下方写有第{last}条“{clean(m[2])[:40]}”，不在表格内，未计入风险点；"
                                       "请把它填进表格（可加行）后重新报送"))
    return out


def _several(definition: FormDefinition, first: str | None, others: list[str]) -> Problem:
    """One file holding several people's forms: only the first is read, the file goes back to be split."""
    names = "、".join(n for n in [first or "?", *others])
    return Problem(code="several_forms", where="全文",
                   message=f"一个文件中有 {len(others) + 1} 份《{definition.title}》（{names}），只读取了第一份；"
                           "请每人一份表格分别保存为一个文件后重新报送")


def _pledge(lines: list[str], settings: ParseSettings) -> FormDefinition | None:
    """A pledge (承诺书) without a form id has no risk table to match: its printed title names it."""
    pledges = [d for d in registry().values() if d.kind == "pledge"]
    heads = [squash(ln) for ln in _title_lines(lines, settings)]
    best, best_len = None, 0
    for d in pledges:
        for t in (squash(x) for x in [d.title, *d.title_synonyms]):
            if t and len(t) > best_len and any(t in h for h in heads):
                best, best_len = d, len(t)
    return best


def _read_without_table(form: ParsedForm, definition: FormDefinition, layout: Layout, lines: list[str],
                        settings: ParseSettings) -> None:
    """The header fields of a form with no table to read: a pledge, or a form whose id names a
    definition whose table is not in the file; no risks."""
    form.form_type = definition.id
    form.form_title = _title(lines, definition, settings)
    values = hdr.read_lines(definition, lines)
    rows = [row for b in layout.blocks if isinstance(b, Grid) for row in b.rows]
    for k, v in hdr.read_cells(definition, rows).items():
        if v or k not in values:
            values[k] = v
    date = find_date(clean(values.get("date", ""))) or hdr.find_any_date(lines)
    form.header = Header(unit=values.get("unit") or None, name=values.get("name") or None,
                         position=values.get("position") or None, date=date,
                         extra={k: v for k, v in values.items() if k not in ("unit", "name", "position", "date")})
    form.problems = checks.check(form, definition, values, set(values), {}, settings)


def _form_id(layout: Layout, lines: list[str]):
    """The issued id: custom property first (Word keeps it through edits), then 表单编号 text."""
    prop = layout.custom.get(FORM_ID_PROPERTY)
    if prop:
        fid = identity.parse(prop)
        if fid:
            return str(fid), None
    texts = [layout.footer, *(ln for ln in lines
                              if any(w in ln for w in VOCABULARY.form_id_words) or "LZ" in ln.upper())]
    for text in texts:
        fid = identity.parse(text or "")
        if fid:
            return str(fid), None
    return None, checks.form_id_problem([t for t in texts if t] + ([prop] if prop else []))
