"""The form definitions are the only source of form knowledge, and a form's id chooses its definition.

* No module of ``pipeline/`` spells a form's Chinese column or header label as a label (a string
  literal that could be a heading: see :func:`_as_label`): layout and parsing read the definitions,
  the parser's other words are in ``pipeline/parse/vocabulary.toml``, report headings in
  ``pipeline/report/headings.toml``, roster headings in ``pipeline/roster.toml``.
* Every header field declares where it is printed (``placement``).
* A readable form id wins over the labels; when the table fits another form, the form says so.
"""

from __future__ import annotations

import ast
import copy
import sys
from pathlib import Path

import pytest

from pipeline.forms import DEFINITIONS, registry
from pipeline.parse import parse_file
from pipeline.parse.vocabulary import VOCABULARY

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ROOT / "pipeline"

#: Ordinary words that are also (short) labels of some form; messages, help texts and prose need
#: them as words ("请签字", "表单编号", "风险点过于笼统"), so they do not count as a copy of a label.
GENERIC = {
    "日期", "姓名", "部门", "单位", "类型", "等级", "内容", "编号", "岗位", "职务", "时间", "类别", "序号",
    "环节", "方面", "时限", "步骤", "学校", "签字", "备注", "依据", "科室", "职权", "填表人", "风险点",
    "负责人", "责任人",
}

#: Modules that still spell form labels as labels, each with why. This list may only shrink: a
#: module listed here that no longer holds a label fails the test, so the entry goes with the copy.
KNOWN_COPIES = {
    "pipeline/testing.py": "the test-only form filler types a made-up office's table header and a sample "
                           "category, as a person would: test data, which no definition may feed",
    "pipeline/generate/titles.py": "the title line-break dictionary holds 风险岗位 as a word not to split "
                                   "(GB/T 9704 回行时词意完整), a word of Chinese, not a column",
}


def _as_label(text: str, longest: int) -> bool:
    """Whether a string literal could be a label or heading, and so would be a copy of a form's.

    The test the parser tells a column label from cell text by: no sentence punctuation
    (``vocabulary.toml``'s ``sentence_punct``), and no longer than ``longest`` (the longest label of
    any definition). A message, hint or help sentence that merely mentions a label ("只能改风险等级、
    风险类别、审核意见，…") is prose, not a copy; a bare heading ("风险等级", "导出时风险类别",
    "-廉政风险点公示.docx") or a piece of one an f-string joins is.
    """
    text = text.strip()
    return len(text) <= longest and not any(p in text for p in VOCABULARY.sentence_punct)


def _labels() -> set[str]:
    out: set[str] = set()
    for d in registry().values():
        for c in d.columns:
            out.update([c.label, *c.synonyms, *([c.group] if c.group else [])])
        for h in d.header:
            out.update(h.labels)
    return {x for x in out if any("\u4e00" <= ch <= "\u9fff" for ch in x)} - GENERIC


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """String literals of a module, its documentation left out: docstrings and the ``description=``
    of a field (pydantic's field documentation) may name labels as examples."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                docs.add(id(first.value))
        if isinstance(node, ast.keyword) and node.arg == "description":
            docs.update(id(n) for n in ast.walk(node.value))
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def test_no_form_label_in_code() -> None:
    labels = _labels()
    assert len(labels) > 100  # the definitions were read
    longest = max(map(len, labels))
    found: dict[str, list[str]] = {}
    for path in sorted(PIPELINE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for line, text in _code_strings(path):
            hits = sorted(lab for lab in labels if lab in text) if _as_label(text, longest) else []
            if hits:
                found.setdefault(rel, []).append(f"{line}: {'、'.join(hits)}")
    new = {k: v for k, v in found.items() if k not in KNOWN_COPIES}
    assert not new, "form labels spelt in code (put them in a definition or a vocabulary file):\n" + "\n".join(
        f"{k} {v}" for k, v in new.items())
    stale = [k for k in KNOWN_COPIES if k not in found]
    assert not stale, f"these modules hold no label any more: drop them from KNOWN_COPIES: {stale}"


def test_a_heading_counts_and_a_sentence_that_mentions_a_label_does_not() -> None:
    longest = max(map(len, _labels()))
    assert 9 < longest < 40
    for heading in ("风险等级", "导出时风险类别", "-廉政风险点公示.docx", " 风险等级", "风险等级“", "风" * longest):
        assert _as_label(heading, longest), heading
    for prose in ("：受保护的列被改动（只能改风险等级、风险类别、审核意见）", "风险等级，从高到低，逗号分隔，如 三级,二级,一级",
                  "风" * (longest + 1)):
        assert not _as_label(prose, longest), prose


def test_parser_and_templates_hold_no_label_at_all() -> None:
    """The modules that decide layout and parsing are held to the rule with no exemption list."""
    labels = _labels()
    for rel in ["pipeline/forms/__init__.py", "pipeline/generate/templates.py", "pipeline/parse/form.py",
                "pipeline/parse/table.py", "pipeline/parse/header.py", "pipeline/parse/borderless.py",
                "pipeline/parse/levels.py", "pipeline/parse/checks.py", "pipeline/parse/text.py",
                "pipeline/parse/settings.py", "pipeline/parse/vocabulary.py"]:
        for line, text in _code_strings(ROOT / rel):
            assert not [lab for lab in labels if lab in text], f"{rel}:{line} {text!r}"


@pytest.mark.parametrize("path", sorted(DEFINITIONS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_header_field_declares_its_placement(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for field in data.get("header", []):
        assert field.get("placement") in ("above", "below"), f"{path.name}: {field['key']}"


# --- identity first -------------------------------------------------------------------------------

def _issued(tmp_path: Path, profile: str, form_type: str) -> Path:
    from conftest import make_workspace
    from pipeline.generate.forms import generate_forms

    ws = make_workspace(tmp_path / form_type, profile)
    tiers = registry()[form_type].tiers
    member = next(m for m in ws.roster if not tiers or m.tier in tiers)
    paths = generate_forms(ws, person=member.staff_id, form_type=form_type, jobs=1, progress=False)
    assert paths, f"{profile} issues no {form_type} to {member.staff_id}"
    return paths[0]


def test_form_id_wins_over_the_labels_and_a_swapped_table_is_reported(tmp_path: Path) -> None:
    from docx import Document

    assessment = _issued(tmp_path, "002-qztc", "002-person-assessment")
    measures = _issued(tmp_path, "002-qztc", "002-person-measures")
    plain = parse_file(measures)
    assert plain.form_type == "002-person-measures"
    assert "form_id_mismatch" not in {p.code for p in plain.problems}

    doc = Document(assessment)  # the assessment form (its id, title, header) with the measures table in it
    other = Document(measures).tables[0]._tbl
    mine = doc.tables[0]._tbl
    mine.addprevious(copy.deepcopy(other))
    mine.getparent().remove(mine)
    swapped = tmp_path / "swapped.docx"
    doc.save(swapped)

    form = parse_file(swapped)
    assert form.form_id == parse_file(assessment).form_id
    assert form.form_type == "002-person-assessment"
    [problem] = [p for p in form.problems if p.code == "form_id_mismatch"]
    assert registry()["002-person-measures"].title in problem.message
    assert registry()["002-person-assessment"].title in problem.message

    # without its id the same file is read by its labels and title alone, and nothing can disagree
    props = doc.part.package
    for rel in list(props.rels.values()):
        if rel.reltype.endswith("/custom-properties"):
            props.rels.pop(rel.rId)
    for section in doc.sections:
        for p in section.footer.paragraphs:
            for run in p.runs:
                run.text = ""
    anonymous = tmp_path / "anonymous.docx"
    doc.save(anonymous)
    form = parse_file(anonymous)
    assert form.form_id is None and form.form_type is not None
    assert "form_id_mismatch" not in {p.code for p in form.problems}


def test_look_alike_forms_are_told_apart_by_their_id(tmp_path: Path) -> None:
    """001's three control forms share their columns: the id, not the title, says which one."""
    from pipeline.campaign import identity

    for form_type in ("001-staff-control", "001-middle-control", "001-leader-control"):
        path = _issued(tmp_path, "001-zcjt", form_type)
        form = parse_file(path)
        assert identity.parse(form.form_id).form_code == registry()[form_type].code
        assert form.form_type == form_type
        assert "form_id_mismatch" not in {p.code for p in form.problems}
