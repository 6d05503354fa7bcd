"""From a layout (lines and grids, Word or PDF alike) to a ParsedForm: which form, header, risks."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.campaign import identity
from pipeline.forms import FormDefinition, registry
from pipeline.parse import checks, header as hdr
from pipeline.parse.dates import find_date
from pipeline.parse.layout import Grid, Layout
from pipeline.parse.levels import choose_scheme, place_level, token
from pipeline.parse.table import HeaderMatch, cell_key, indexes, named_counts, match_header, read_rows, title_scores
from pipeline.parse.text import clean, label_key, squash
from pipeline.records import Header, ParsedForm, RiskRecord

CATEGORIES = ("思想道德", "岗位职责", "业务流程", "制度机制", "外部环境", "工作效率")
_CATEGORY_SUFFIX_RE = re.compile(r"(方面)?(的)?(风险|方面)$")
_LABEL_BEFORE_COLON_RE = re.compile(r"([^\s：:，。,]{1,14})\s*[:：]")
_SEQ_RE = re.compile(r"\d{1,3}")
_ANNEX_PREFIX_RE = re.compile(r"^(附件|附表)\s*\d*\s*[:：]?\s*")
FORM_ID_PROPERTY = "lianzheng_form_id"


def canonical_category(text: str, extra: Sequence[str] = ()) -> str | None:
    """"业务流程风险" → "业务流程"; unknown categories are kept as written."""
    t = clean(text).replace("\n", "")
    if not t:
        return None
    base = _CATEGORY_SUFFIX_RE.sub("", t) or t
    for c in (*CATEGORIES, *extra):
        if base == c or t == c:
            return c
    return t


def _doc_label_keys(layout: Layout, lines: list[str]) -> set[str]:
    keys = {label_key(m) for line in lines for m in _LABEL_BEFORE_COLON_RE.findall(line)}
    for b in layout.blocks:
        if isinstance(b, Grid):
            keys.update(cell_key(c.text) for row in b.rows for c in row if c.text and len(c.text) <= 16)
    return keys


def best_match(layout: Layout, lines: list[str]) -> HeaderMatch | None:
    """The (definition, table, header row) that explains the file best, title breaking ties."""
    grids = [b for b in layout.blocks if isinstance(b, Grid)]
    if not grids:
        return None
    titles = title_scores([ln for ln in lines if len(squash(ln)) <= 48])
    doc_keys = _doc_label_keys(layout, lines)
    best, best_score = None, 0.0
    candidates = {did for g in grids for counts in named_counts(g) for did, n in counts.items() if n >= 2}
    for ix in indexes():
        if ix.definition.id not in candidates:
            continue
        fields = ix.header_label_keys
        header_frac = (sum(any(k in doc_keys for k in keys) for keys in fields) / len(fields)) if fields else 0
        for grid in grids:
            m = match_header(ix, grid)
            if m is None:
                continue
            score = m.score + 1.5 * titles.get(ix.definition.id, 0) + 0.5 * header_frac
            if score > best_score:
                best, best_score = m, score
    return best


def _continuations(layout: Layout, match: HeaderMatch) -> list[tuple[Grid, int, dict]]:
    """The matched grid and the grids that continue it on later pages (header repeated or not),
    each with its first data row and its own column map."""
    out = [(match.grid, match.last + 1, match.columns)]
    blocks = layout.blocks
    i = blocks.index(match.grid) + 1
    between: list[str] = []
    while i < len(blocks):
        b = blocks[i]
        i += 1
        if isinstance(b, str):
            if b.strip():
                between.append(b)
            continue
        again = match_header(match.ix, b)
        if again is not None and {c.key for c in again.columns.values()} >= {c.key for c in match.columns.values()} - {"seq"}:
            out.append((b, again.last + 1, again.columns))
        elif again is None and b.width == match.grid.width and len(between) <= 4 and not title_scores(between):
            out.append((b, 0, match.columns))
        else:
            break
        between = []
    return out


def _seq(text: str, used: set[int], last: int) -> int:
    m = _SEQ_RE.search(text or "")
    n = int(m.group()) if m else 0
    return n if n > 0 and n not in used else last + 1


def _title(lines: list[str], definition: FormDefinition) -> str | None:
    keys = [t for t in (squash(x) for x in [definition.title, *definition.title_synonyms]) if t]
    for line in lines:
        s = squash(line)
        if len(s) <= 48 and any(k in s for k in keys):
            return _ANNEX_PREFIX_RE.sub("", clean(line)) or None
    return None


def build(source: str, sha256: str, layout: Layout, *, levels: Sequence[str] | None,
          profile) -> ParsedForm:
    """Everything after reading: match the definition, read header and rows, place levels, check."""
    lines = [b for b in layout.blocks if isinstance(b, str)]
    form = ParsedForm(source=source, sha256=sha256, meta=layout.meta)
    form_id, id_problem = _form_id(layout, lines)
    form.form_id = form_id
    match = best_match(layout, lines)
    if match is None:
        pledge = _pledge(lines, form_id)
        if pledge is not None:
            _read_pledge(form, pledge, layout, lines)
        if id_problem:
            form.problems.append(id_problem)
        return form
    definition = match.ix.definition
    form.form_type = definition.id
    form.form_title = _title(lines, definition)
    stitched = _continuations(layout, match)
    table = read_rows(match, stitched)
    used = {id(g) for g, _, _ in stitched}
    other_rows = [row for b in layout.blocks if isinstance(b, Grid) and id(b) not in used for row in b.rows]
    values = hdr.read_lines(definition, lines)
    for k, v in hdr.read_cells(definition, table.field_rows + other_rows).items():
        if v or k not in values:
            values[k] = v

    before = lines[:layout.blocks.index(match.grid)] if match.grid in layout.blocks else lines
    date = find_date(clean(values.get("date", ""))) or hdr.find_any_date(before) \
        or hdr.find_any_date([c.text for row in table.field_rows for c in row]) or hdr.find_any_date(lines)
    form.header = Header(unit=values.get("unit") or None, name=values.get("name") or None,
                         position=values.get("position") or None, date=date,
                         extra={k: v for k, v in values.items() if k not in ("unit", "name", "position", "date")})

    level_col = definition.level_column
    written = [r.values.get(level_col.key) for r in table.rows] if level_col else []
    note = "\n".join([*lines, *table.notes])
    profile_labels = profile.levels.labels if profile is not None else None
    scheme = choose_scheme(levels=levels, profile_labels=profile_labels, note_text=note, written=written)
    form.levels = list(scheme) if level_col else []
    extra_categories = tuple(profile.categories) if profile is not None else ()
    header_duty = values.get("duty") or None

    used_seq: set[int] = set()
    last = 0
    for row in table.rows:
        v = row.values
        seq = _seq(v.get("seq", ""), used_seq, last)
        used_seq.add(seq)
        last = seq
        record = RiskRecord(seq=seq, name=v.get("name", ""), where=row.where)
        for col in definition.columns:
            text = v.get(col.key, "")
            if col.key in ("seq", "name"):
                continue
            if col.type == "level":
                if text:
                    placed = place_level(text, scheme)
                    record.level, record.level_scheme, record.level_rank = placed
                    record.level_label = text
            elif col.type == "category":
                record.category = canonical_category(text, extra_categories)
            elif col.key in ("description", "measures", "review", "duty"):
                setattr(record, col.key, text or None)
            elif col.type == "post_level":
                record.extra[col.key] = text or None
                if text and token(text):
                    post = profile.levels.post_labels if profile is not None and profile.levels.post_labels else ["A", "B", "C"]
                    record.extra["post_level_place"] = place_level(text, post).place
            else:
                record.extra[col.key] = text or None
        if record.duty is None and header_duty:
            record.duty = header_duty
        form.risks.append(record)

    signed = {c.key: any(r.values.get(c.key) for r in table.rows) for c in definition.columns if c.signature}
    if not table.rows:
        signed = {}
    form.problems = checks.check(form, definition, values, set(values), signed)
    if id_problem:
        form.problems.append(id_problem)
    return form


def _pledge(lines: list[str], form_id: str | None) -> FormDefinition | None:
    """A pledge (承诺书) has no risk table to match: its form id names it, else its printed title."""
    pledges = [d for d in registry().values() if d.kind == "pledge"]
    if form_id:
        fid = identity.parse(form_id)
        found = next((d for d in pledges if fid is not None and d.code == fid.form_code), None)
        if found is not None:
            return found
    heads = [squash(ln) for ln in lines if len(squash(ln)) <= 48]
    best, best_len = None, 0
    for d in pledges:
        for t in (squash(x) for x in [d.title, *d.title_synonyms]):
            if t and len(t) > best_len and any(t in h for h in heads):
                best, best_len = d, len(t)
    return best


def _read_pledge(form: ParsedForm, definition: FormDefinition, layout: Layout, lines: list[str]) -> None:
    """Header fields of a pledge (科室, 姓名, 职务（岗位）, 承诺人签名, 日期); no risks."""
    form.form_type = definition.id
    form.form_title = _title(lines, definition)
    values = hdr.read_lines(definition, lines)
    rows = [row for b in layout.blocks if isinstance(b, Grid) for row in b.rows]
    for k, v in hdr.read_cells(definition, rows).items():
        if v or k not in values:
            values[k] = v
    date = find_date(clean(values.get("date", ""))) or hdr.find_any_date(lines)
    form.header = Header(unit=values.get("unit") or None, name=values.get("name") or None,
                         position=values.get("position") or None, date=date,
                         extra={k: v for k, v in values.items() if k not in ("unit", "name", "position", "date")})
    form.problems = checks.check(form, definition, values, set(values), {})


def _form_id(layout: Layout, lines: list[str]):
    """The issued id: custom property first (Word keeps it through edits), then 表单编号 text."""
    prop = layout.custom.get(FORM_ID_PROPERTY)
    if prop:
        fid = identity.parse(prop)
        if fid:
            return str(fid), None
    texts = [layout.footer, *(ln for ln in lines if "编号" in ln or "LZ" in ln.upper())]
    for text in texts:
        fid = identity.parse(text or "")
        if fid:
            return str(fid), None
    return None, checks.form_id_problem([t for t in texts if t] + ([prop] if prop else []))
