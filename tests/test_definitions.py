"""The form definitions: every seed form of DOMAIN.md has one, they load, and their keys mean one thing."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from pipeline.forms import DEFINITIONS, RISK_FIELDS, FormDefinition, by_code, get, registry

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: The shared domain notes sit beside the clone (``../shared``), in CI as on a developer's machine.
DOMAIN = Path(__file__).resolve().parents[2] / "shared" / "DOMAIN.md"

#: DOMAIN.md's table of the annex forms in the seeds, as (seed, title) → (id, code). The brief fixes
#: these ids and codes because the renderer, parser and profiles refer to them.
SEED_FORMS: dict[str, tuple[str, str, str]] = {
    "000-unit-power-items": ("A01", "000", "单位风险权力事项登记表"),
    "000-person-selfcheck": ("A02", "000", "个人岗位廉政风险自查表"),
    "000-unit-selfcheck": ("A03", "000", "单位廉政风险自查表"),
    "000-person-control": ("A04", "000", "个人岗位廉能风险识别防控表"),
    "000-unit-control": ("A05", "000", "单位廉能风险识别防控表"),
    "000-post-authority": ("A06", "000", "风险岗位职权目录表"),
    "001-leader-control": ("C02", "001", "领导班子成员廉政风险识别防控表"),
    "001-middle-control": ("C03", "001", "中层领导廉政风险识别和防控表"),
    "001-staff-control": ("C04", "001", "一般工作人员及教职工廉政风险识别和防控表"),
    "002-person-assessment": ("B21", "002", "个人廉政风险排查评估表"),
    "002-unit-assessment": ("B22", "002", "单位廉政风险排查评估表"),
    "002-person-measures": ("B23", "002", "个人廉政风险防控措施意见和建议表"),
    "002-unit-measures": ("B24", "002", "单位制定廉政风险防控措施表"),
    "003-person-control": ("D01", "003", "个人风险岗位廉能识别防控表"),
    "003-dept-control": ("D02", "003", "科（室）风险岗位廉能识别防控表"),
    "003-unit-control": ("D03", "003", "风险岗位廉能识别防控表"),
    "003-person-pledge": ("D04", "003", "个人风险岗位廉能防范承诺书"),
    "003-dept-pledge": ("D05", "003", "科室风险岗位廉能监管防范承诺书"),
    "004-authority-catalogue": ("E01", "004", "职权目录"),
    "004-power-flow": ("E02", "004", "权力运行流程"),
    "004-person-register": ("E03", "004", "个人廉政风险排查登记表"),
    "004-dept-register": ("E04", "004", "部门廉政风险排查登记表"),
}

CANONICAL_TYPES = {"seq": "seq", "level": "level", "category": "category"}


def test_every_file_loads_and_ids_match_file_names() -> None:
    files = sorted(DEFINITIONS.glob("*.toml"))
    assert len(files) == len(registry())
    for path in files:
        definition = FormDefinition.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        assert definition.id == path.stem


def test_ids_and_codes_unique() -> None:
    defs = list(registry().values())
    assert len({d.id for d in defs}) == len(defs)
    assert len({d.code for d in defs}) == len(defs)


@pytest.mark.parametrize("form_id", sorted(SEED_FORMS))
def test_seed_form_has_its_definition(form_id: str) -> None:
    code, seed, title = SEED_FORMS[form_id]
    d = get(form_id)
    assert (d.code, d.seed) == (code, seed)
    assert title in (d.title, *d.title_synonyms)
    assert by_code(code) is d


def test_domain_table_is_covered() -> None:
    """Every 000–003 title in DOMAIN.md's annex table is a definition's title or synonym."""
    assert DOMAIN.is_file(), (f"{DOMAIN} is missing: the shared domain notes (../shared beside the clone) "
                              "hold the seeds' annex table this test checks")
    titles = {t for d in registry().values() for t in (d.title, *d.title_synonyms)}
    rows = re.findall(r"^\| (00[0-3]) \| (?:附件|附表)\s*\d+ ([^|]+?)\s*(?:\(单位\)\s*)?\|", DOMAIN.read_text(encoding="utf-8"), re.M)
    assert len(rows) >= 18
    missing = [(seed, title) for seed, title in rows if title.replace("(", "（").replace(")", "）") not in titles
               and title not in titles]
    assert not missing


@pytest.mark.parametrize("form_id", sorted(registry()))
def test_canonical_columns_have_their_type(form_id: str) -> None:
    d = get(form_id)
    for column in d.columns:
        if d.kind == "risk_table" and column.key in RISK_FIELDS:
            assert column.type == CANONICAL_TYPES.get(column.key, "text"), (form_id, column.key)
        if column.key == "post_level":
            assert column.type == "post_level"
        if column.type in ("level", "category", "seq", "post_level"):
            assert column.key in (*CANONICAL_TYPES, "post_level"), (form_id, column.key)


@pytest.mark.parametrize("form_id", sorted(registry()))
def test_labels_unique_within_a_form(form_id: str) -> None:
    """The parser finds a column by any of its labels: one label must not name two columns."""
    d = get(form_id)
    seen: dict[str, str] = {}
    for column in d.columns:
        for label in column.labels:
            assert seen.setdefault(label, column.key) == column.key, (form_id, label)


@pytest.mark.parametrize("form_id", sorted(registry()))
def test_notes_render_with_a_scheme(form_id: str) -> None:
    note = get(form_id).render_note(["高", "中", "低"], ["岗位职责", "业务流程"])
    assert "{" not in note
    if "{levels_high_to_low}" in get(form_id).note:
        assert "高、中、低" in note


def test_tiered_forms_of_001() -> None:
    assert get("001-leader-control").tiers == ["领导班子"]
    assert get("001-middle-control").tiers == ["中层"]
    assert get("001-staff-control").tiers == ["一般工作人员"]
    for form_id in ("001-leader-control", "001-middle-control", "001-staff-control"):
        d = get(form_id)
        assert d.orientation == "landscape" and d.copies.startswith("本表一式三份")
        assert [c.key for c in d.columns] == ["name", "category", "level", "post_level", "measures"]


def test_category_rows() -> None:
    six = ["思想道德", "岗位职责", "工作效率", "业务流程", "制度机制", "外部环境"]
    assert get("000-person-selfcheck").category_rows(six) == six
    assert get("000-unit-selfcheck").category_rows(six) == ["业务流程", "制度机制", "外部环境"]
    assert get("000-person-control").category_rows(six) == []
    with pytest.raises(ValueError, match="row_categories"):
        FormDefinition(id="x", code="X1", seed="x", title="x", audience="person", row_categories=["甲"],
                       columns=[{"key": "name", "label": "风险点"}])


def test_measures_group_of_000() -> None:
    d = get("000-person-control")
    grouped = [c.label for c in d.columns if c.group == "防控措施"]
    assert grouped == ["前期预防", "中期监控", "后期处置"]
    assert d.column("measures").label == "前期预防"


def test_pledges() -> None:
    person, dept = get("003-person-pledge"), get("003-dept-pledge")
    assert person.kind == dept.kind == "pledge"
    assert "承诺" in person.body and not person.columns
    assert person.header_field("pledger_signature").signature
    assert [c.key for c in dept.columns] == ["name", "level", "measures"]


def test_required_identity_fields() -> None:
    """Every person form asks for unit and name, every department form for unit."""
    for d in registry().values():
        keys = {h.key for h in d.header if h.required}
        if d.audience == "person":
            assert {"unit", "name"} <= keys, d.id
        elif d.audience == "department":
            assert "unit" in keys, d.id
