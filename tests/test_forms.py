"""Generated annex forms: pre-filled, identified three ways, readable by LibreOffice, recorded once.

One form per form type is generated from the bundled profile that lists it, all are converted
in ONE soffice run and page 1 of each is rendered at 150 dpi; the per-type tests then read the
.docx, the PDF text and the QR code of the same file.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
import pdfplumber
import pytest
from docx.oxml.ns import qn

from conftest import bundled_profiles, make_workspace, needs_soffice
from pipeline.campaign import identity
from pipeline._exec import soffice
from pipeline.errors import UsageError
from pipeline.forms import registry
from pipeline.generate.forms import generate_forms, to_pdf
from pipeline.workspace import Workspace

FORM_TYPES = sorted(registry())


@dataclass
class Generated:
    form_type: str
    ws: Workspace
    docx: Path
    expect: list[str]  # pre-filled values that must show: name, unit …
    pdf: Path | None = None
    png: Path | None = None


def _lists(profile: str, form_type: str) -> bool:
    from conftest import PROFILES
    from pipeline.profile import load_profile

    return form_type in load_profile(PROFILES / profile / "profile.toml").annexes.forms


def _one(ws: Workspace, form_type: str) -> Generated:
    """Generate one form of ``form_type`` for one subject that should receive it."""
    definition = registry()[form_type]
    profile = ws.profile
    if definition.audience == "person":
        person = next(p for p in ws.roster if (not definition.tiers or p.tier in definition.tiers) and p.duty)
        paths = generate_forms(ws, person=person.staff_id, form_type=form_type, jobs=1, progress=False)
        # A leader's unit is the institution, not the office the roster files them under.
        expect = [person.name, profile.institution.name if person.tier == "领导班子" else person.department]
    elif definition.audience == "department":
        dept = profile.departments[0]
        paths = generate_forms(ws, department=dept.code, form_type=form_type, jobs=1, progress=False)
        expect = [dept.name]
    else:
        paths = generate_forms(ws, form_type=form_type, jobs=1, progress=False)
        expect = [profile.institution.name]
    assert len(paths) == 1
    return Generated(form_type, ws, paths[0], expect)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Generated]:
    root = tmp_path_factory.mktemp("forms")
    workspaces = {name: make_workspace(root, name) for name in bundled_profiles()}
    out = {}
    for form_type in FORM_TYPES:
        name = next(n for n in workspaces if _lists(n, form_type))
        out[form_type] = _one(workspaces[name], form_type)
    if soffice.find():
        # Every person's form has the same file name: copy under unique names, convert in one run.
        batch = root / "batch"
        batch.mkdir()
        copies = []
        for form_type, g in out.items():
            copies.append(batch / f"{form_type}.docx")
            shutil.copy(g.docx, copies[-1])
        soffice.convert(copies, root / "pdf")
        for form_type, g in out.items():
            g.pdf = root / "pdf" / f"{form_type}.pdf"
            if g.pdf.exists():
                subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile",
                                str(g.pdf), str(root / "pdf" / form_type)], check=True)
                g.png = root / "pdf" / f"{form_type}.png"
    return out


def _custom(path: Path) -> dict[str, str]:
    xml = zipfile.ZipFile(path).read("docProps/custom.xml").decode()
    return dict(re.findall(r'name="([^"]+)"><vt:lpwstr>([^<]*)<', xml))


def _all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [c.text for row in table.rows for c in row.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("form_type", FORM_TYPES)
def test_docx_is_prefilled_and_identified(generated: dict[str, Generated], form_type: str) -> None:
    g = generated[form_type]
    definition = registry()[form_type]
    props = _custom(g.docx)
    form_id = identity.parse(props["lianzheng_form_id"])
    assert form_id is not None and str(form_id) == props["lianzheng_form_id"]
    assert form_id.form_code == definition.code and form_id.campaign == g.ws.profile.campaign.code
    assert props["lianzheng_form_type"] == form_type and props["lianzheng_version"] == "1"
    assert props["lianzheng_subject"] == form_id.subject
    document = docx.Document(g.docx)
    assert document.core_properties.identifier == str(form_id)
    footer = document.sections[0].footer.paragraphs[0].text
    assert f"表单编号：{form_id}" in footer
    text = _all_text(document)
    for value in g.expect:
        assert value in text
    assert "{{" not in text and "@@LZ" not in text
    if definition.columns:
        rows = [r for r in document.tables[0].rows if r._tr.trPr is not None
                and r._tr.trPr.find(qn("w:tblHeader")) is not None]
        assert [c.text for c in rows[-1].cells] == [c.label for c in definition.columns]
    label = g.ws.profile.annexes.annex_label(form_type)
    assert g.docx.name == f"{label}-{definition.title}.docx"
    assert document.paragraphs[0].text == label


def test_annex_numbers_follow_the_plans_annex_list(generated: dict[str, Generated]) -> None:
    """001's plan makes its leadership list 附件1, so its forms are 附件2–4, as in the original;
    the other profiles number their forms from 1."""
    for form_type, g in generated.items():
        annexes = g.ws.profile.annexes
        if form_type.startswith("001-"):
            expected = {"001-leader-control": "附件2", "001-middle-control": "附件3", "001-staff-control": "附件4"}[form_type]
        else:
            assert not annexes.leadership_list
            expected = f"{annexes.label}{annexes.forms.index(form_type) + 1}"
        assert g.docx.name.startswith(f"{expected}-"), g.docx.name
        assert docx.Document(g.docx).paragraphs[0].text == expected


@needs_soffice
@pytest.mark.parametrize("form_type", FORM_TYPES)
def test_pdf_shows_prefill_footer_and_qr(generated: dict[str, Generated], form_type: str) -> None:
    import zxingcpp
    from PIL import Image

    g = generated[form_type]
    assert g.pdf is not None and g.pdf.exists(), "LibreOffice did not convert the form"
    form_id = _custom(g.docx)["lianzheng_form_id"]
    with pdfplumber.open(g.pdf) as pdf:
        first = re.sub(r"\s+", "", pdf.pages[0].extract_text() or "")
        whole = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in pdf.pages))
    for value in g.expect:
        assert value in first
    assert f"表单编号：{form_id}" in whole
    codes = [r.text for r in zxingcpp.read_barcodes(Image.open(g.png))]
    assert codes == [form_id]


def test_paths_follow_the_audience(generated: dict[str, Generated]) -> None:
    person = generated["002-person-assessment"]
    rel = person.docx.relative_to(person.ws.outbox / "forms")
    assert len(rel.parts) == 3 and re.fullmatch(r"[A-Z0-9]+-.+", rel.parts[1])
    dept = generated["002-unit-assessment"]
    assert len(dept.docx.relative_to(dept.ws.outbox / "forms").parts) == 2
    inst = generated["003-unit-control"]
    assert inst.docx.parent == inst.ws.outbox / "forms"


def test_merged_duty_cell_is_prefilled(generated: dict[str, Generated]) -> None:
    g = generated["002-person-assessment"]
    person = next(p for p in g.ws.roster if p.name == g.expect[0])
    table = docx.Document(g.docx).tables[0]
    column = [row.cells[0].text for row in table.rows[1:]]
    assert column == [person.duty] * 5  # one cell merged over the five rows
    assert [row.cells[1].text for row in table.rows[1:]] == ["1", "2", "3", "4", "5"]


def test_category_rows_follow_the_profile(generated: dict[str, Generated]) -> None:
    g = generated["000-person-selfcheck"]
    table = docx.Document(g.docx).tables[0]
    assert [row.cells[0].text for row in table.rows[1:]] == g.ws.profile.categories
    g = generated["000-unit-selfcheck"]
    table = docx.Document(g.docx).tables[0]
    assert [row.cells[0].text for row in table.rows[1:]] == ["业务流程", "制度机制", "外部环境"]


def test_note_uses_the_profile_levels(generated: dict[str, Generated]) -> None:
    text = _all_text(docx.Document(generated["002-person-assessment"].docx))
    assert "从低到高依次分为一级、二级、三级" in text  # 002: 一级 is the lowest


@pytest.fixture
def small(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path)


def test_unknown_choices_are_usage_errors(small: Workspace) -> None:
    with pytest.raises(UsageError) as e:
        generate_forms(small, department="宣传部", progress=False)
    assert e.value.exit_code == 2 and "没有部门“宣传部”" in str(e.value) and "组织部" in str(e.value)
    with pytest.raises(UsageError) as e:
        generate_forms(small, person="99999", progress=False)
    assert "99999" in str(e.value) and small.roster[0].staff_id in str(e.value)
    with pytest.raises(UsageError) as e:
        generate_forms(small, form_type="001-leader-control", progress=False)
    assert "002-person-assessment" in str(e.value) and "个人廉政风险排查评估表" in str(e.value)
    with pytest.raises(UsageError) as e:  # a person does not get a department form
        generate_forms(small, person=small.roster[0].staff_id, form_type="002-unit-measures", progress=False)
    assert "没有要生成的表单" in str(e.value)
    assert not (small.outbox / "forms").exists()


def test_rerun_reuses_ids_and_adds_no_rows(small: Workspace) -> None:
    first = generate_forms(small, department="人事处", jobs=2, progress=False)
    ids = {p: _custom(p)["lianzheng_form_id"] for p in first}
    db = sqlite3.connect(small.store_dir / "lianzheng.sqlite3")
    count = db.execute("select count(*) from issued_forms").fetchone()[0]
    people = [p for p in small.roster if p.department == "人事处"]
    assert count == len(first) == 2 * len(people) + 2
    again = generate_forms(small, department="人事处", jobs=1, progress=False)
    assert again == first and {p: _custom(p)["lianzheng_form_id"] for p in again} == ids
    assert db.execute("select count(*), max(version) from issued_forms").fetchone() == (count, 1)
    assert set(r[0] for r in db.execute("select form_id from issued_forms")) == set(ids.values())


def test_tier_rule_picks_the_form(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, "001-zcjt")
    want = {"领导班子": "001-leader-control", "中层": "001-middle-control", "一般工作人员": "001-staff-control"}
    for tier, form_type in want.items():
        person = next(p for p in ws.roster if p.tier == tier)
        paths = generate_forms(ws, person=person.staff_id, jobs=1, progress=False)
        assert [_custom(p)["lianzheng_form_type"] for p in paths] == [form_type]
    paths = generate_forms(ws, jobs=2, progress=False)
    assert len(paths) == len(ws.roster)  # every person exactly one tiered form


@needs_soffice
def test_pdf_batches_same_named_forms(small: Workspace) -> None:
    paths = generate_forms(small, department="组织部", form_type="002-person-measures", jobs=1, progress=False)
    assert len(paths) >= 2 and len({p.name for p in paths}) == 1
    pdfs = to_pdf(paths[:3])
    assert pdfs == [p.with_suffix(".pdf") for p in paths[:3]]
    for docx_path, pdf_path in zip(paths, pdfs):
        with pdfplumber.open(pdf_path) as pdf:
            text = re.sub(r"\s+", "", pdf.pages[0].extract_text())
        assert _custom(docx_path)["lianzheng_form_id"] in text
