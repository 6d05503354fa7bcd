"""Who owes which form: the campaign's rule that generation, tracking, notices and ledgers share.

Every annex form of the profile goes to its audience: a personal form to every roster person of a
tier the definition names (all tiers when it names none), a department form to each department
(filled by its head), an institution form once (filled by the first leader). Each such obligation
has a subject (``P<工号>`` / ``D<部门代码>`` / ``U``, see :mod:`pipeline.campaign.identity`), the
values its blank form is pre-filled with, the file it is written to, and a due date
(:meth:`pipeline.profile.Profile.due_date`).

Pre-filled values come from one table, :data:`PREFILL`: each template variable names the roster or
department attribute it is read from, so a new variable is a line there, not a branch in code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.campaign import identity
from pipeline.errors import UsageError
from pipeline.forms import FormDefinition, get
from pipeline.profile import Department, Profile, StaffMember
from pipeline.workspace import Workspace

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_name(text: str) -> str:
    """A path component Windows, macOS and zip tools all accept."""
    return _UNSAFE.sub("_", text).strip(" .") or "_"


@dataclass(frozen=True)
class Issue:
    """One form to write: which type, for whom, where, with which values."""

    form_type: str
    subject: str
    department: str | None
    person: StaffMember | None
    path: Path
    values: dict


#: Where each pre-filled template variable comes from, per audience: ``object.attribute`` over the
#: person (roster row), unit (their department, or the department itself), leader (the first
#: leader of the leadership group) and institution. A variable an audience does not list is blank.
#: ``leading`` is a person of the 领导班子 tier: rosters file leaders under the office that serves
#: them (党政办公室), but a leader is no member of it — their unit on the form is the institution,
#: their post what the roster says, and no department head or supervisor stands over them.
PREFILL: dict[str, dict[str, str]] = {
    "department": {"person": "person.department", "leading": "institution.name", "department": "unit.name",
                   "institution": "institution.name"},
    "name": {"person": "person.name", "leading": "person.name", "department": "unit.head",
             "institution": "leader.name"},
    "position": {"person": "person.position", "leading": "person.position", "institution": "leader.title"},
    "post": {"person": "person.post", "leading": "person.post"},
    "duty": {"person": "person.duty", "leading": "person.duty"},
    "staff_id": {"person": "person.staff_id", "leading": "person.staff_id"},
    "head": {"person": "unit.head", "department": "unit.head", "institution": "leader.name"},
    "supervisor": {"person": "unit.supervisor", "department": "unit.supervisor"},
}
#: The audience whose PREFILL column a roster person's forms take, by their tier (others: person).
TIER_AUDIENCE = {"领导班子": "leading"}


def prefill(audience: str, **sources: object) -> dict[str, str]:
    """The pre-filled values of a form for ``audience``, read from ``sources`` by :data:`PREFILL`."""
    values = {}
    for variable, by_audience in PREFILL.items():
        path = by_audience.get(audience)
        value = None
        if path:
            obj, attr = path.split(".")
            value = getattr(sources.get(obj), attr, None)
        values[variable] = value or ""
    return values


# --- who gets what ---------------------------------------------------------------------------

def annex_label(profile: Profile, form_type: str) -> str:
    return profile.annexes.annex_label(form_type)


def _file_name(profile: Profile, definition: FormDefinition) -> str:
    return safe_name(f"{annex_label(profile, definition.id)}-{definition.title}") + ".docx"


def _choose_types(profile: Profile, form_type: str | None) -> list[FormDefinition]:
    forms = profile.annexes.forms
    if form_type is None:
        return [get(f) for f in forms]
    if form_type in forms:
        return [get(form_type)]
    by_title = [f for f in forms if get(f).title == form_type]
    if by_title:
        return [get(by_title[0])]
    choices = "；".join(f"{f}（{get(f).title}）" for f in forms)
    raise UsageError(f"本活动没有表单类型“{form_type}”", hint=f"--type 可用：{choices}")


def _choose_department(profile: Profile, department: str | None) -> Department | None:
    if department is None:
        return None
    try:
        return profile.department(department)
    except KeyError:
        names = "、".join(f"{d.name}（{d.code}）" for d in profile.departments)
        raise UsageError(f"没有部门“{department}”", hint=f"--department 可用部门名称或代码：{names}") from None


def _choose_person(roster: list[StaffMember], person: str | None, department: Department | None) -> StaffMember | None:
    if person is None:
        return None
    found = [p for p in roster if p.staff_id == person] or [p for p in roster if p.name == person]
    pool = [p for p in roster if department is None or p.department == department.name]
    sample = "、".join(f"{p.staff_id}（{p.name}）" for p in pool[:30]) + ("等" if len(pool) > 30 else "")
    where = f"部门“{department.name}”" if department else "名册"
    if not found:
        raise UsageError(f"{where}中没有工号或姓名为“{person}”的人员",
                         hint=f"--person 写工号，{where}共 {len(pool)} 人：{sample}")
    if len(found) > 1:
        ids = "、".join(f"{p.staff_id}（{p.department}）" for p in found)
        raise UsageError(f"名册中有 {len(found)} 人叫“{person}”", hint=f"改用工号：{ids}")
    chosen = found[0]
    if department is not None and chosen.department != department.name:
        raise UsageError(f"{chosen.name}（{chosen.staff_id}）属于“{chosen.department}”，不在“{department.name}”",
                         hint="去掉 --department，或改成该人员所在部门")
    return chosen


def plan_issues(ws: Workspace, *, department: str | None = None, person: str | None = None,
                form_type: str | None = None) -> list[Issue]:
    """Every form to write, with its pre-filled values (form ids are given later, by the store).

    Filters narrow the subjects: ``person`` (工号, or a name if unique) keeps that person's forms
    only; ``department`` (name or code) keeps that department's form and its people's; institution
    forms come only without either. ``form_type`` is a form id of the profile (or its title).
    """
    profile, roster = ws.profile, ws.roster
    definitions = _choose_types(profile, form_type)
    dept = _choose_department(profile, department)
    who = _choose_person(roster, person, dept)
    out = ws.outbox / "forms"
    departments = {d.name: d for d in profile.departments}
    leader = profile.leadership.leaders[0]
    issues: list[Issue] = []
    for d in definitions:
        name = _file_name(profile, d)
        if d.audience == "person":
            people = [who] if who else [p for p in roster if dept is None or p.department == dept.name]
            for p in people:
                if d.tiers and p.tier not in d.tiers:
                    continue
                folder = out / safe_name(p.department) / safe_name(f"{p.staff_id}-{p.name}")
                values = prefill(TIER_AUDIENCE.get(p.tier, "person"), person=p, unit=departments[p.department],
                                 institution=profile.institution)
                issues.append(Issue(d.id, identity.person_subject(p.staff_id), p.department, p, folder / name, values))
        elif d.audience == "department" and who is None:
            for unit in [dept] if dept else profile.departments:
                issues.append(Issue(d.id, identity.department_subject(unit.code), unit.name, None,
                                    out / safe_name(unit.name) / name, prefill("department", unit=unit)))
        elif d.audience == "institution" and who is None and dept is None:
            values = prefill("institution", leader=leader, institution=profile.institution)
            issues.append(Issue(d.id, identity.INSTITUTION_SUBJECT, None, None, out / name, values))
    if not issues and (who or dept or form_type):  # a filter that matched nothing
        wanted = "、".join(f"{d.title}（{'、'.join(d.tiers) or {'department': '部门', 'institution': '全单位'}.get(d.audience, '个人')}）"
                          for d in definitions)
        subject = f"{who.name}（{who.tier}）" if who else (dept.name if dept else "本活动")
        raise UsageError(f"没有要生成的表单：{subject}不领取所选表单", hint=f"所选表单及领取对象：{wanted}")
    return issues
