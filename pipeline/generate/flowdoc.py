"""The Word document of one power item's 权力运行流程图: title, 部门 and 职权 lines, then the
外部流程图 and the 内部流程图, each captioned and drawn at print resolution on an A4 page.

It is what a department hands in (or the office publishes) once its step table is drawn; the
labels are the 004-power-flow definition's own, so the document reads like the form it comes from.
"""

from __future__ import annotations

import io
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from pipeline.forms import get
from pipeline.generate.flowchart import FORM_TYPE, Chart
from pipeline.generate.ooxml import FONT_HEI, FONT_SONG, FONT_XBS, SIZE, finish, set_page, set_run_font, set_style_font

#: Text width and the height one chart may take on a portrait A4 page (mm).
WIDTH_MM, CHART_MM = 160, 105


def _line(document, text: str, *, font: str = FONT_SONG, size: float = SIZE["小四"], center: bool = False,
          before: float = 0, after: float = 6):
    p = document.add_paragraph()
    p.paragraph_format.space_before, p.paragraph_format.space_after = Pt(before), Pt(after)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if text:
        set_run_font(p.add_run(text), font, size)
    return p


def write_document(path: Path, drawn: list[Chart], *, department: str, power: str, institution: str = "") -> Path:
    """Write ``path`` with the charts ``drawn`` (外部 then 内部) under the form's title."""
    definition = get(FORM_TYPE)
    document = docx.Document()
    set_page(document.sections[0], top=25, bottom=25, left=25, right=25)
    set_style_font(document.styles["Normal"], FONT_SONG, SIZE["小四"])
    _line(document, f"{institution}{definition.title}" if institution else definition.title,
          font=FONT_XBS, size=SIZE["小二"], center=True, after=10)
    unit, item = definition.header_field("unit").label, definition.header_field("power").label
    _line(document, f"{unit}：{department or '　' * 8}\u3000\u3000{item}：{power or '　' * 8}")
    for chart in drawn:
        _line(document, chart.title, font=FONT_HEI, size=SIZE["四号"], center=True, before=8)
        width, height = chart.size_mm(WIDTH_MM, CHART_MM)
        p = _line(document, "", center=True)
        p.add_run().add_picture(io.BytesIO(chart.png), width=Mm(width), height=Mm(height))
    props = document.core_properties
    props.title = definition.title
    props.comments = ""
    finish(document)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
