"""Matching a returned form to its issued form, and the checks beyond the parser — on constructed records."""

from __future__ import annotations

import re

import pytest

from conftest import make_workspace
from pipeline.campaign import identity
from pipeline.intake.matching import Issued, Matcher, norm
from pipeline.profile import StaffMember
from pipeline.records import Header, ParsedForm, Problem, RiskRecord
from pipeline.intake.validate import FormView, copied_risks, department_findings, enforced, form_problems, same_hand

PERSON_FORM, DEPT_FORM = "002-person-assessment", "002-unit-assessment"


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("match"))


def _issued(ws, person) -> Issued:
    fid = identity.FormId(ws.profile.campaign.code, "B21", identity.person_subject(person.staff_id), 1)
    return Issued(str(fid), PERSON_FORM, fid.subject, person.department, person.name, person.staff_id, 1)


def _parsed(form_type=PERSON_FORM, form_id=None, **header) -> ParsedForm:
    return ParsedForm(source="x.docx", sha256="0" * 64, form_type=form_type, form_id=form_id,
                      levels=["三级", "二级", "一级"], header=Header(**header))


def test_norm_folds_what_people_type() -> None:
    assert norm(" 张 雅\u3000琴 ") == "张雅琴"
    assert norm("财务处（盖章）") == "财务处"
    assert norm("ＣＷＣ") == "CWC"


def test_by_form_id(ws) -> None:
    person = ws.roster[20]
    issued = _issued(ws, person)
    m = Matcher(ws.profile, ws.roster, [issued]).match(_parsed(form_id=issued.form_id, name=person.name))
    assert (m.form_id, m.staff_id, m.department, m.method, m.problems) == (
        issued.form_id, person.staff_id, person.department, "form_id", [])
    assert m.slot == issued.form_id


def test_someone_else_filled_the_form(ws) -> None:
    person, other = ws.roster[20], ws.roster[21]
    issued = _issued(ws, person)
    m = Matcher(ws.profile, ws.roster, [issued]).match(_parsed(form_id=issued.form_id, name=other.name))
    assert [p.code for p in m.problems] == ["name_mismatch"] and person.name in m.problems[0].message


def test_a_mistyped_id_falls_back_to_the_header(ws) -> None:
    person = ws.roster[20]
    issued = _issued(ws, person)
    wrong = issued.form_id[:-1] + ("A" if issued.form_id[-1] != "A" else "B")
    m = Matcher(ws.profile, ws.roster, [issued]).match(
        _parsed(form_id=wrong, unit=f"泉州师范学院{person.department}（盖章）", name=" ".join(person.name)))
    assert (m.form_id, m.method, m.staff_id) == (issued.form_id, "title", person.staff_id)


def test_by_header_without_issued_forms(ws) -> None:
    person = ws.roster[30]
    m = Matcher(ws.profile, ws.roster, []).match(_parsed(unit=person.department, name=person.name))
    assert (m.form_id, m.method, m.staff_id) == (None, "roster", person.staff_id)
    assert m.slot == f"{PERSON_FORM}:P{person.staff_id}"


def test_unit_mismatch_unknown_and_ambiguous_people(ws) -> None:
    person = ws.roster[30]
    elsewhere = next(d.name for d in ws.profile.departments if d.name != person.department)
    matcher = Matcher(ws.profile, ws.roster, [])
    m = matcher.match(_parsed(unit=elsewhere, name=person.name))
    assert [p.code for p in m.problems] == ["unit_mismatch"] and m.staff_id == person.staff_id
    m = matcher.match(_parsed(unit=person.department, name="王小二"))
    assert [p.code for p in m.problems] == ["person_unknown"] and m.slot is None
    m = matcher.match(_parsed(unit="宣传部", name="王小二"))
    assert {p.code for p in m.problems} == {"person_unknown", "department_unknown"}
    twins = [StaffMember(staff_id="9001", name="李明", department="财务处", position="科员"),
             StaffMember(staff_id="9002", name="李明", department="财务处", position="主任科员")]
    matcher = Matcher(ws.profile, [*ws.roster, *twins], [])
    assert [p.code for p in matcher.match(_parsed(unit="财务处", name="李明")).problems] == ["person_ambiguous"]
    assert matcher.match(_parsed(unit="财务处", name="李明", position="主任科员")).staff_id == "9002"


def test_department_form_and_form_outside_the_campaign(ws) -> None:
    matcher = Matcher(ws.profile, ws.roster, [])
    m = matcher.match(_parsed(form_type=DEPT_FORM, unit="资产管理处（盖章）"))
    assert (m.department, m.slot, m.problems) == ("资产管理处", f"{DEPT_FORM}:D资产管理处", [])
    assert [p.code for p in matcher.match(_parsed(form_type=DEPT_FORM, unit="图书馆")).problems] == ["department_unknown"]
    person = ws.roster[5]
    m = matcher.match(_parsed(form_type="000-person-control", unit=person.department, name=person.name))
    assert "form_not_in_campaign" in [p.code for p in m.problems]


def test_level_outside_the_scheme_once() -> None:
    parsed = _parsed()
    parsed.risks = [RiskRecord(seq=1, name="甲", level_label="A级", where="表1 第2行"),
                    RiskRecord(seq=2, name="乙", level_label="四级", where="表1 第3行"),
                    RiskRecord(seq=3, name="丙", level="high", level_label="三级", where="表1 第4行")]
    parsed.problems = [Problem(code="level_unknown", message="…", where="表1 第3行 风险等级")]
    problems = form_problems(parsed)
    assert [(p.code, p.where) for p in problems] == [("level_unknown", "表1 第3行 风险等级"),
                                                     ("level_outside_scheme", "表1 第2行 风险等级")]
    assert "三级、二级、一级" in problems[1].message


def test_problems_name_a_column_and_a_header_field_by_the_forms_own_label(ws) -> None:
    """001's level column is printed 风险级别 and 003's unit field 科（室）名称: the problems say so."""
    parsed = _parsed(form_type="001-staff-control")
    parsed.risks = [RiskRecord(seq=1, name="甲", level_label="A级", where="表1 第2行")]
    (problem,) = form_problems(parsed)
    assert problem.where == "表1 第2行 风险级别" and problem.message.startswith("风险级别“A级”")
    views = [_view(i, f"P{i}", [(1, "经费审核", LONG, "")], form_type="001-staff-control") for i in range(1, 4)]
    (finding,) = copied_risks(views)
    assert [p.where for p in finding.per_form[1]] == ["第1行 风险点"]
    m = Matcher(ws.profile, ws.roster, []).match(_parsed(form_type="003-dept-control", unit="图书馆"))
    assert [(p.code, p.where) for p in m.problems if p.code == "department_unknown"] == [
        ("department_unknown", "表头 科（室）名称")]
    # a file no definition matched is told in the vocabulary's headings for such files
    parsed = _parsed(form_type=None)
    parsed.risks = [RiskRecord(seq=1, name="甲", level_label="A级", where="表1 第2行")]
    assert [p.where for p in form_problems(parsed)] == ["表1 第2行 等级"]


def test_vague_risk_points_go_back_only_where_the_profile_asks() -> None:
    parsed = _parsed()
    parsed.problems = [Problem(code="vague", message="风险点“无”过于笼统", where="表1 第2行 风险名称"),
                       Problem(code="required_empty", message="风险等级未填", where="表1 第2行 风险等级")]
    assert [p.code for p in form_problems(parsed, ["vague_risk"])] == ["vague", "required_empty"]
    assert [p.code for p in form_problems(parsed, ["copied_risk"])] == ["required_empty"]


def _view(i, person, risks, dept="财务处", meta=None, form_type=PERSON_FORM) -> FormView:
    return FormView(i, dept, form_type, person, person, meta or {}, risks)


LONG = "审核经费报销时对虚开发票套取经费的情况把关不严"


def test_copied_risk_needs_three_people_and_real_text() -> None:
    views = [_view(i, f"P{i}", [(1, "经费审核", LONG, ""), (2, "招生录取", "", "")]) for i in range(1, 4)]
    (finding,) = copied_risks(views)
    assert finding.submission_ids == [1, 2, 3]
    assert all([p.where for p in ps] == ["第1行 风险名称"] for ps in finding.per_form.values())
    assert "另外2人" in finding.per_form[1][0].message
    assert copied_risks(views[:2]) == []  # two colleagues may share a sentence
    other_dept = [views[0], views[1], _view(3, "P3", [(1, "经费审核", LONG, "")], dept="人事处")]
    assert copied_risks(other_dept) == []


def test_same_hand_by_metadata_or_identical_text() -> None:
    rows = lambda who: [(1, "经费审核", f"{who}{LONG}", "")]  # noqa: E731
    secretary = [_view(i, f"P{i}", rows(i), meta={"last_modified_by": "秘书", "author": f"P{i}"}) for i in range(3)]
    (finding,) = same_hand(secretary)
    assert finding.code == "same_hand" and "最后修改者都是“秘书”" in finding.message
    generated = [_view(i, f"P{i}", rows(i), meta={"author": "lianzheng"}) for i in range(3)]
    assert same_hand(generated) == []  # the generator's name is not anyone's hand
    clones = [_view(i, f"P{i}", rows("同"), meta={"author": f"P{i}"}) for i in range(2)]
    assert "内容完全相同" in same_hand(clones)[0].message
    assert same_hand(clones[:1]) == []  # one person is always the same hand as themselves
    unit_forms = [_view(i, f"P{i}", rows("同"), form_type=DEPT_FORM) for i in range(3)]
    assert department_findings(unit_forms) == []  # only personal forms are compared


def test_rules_decide_whether_a_finding_sends_forms_back() -> None:
    (finding,) = same_hand([_view(i, f"P{i}", [], meta={"author": "秘书"}) for i in range(2)])
    assert enforced(finding, ["same_hand"]) and not enforced(finding, ["copied_risk"])


def test_rule_off_flags_the_office_only(tmp_path) -> None:
    """Without same_hand in profile.rules the forms stay accepted and the office is told."""
    from inbox_maker import fill, issued_form, risks_for
    from pipeline import api

    ws = make_workspace(tmp_path)
    text = ws.profile_path.read_text(encoding="utf-8")
    ws.profile_path.write_text(re.sub(r"^rules = .*$", 'rules = ["vague_risk"]', text, count=1, flags=re.M),
                               encoding="utf-8")
    ws._profile = None
    api.make_forms(ws, department="人事处", form_type=PERSON_FORM, progress=False, jobs=1)
    people = [p for p in ws.roster if p.department == "人事处"][:3]
    for p in people:
        fill(issued_form(ws, p), ws.inbox / f"{p.name}.docx", risks_for(p.name), author=p.name,
             last_modified_by="人事处秘书")
    summary = api.ingest(ws, progress=False, jobs=1)
    assert summary.accepted == 3 and summary.needs_revision == 0
    assert len(summary.office_flags) == 1 and "提请办公室注意" in summary.office_flags[0]
    (row,) = api.status(ws, department="人事处")
    assert row.accepted == 3 and row.office_flags and "人事处秘书" in row.office_flags[0]
