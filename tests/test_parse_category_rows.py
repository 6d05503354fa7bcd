"""Risk rows whose category is spelt like a header field, and grouped measure columns, read back."""

from __future__ import annotations

from conftest import make_workspace

from pipeline import api
from pipeline.forms import get
from pipeline.parse import parse_file
from pipeline.testing import fill_form, sample_rows


def _filled(tmp_path, profile: str, form_type: str, levels: list[str], **overrides):
    ws = make_workspace(tmp_path, profile)
    person = ws.roster[0]
    definition = get(form_type)
    api.make_forms(ws, person=person.staff_id, form_type=form_type, progress=False, jobs=1)
    src = next(p for p in (ws.outbox / "forms").rglob("*.docx")
               if person.staff_id in str(p) and definition.title in p.name)
    rows = [dict(r, **overrides) for r in sample_rows(person.name, definition, levels)]
    return ws, person, rows, fill_form(src, tmp_path / "r.docx", definition, rows)


def test_category_named_like_a_field_is_a_risk_row(tmp_path) -> None:
    """003's category rows typed over with 岗位职责 — also the label of the in-table duty field."""
    ws, person, rows, path = _filled(tmp_path, "003-gzwy", "003-person-control", ["A", "B", "C"], category="岗位职责")
    form = parse_file(path, profile=ws.profile)
    assert [r.name for r in form.risks] == [r["name"] for r in rows]
    assert [r.level_scheme for r in form.risks] == ["A", "B", "C"]
    assert {r.category for r in form.risks} == {"岗位职责风险"}  # the category as 003 spells it
    assert all(r.duty == person.duty for r in form.risks)  # the field row 岗位职责 | duty is still a field
    assert form.header.name == person.name


def test_three_measure_columns_under_one_group_header(tmp_path) -> None:
    ws, _, rows, path = _filled(tmp_path, "000-ccmc", "000-person-control", ["一级", "二级", "三级"])
    form = parse_file(path, profile=ws.profile)
    assert [r.name for r in form.risks] == [r["name"] for r in rows]
    assert [r.extra["measures_monitor"] for r in form.risks] == [r["measures_monitor"] for r in rows]
    assert [r.extra["measures_disposal"] for r in form.risks] == [r["measures_disposal"] for r in rows]
    assert all(r.measures and "严格执行" in r.measures for r in form.risks)
