"""Word templates for the annex forms, built from the form definitions.

``python -m pipeline.generate.templates`` (re)writes ``templates/<form id>.docx`` for every
definition. The definition stays the single source of truth: the header labels printed here are
exactly the definition's labels (the parser finds the table by them), and nothing about a form's
columns is written anywhere else.

The templates are docxtpl templates: Jinja tags sit in the Word text, so an office can restyle a
template in Word (fonts, widths, a logo) and keep the tags. The variables are:

* per profile (filled once per campaign): ``annex_label`` (附件1 / 附表3 — the form's place in the
  profile's annex list), ``note`` (备注 with the profile's level scheme), ``rows`` (the numbered
  blank rows, or one row per risk category: ``r.seq``, ``r.category``), ``date`` (the due date),
  ``institution``; the custom properties' ``campaign`` and ``form_type``;
* per subject: ``department``, ``name``, ``position``, ``post``, ``duty``, ``staff_id``, ``head``,
  ``supervisor`` (the names of :data:`pipeline.forms.HEADER_SOURCES`), ``form_id``, ``subject``,
  ``version``; and the QR code picture in the footer (named ``lianzheng_qr``), swapped per form.

Where each header field goes is the definition's (``in_table``, ``placement``, ``full_row``, see
:class:`pipeline.forms.HeaderField`); this module only draws it, following the seeds:
* line fields with ``placement = "above"`` share the header lines over the table, the date
  right-aligned on the last one; ``"below"`` ones are right-aligned lines under the table;
* in-table fields become label/value rows, over the column header or under the risk rows; a
  ``full_row`` field takes a row of its own, the others share a row in pairs;
* signature fields become lines under the table, right-aligned, as in the seeds.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from pipeline.forms import Column, FormDefinition, HeaderField, registry
from pipeline.generate import qr
from pipeline.generate.ooxml import (finish, FONT_HEI, FONT_SONG, FONT_XBS, SIZE, repeat_header_row, set_page,
                                     set_run_font, set_style_font, set_table_borders)
from pipeline.workspace import REPO_ROOT

TEMPLATES_DIR = REPO_ROOT / "templates"

#: docPr/@descr of the footer picture that carries the form id; the renderer finds it by this.
QR_NAME = "lianzheng_qr"
QR_SIZE_MM = 18
#: Custom document properties (docProps/custom.xml) and the template variable filling each.
CUSTOM_PROPERTIES = {
    "lianzheng_form_id": "form_id",
    "lianzheng_campaign": "campaign",
    "lianzheng_form_type": "form_type",
    "lianzheng_subject": "subject",
    "lianzheng_version": "version",
}
CUSTOM_PART = "/docProps/custom.xml"
CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"

MARGIN_MM = {"top": 20, "bottom": 26, "left": 20, "right": 20}
FOOTER_DISTANCE_MM = 5
#: Row heights (mm): in-table fields short / long, opinions below the rows, the column header.
FIELD_ROW_MM, LONG_ROW_MM, OPINION_ROW_MM, HEADER_ROW_MM = 8, 11, 14, 9
#: Height a form's drawn chart may take above its table (mm).
CHART_MM = 42
#: Blank rows are as tall as the page allows within these bounds, so a form fills one page.
ROW_MM = (9, 22)
#: A category row is a whole writing area (000's 单位廉政风险自查表 has three on a page): it may grow to this.
CATEGORY_ROW_MAX_MM = 60
BODY_PT = SIZE["五号"]
HEADER_LINE_PT = SIZE["小四"]
NOTE_PT = SIZE["小五"]
BLANK = "_" * 12  # a blank to write on (underlined spaces vanish in LibreOffice at a line end)
GAP = "\u3000\u3000"


def template_name(definition: FormDefinition) -> str:
    return f"{definition.id}.docx"


def variable(source: str) -> str:
    """The template variable a header source fills (``none``: nothing, the field stays blank)."""
    return "" if source == "none" else source


# --- small writers ------------------------------------------------------------------------------

def _run(paragraph, text: str, *, font: str = FONT_SONG, size: float = BODY_PT, bold: bool = False,
         underline: bool = False):
    run = paragraph.add_run(text)
    set_run_font(run, font, size, bold=bold)
    if underline:
        run.font.underline = True
    return run


def _compact(paragraph, *, before: float = 0, after: float = 0, line: float | None = None) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if line is not None:
        fmt.line_spacing = line


def _value_text(source: str) -> str:
    return "{{ %s }}" % variable(source) if variable(source) else ""


def _line_value(field: HeaderField) -> str:
    """A value printed on a line of text: the pre-fill, else the field's own blank (年 月 日) or a line.

    A pre-fill the profile leaves empty (the fill date, unless the profile asks for it) prints as
    the blank the seed shows, so the person writes it in by hand.
    """
    blank = field.blank or BLANK
    var = variable(field.source)
    return "{{ %s or '%s' }}" % (var, blank) if var else blank


def _cell_text(cell, text: str, *, bold: bool = False, align=WD_ALIGN_PARAGRAPH.CENTER,
               size: float = BODY_PT, font: str = FONT_SONG) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    _compact(paragraph)
    if text:
        _run(paragraph, text, bold=bold, size=size, font=font)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _signature_labels(definition: FormDefinition) -> list[str]:
    labels = list(definition.signatures)
    for h in definition.header:
        if h.signature and not h.in_table and not h.inside and h.label not in labels:
            labels.append(h.label)
    return labels


def usable_width_mm(definition: FormDefinition) -> float:
    """Text width of the form's page (mm)."""
    page = 297 if definition.orientation == "landscape" else 210
    return page - MARGIN_MM["left"] - MARGIN_MM["right"]


# --- parts of the page -------------------------------------------------------------------------

def _annex_and_title(doc, definition: FormDefinition) -> None:
    p = doc.add_paragraph()
    _compact(p)
    _run(p, "{{ annex_label }}", font=FONT_HEI, size=SIZE["三号"])
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _compact(p, before=4, after=8)
    _run(p, ("{{ institution }}" if definition.title_prefix else "") + definition.title, font=FONT_XBS, size=SIZE["小二"])


def _header_lines(doc, definition: FormDefinition, fields: list[HeaderField]) -> None:
    """单位：___  姓名：___  职务：___ …… 日期：___ on one or more lines above the table."""
    if not fields:
        return
    date = [f for f in fields if f.source == "date"]
    others = [f for f in fields if f.source != "date"]
    per_line = 4 if definition.orientation == "landscape" else 3
    lines = [others[i:i + per_line] for i in range(0, len(others), per_line)] or [[]]
    right = Mm(usable_width_mm(definition))
    for n, line in enumerate(lines):
        p = doc.add_paragraph()
        _compact(p, after=4)
        p.paragraph_format.tab_stops.add_tab_stop(right, WD_TAB_ALIGNMENT.RIGHT)
        for i, f in enumerate(line):
            if i:
                _run(p, GAP, size=HEADER_LINE_PT)
            _run(p, f"{f.label}：", size=HEADER_LINE_PT)
            _run(p, _line_value(f), size=HEADER_LINE_PT, underline=bool(variable(f.source)))
        if n == len(lines) - 1:
            for f in date:
                _run(p, "\t" + f"{f.label}：", size=HEADER_LINE_PT)
                _run(p, _line_value(f), size=HEADER_LINE_PT)


def _set_widths(table, widths_mm: list[float]) -> None:
    tbl = table._tbl
    tblpr = tbl.tblPr
    table.autofit = False  # w:tblLayout fixed: the widths below hold in Word, WPS and LibreOffice
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(int(sum(widths_mm) * 56.7)))
    for col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths_mm):
        col.set(qn("w:w"), str(int(width * 56.7)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm):
            cell.width = Mm(width)


def _field_rows(fields: list[HeaderField], widths: list[float]) -> list[list[tuple[int, int, HeaderField | None]]]:
    """Lay in-table fields out on the column grid: rows of (first column, last column, field or None for the label).

    A long field takes a row: a label cell of about 15 % of the width, the value over the rest.
    Short fields share a row in pairs when some split of the columns gives both labels a
    readable width (8–30 %) and both values at least a fifth of the table; else one per row.
    A grouped long field (seed 003's 一岗双责 pair) gives its first column to the group's label,
    merged over the group's rows, and writes its own label at the head of its value cell.
    """
    n, total = len(widths), sum(widths)
    edges = [sum(widths[:i]) for i in range(n + 1)]  # edges[i]: left of column i

    def width(first: int, last: int) -> float:
        return edges[last + 1] - edges[first]

    label = min(range(n - 1), key=lambda k: abs(width(0, k) - 0.15 * total))
    pair = max(
        ((a, m, b) for a in range(n) for m in range(a + 1, n) for b in range(m + 1, n - 1)
         if all(0.08 * total <= width(*s) <= 0.3 * total for s in ((0, a), (m + 1, b)))
         and min(width(a + 1, m), width(b + 1, n - 1)) >= 0.2 * total),
        key=lambda s: min(width(s[0] + 1, s[1]), width(s[2] + 1, n - 1)), default=None)
    # Short fields pair up in order of appearance, a pair printed where its first field stands, so
    # 姓名 … 职务 share a row even when a long field (岗位职责) is declared between them.
    slots: list[list[HeaderField]] = []
    open_slot: list[HeaderField] | None = None
    for f in fields:
        if f.full_row:
            slots.append([f])
        elif open_slot is not None and pair:
            open_slot.append(f)
            open_slot = None
        else:
            open_slot = [f]
            slots.append(open_slot)
    rows: list[list[tuple[int, int, HeaderField | None]]] = []
    for slot in slots:
        first = slot[0]
        if len(slot) == 2:
            a, m, b = pair
            rows.append([(0, a, None), (a + 1, m, first), (m + 1, b, None), (b + 1, n - 1, slot[1])])
        elif first.group:  # the group's cell in the first column; the field's label leads its value
            rows.append([(0, 0, None), (1, n - 1, first)])
        else:
            rows.append([(0, label, None), (label + 1, n - 1, first)])
    return rows


def _fill_field_row(table, row_index: int, layout: list[tuple[int, int, HeaderField | None]],
                    *, height_mm: float, feet: dict[str, list[HeaderField]], group_above: str) -> None:
    """One row of in-table fields: label cells, value cells (with their foot and the fields printed
    inside them), and a group cell merged with the one above when the group continues."""
    row = table.rows[row_index]
    fields = [f for _, _, f in layout if f is not None]
    row.height = Mm(max([height_mm, *(f.room for f in fields)]))
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    cells = list(row.cells)
    group = fields[0].group if len(fields) == 1 else ""
    labels = iter(fields)
    merged = []
    for start, end, field in layout:
        cell = cells[start].merge(cells[end]) if end > start else cells[start]
        merged.append((cell, field))
    if group:
        cell = merged.pop(0)[0]
        if group == group_above:
            table.rows[row_index - 1].cells[0].merge(cell)
        else:
            _cell_text(cell, group, bold=True)
    for cell, field in merged:
        if field is None:
            _cell_text(cell, next(labels).label, bold=True)
        elif group:
            _cell_text(cell, f"{field.label}：", bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)
            _run(cell.paragraphs[0], _value_text(field.source))
        else:
            _cell_text(cell, _value_text(field.source), align=WD_ALIGN_PARAGRAPH.LEFT)
            _cell_foot(cell, field, feet.get(field.key, []))


def _cell_foot(cell, field: HeaderField, inside: list[HeaderField]) -> None:
    """The foot of an opinion or pledge cell: the fields printed in it (领导签名), then its date line,
    right-aligned at the bottom so the room above stays free for handwriting."""
    lines = [f"{f.label}：" + "\u3000" * 6 if f.signature else (_line_value(f) if f.blank else f"{f.label}：{_line_value(f)}")
             for f in inside]
    if field.foot:
        lines.append(field.foot)
    if not lines:
        return
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    for text in lines:
        p = cell.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _compact(p, after=2)
        _run(p, text + GAP)


def _column_header(table, first_row: int, columns: list[Column]) -> int:
    """Write the column labels; a ``group`` label spans its columns on a row above. Returns rows used."""
    grouped = any(c.group for c in columns)
    top = table.rows[first_row].cells
    if not grouped:
        for cell, c in zip(top, columns):
            _cell_text(cell, c.label, bold=True)
        return 1
    below = table.rows[first_row + 1].cells
    i = 0
    while i < len(columns):
        c = columns[i]
        if not c.group:
            cell = top[i].merge(below[i])
            _cell_text(cell, c.label, bold=True)
            i += 1
            continue
        j = i
        while j + 1 < len(columns) and columns[j + 1].group == c.group:
            j += 1
        cell = top[i].merge(top[j]) if j > i else top[i]
        _cell_text(cell, c.group, bold=True)
        for k in range(i, j + 1):
            _cell_text(below[k], columns[k].label, bold=True)
        i = j + 1
    return 2


def _data_row_text(c: Column) -> str:
    """What a loop row's cell holds: the row number, the category, a pre-fill, or nothing."""
    if c.type == "seq":
        return "{{ r.seq }}"
    if c.type == "category":
        return "{{ r.category }}"
    fill = _value_text(c.prefill)
    if c.merged:
        # docxtpl's {% vm %}: the first loop row opens a vertical merge, the others continue it.
        return fill + "{% vm %}"
    return fill


def _row_height(definition: FormDefinition, table_mm: float) -> float:
    """Height of a blank row so that the form fills about one page (an estimate of the text above and below)."""
    page = 210 if definition.orientation == "landscape" else 297
    body = page - MARGIN_MM["top"] - MARGIN_MM["bottom"]
    per_line = usable_width_mm(definition) / (NOTE_PT * 0.3528)
    note_lines = -(-(len(definition.note) + len(definition.copies)) // int(per_line))
    header_fields = [h for h in definition.header if not h.in_table and not h.signature]
    header_lines = max(1, -(-len(header_fields) // (4 if definition.orientation == "landscape" else 3)))
    body_lines = sum(-(-len(t) // int(usable_width_mm(definition) / (SIZE["小四"] * 0.3528)))
                     for t in definition.body.splitlines() if t.strip())
    fixed = 7 + 14 + 7 * header_lines + table_mm + 4.5 * note_lines + 8 * body_lines
    fixed += 14 if _signature_labels(definition) else 0
    fixed += CHART_MM + 6 if definition.chart else 0
    rows = len(definition.row_categories) or (6 if definition.rows_from == "categories" else definition.blank_rows)
    upper = CATEGORY_ROW_MAX_MM if definition.rows_from == "categories" else ROW_MM[1]
    return max(ROW_MM[0], min(upper, (body - fixed - 10) / max(rows, 1)))


def _table(doc, definition: FormDefinition) -> None:
    columns = definition.columns
    total = sum(c.width for c in columns)
    widths = [c.width / total * usable_width_mm(definition) for c in columns]
    in_table = [h for h in definition.header if h.in_table and not h.signature]
    top = _field_rows([f for f in in_table if f.placement == "above"], widths)
    bottom = _field_rows([f for f in in_table if f.placement == "below"], widths)
    header_rows = 2 if any(c.group for c in columns) else 1
    n_rows = len(top) + header_rows + 3 + len(bottom)
    table = doc.add_table(rows=n_rows, cols=len(columns))
    table.autofit = False
    set_table_borders(table)
    _set_widths(table, widths)
    feet: dict[str, list[HeaderField]] = {}
    for h in definition.header:
        if h.inside:
            feet.setdefault(h.inside, []).append(h)
    top_heights = [max([LONG_ROW_MM if any(f and f.full_row for *_, f in layout) else FIELD_ROW_MM,
                        *(f.room for *_, f in layout if f)]) for layout in top]
    group = ""
    for i, (layout, height) in enumerate(zip(top, top_heights)):
        _fill_field_row(table, i, layout, height_mm=height, feet=feet, group_above=group)
        group = next((f.group for *_, f in layout if f), "")
    first = len(top)
    used = _column_header(table, first, columns)
    for i in range(first + used):
        repeat_header_row(table.rows[i])
    for i in range(first, first + used):
        table.rows[i].height = Mm(HEADER_ROW_MM / used)
        table.rows[i].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    loop = first + used
    _run(table.rows[loop].cells[0].paragraphs[0], "{%tr for r in rows %}")
    _run(table.rows[loop + 2].cells[0].paragraphs[0], "{%tr endfor %}")
    data = table.rows[loop + 1]
    bottom_heights = [max([OPINION_ROW_MM, *(f.room for *_, f in layout if f)]) for layout in bottom]
    taken = sum(top_heights) + HEADER_ROW_MM + sum(bottom_heights)
    data.height = Mm(_row_height(definition, taken))
    data.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    for cell, c in zip(data.cells, columns):
        align = WD_ALIGN_PARAGRAPH.CENTER if c.type in ("seq", "category", "level", "post_level") else WD_ALIGN_PARAGRAPH.LEFT
        _cell_text(cell, _data_row_text(c), align=align)
    for i, (layout, height) in enumerate(zip(bottom, bottom_heights)):
        _fill_field_row(table, loop + 3 + i, layout, height_mm=height, feet=feet, group_above="")


def _after_table(doc, definition: FormDefinition, below: list[HeaderField]) -> None:
    if definition.note or definition.copies:  # the copies run on after the note, as in the seeds
        p = doc.add_paragraph()
        _compact(p, before=4)
        _run(p, "".join(x for x in ("{{ note }}" if definition.note else "", "{{ copies }}" if definition.copies else "") if x),
             size=NOTE_PT)
    signatures = _signature_labels(definition)
    if signatures:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _compact(p, before=12)
        for i, label in enumerate(signatures):
            if i:
                _run(p, GAP, size=HEADER_LINE_PT)
            _run(p, f"{label}：", size=HEADER_LINE_PT)
            _run(p, BLANK, size=HEADER_LINE_PT)
    for field in below:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _compact(p, before=8)
        if not field.blank:
            _run(p, f"{field.label}：", size=HEADER_LINE_PT)
        _run(p, _line_value(field), size=HEADER_LINE_PT)


def _pledge_body(doc, definition: FormDefinition) -> None:
    for text in definition.body.splitlines():
        if not text.strip():
            continue
        p = doc.add_paragraph()
        _compact(p, after=2, line=1.5)
        p.paragraph_format.first_line_indent = Pt(SIZE["小四"] * 2)
        _run(p, text.strip(), size=SIZE["小四"])


def _footer(section) -> None:
    """表单编号 and the QR code, right-aligned at the foot of every page."""
    section.footer_distance = Mm(FOOTER_DISTANCE_MM)
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _compact(p)
    _run(p, "表单编号：{{ form_id }}" + "\u3000", size=SIZE["小五"])
    run = p.add_run()
    run.add_picture(io.BytesIO(qr.png("LZ-TEMPLATE-0")), width=Mm(QR_SIZE_MM), height=Mm(QR_SIZE_MM))
    doc_pr = run._r.find(".//" + qn("wp:docPr"))
    doc_pr.set("descr", QR_NAME)
    doc_pr.set("name", QR_NAME)


def _custom_properties(doc) -> None:
    """docProps/custom.xml with the identity properties, as Jinja tags the renderer fills."""
    props = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" name="{name}">'
        f"<vt:lpwstr>{{{{ {var} }}}}</vt:lpwstr></property>"
        for pid, (name, var) in enumerate(CUSTOM_PROPERTIES.items(), start=2))
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
           'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           f"{props}</Properties>")
    package = doc.part.package
    part = Part(PackURI(CUSTOM_PART), CUSTOM_CT, xml.encode("utf-8"), package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)


def _drop_leftovers(doc) -> None:
    """Drop parts of python-docx's default document that a form does not need.

    Its thumbnail shows an unrelated page, stylesWithEffects and customXml are Word 2010
    leftovers; together they are most of the bytes every generated form would repeat.
    """
    package = doc.part.package
    for rel in list(package.rels.values()):
        if rel.reltype == RT.THUMBNAIL:
            package.rels.pop(rel.rId)
    for rel in list(doc.part.rels.values()):
        if rel.reltype.rsplit("/", 1)[-1] in ("stylesWithEffects", "customXml"):
            doc.part.rels.pop(rel.rId)


def build_template(definition: FormDefinition, path: Path) -> Path:
    """Write one form's docxtpl template."""
    doc = Document()
    _drop_leftovers(doc)
    set_style_font(doc.styles["Normal"], FONT_SONG, BODY_PT)
    section = doc.sections[0]
    set_page(section, landscape=definition.orientation == "landscape", **MARGIN_MM)
    section.header_distance = Mm(10)
    _footer(section)
    body = doc.element.body
    body.remove(body[0]) if body[0].tag == qn("w:p") else None  # python-docx starts with an empty paragraph
    _annex_and_title(doc, definition)
    lines = [h for h in definition.header if not h.in_table and not h.signature and not h.inside]
    _header_lines(doc, definition, [h for h in lines if h.placement == "above"])
    if definition.chart:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _compact(p, after=6)
        _run(p, "{{ chart }}")
    if definition.kind == "pledge":
        _pledge_body(doc, definition)
    if definition.columns:
        _table(doc, definition)
    _after_table(doc, definition, [h for h in lines if h.placement == "below"])
    props = doc.core_properties
    props.title = definition.title
    props.identifier = "{{ form_id }}"
    props.author = "lianzheng"
    props.comments = f"廉政风险防控表单模板 {definition.id}（由 python -m pipeline.generate.templates 生成）"
    _custom_properties(doc)
    finish(doc)
    buf = io.BytesIO()
    doc.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_reproducible(buf.getvalue()))
    return path


def _reproducible(package: bytes) -> bytes:
    """The same bytes for the same definition: zip entries get a fixed date, so an unchanged
    template does not show up as changed in git after every rebuild."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0)), src.read(info),
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def build_templates(out_dir: Path = TEMPLATES_DIR) -> list[Path]:
    """(Re)build ``<out_dir>/<form id>.docx`` for every form definition."""
    return [build_template(d, Path(out_dir) / template_name(d)) for d in registry().values()]


if __name__ == "__main__":
    for written in build_templates():
        print(written.relative_to(REPO_ROOT) if written.is_relative_to(REPO_ROOT) else written)
