"""The Word templates: built from the definitions, carrying the tags the renderer fills."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docxtpl import DocxTemplate

from pipeline.forms import registry
from pipeline.generate import templates
from pipeline.generate.forms import SUBJECT_KEYS

DEFINITIONS = sorted(registry())
PROFILE_KEYS = {"annex_label", "note", "copies", "rows", "date", "institution", "campaign", "form_type", "chart"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("templates")
    templates.build_templates(out)
    return out


def header_labels(table) -> list[str]:
    """Texts of the last repeating header row: one per column (merged cells repeat their text)."""
    header_rows = [r for r in table.rows if r._tr.trPr is not None and r._tr.trPr.find(qn("w:tblHeader")) is not None]
    return [c.text for c in header_rows[-1].cells]


@pytest.mark.parametrize("form_type", DEFINITIONS)
def test_template_shows_the_definition(built: Path, form_type: str) -> None:
    definition = registry()[form_type]
    path = built / f"{form_type}.docx"
    document = docx.Document(path)
    section = document.sections[0]
    assert (section.page_width > section.page_height) == (definition.orientation == "landscape")
    assert min(abs(section.page_width - docx.shared.Mm(w)) for w in (210, 297)) < docx.shared.Mm(0.1)
    texts = [p.text for p in document.paragraphs]
    prefix = "{{ institution }}" if definition.title_prefix else ""
    assert texts[0] == "{{ annex_label }}" and texts[1] == prefix + definition.title
    if definition.columns:
        assert header_labels(document.tables[0]) == [c.label for c in definition.columns]
        groups = {c.group for c in definition.columns if c.group}
        first_rows = {c.text for r in document.tables[0].rows[:3] for c in r.cells}
        assert groups <= first_rows
    if definition.kind == "pledge" and definition.body:
        assert definition.body.splitlines()[0].strip() in texts
    footer = section.footer.paragraphs[0]
    assert "表单编号：{{ form_id }}" in footer.text
    assert footer._p.find(".//" + qn("wp:docPr")).get("descr") == templates.QR_NAME
    custom = zipfile.ZipFile(path).read("docProps/custom.xml").decode()
    for name in templates.CUSTOM_PROPERTIES:
        assert f'name="{name}"' in custom
    # Every tag is one the renderer fills: a misspelt variable would print as nothing.
    used = DocxTemplate(str(path)).get_undeclared_template_variables()
    assert used <= SUBJECT_KEYS | PROFILE_KEYS, used - SUBJECT_KEYS - PROFILE_KEYS


def test_every_run_has_an_east_asian_font(built: Path) -> None:
    for form_type in DEFINITIONS:
        xml = zipfile.ZipFile(built / f"{form_type}.docx").read("word/document.xml").decode()
        runs = xml.count("<w:r>") + xml.count("<w:r ")
        assert runs and xml.count("w:eastAsia=") >= runs, form_type


def test_signature_lines_and_notes(built: Path) -> None:
    text = "\n".join(p.text for p in docx.Document(built / "002-person-measures.docx").paragraphs)
    assert "单位领导签字：" in text
    text = "\n".join(p.text for p in docx.Document(built / "001-leader-control.docx").paragraphs)
    assert "{{ note }}{{ copies }}" in text  # the copies line runs on after the note, as in the seed


def test_in_table_fields_are_label_cells(built: Path) -> None:
    """001's 姓名/职务 sit in the table above the columns; the opinions below the risk rows."""
    table = docx.Document(built / "001-leader-control.docx").tables[0]
    first = [c.text for c in table.rows[0].cells]
    assert "姓名" in first and "{{ name }}" in first
    last = [c.text for c in table.rows[-1].cells]
    assert any("审核意见" in t for t in last)


def test_bundled_templates_are_current(built: Path) -> None:
    """templates/*.docx match the definitions: rebuild with ``python -m pipeline.generate.templates``."""
    for form_type in DEFINITIONS:
        fresh = zipfile.ZipFile(built / f"{form_type}.docx").read("word/document.xml")
        bundled = templates.TEMPLATES_DIR / f"{form_type}.docx"
        assert bundled.is_file(), f"{bundled} missing"
        assert zipfile.ZipFile(bundled).read("word/document.xml") == fresh, f"{bundled} is stale"
