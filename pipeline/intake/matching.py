"""Which issued form (or which person / department) a returned file answers.

First by form id — the parser reads it from the custom property or the footer text, and its check
character makes a retyped or misread id fail rather than match the wrong form. A file without a
usable id (a form the office retyped in its own layout, or a printout scanned back) is matched by
its form type (the parser recognises the title and columns) plus the unit and name written in its
header, against the roster and the issued forms. ``method`` records which way it went, so the
office can see how much rests on the weaker match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from pipeline.campaign import identity
from pipeline.forms import registry
from pipeline.intake.labels import header_label
from pipeline.profile import Department, Profile, StaffMember
from pipeline.records import ParsedForm, Problem


def norm(text: str | None) -> str:
    """Compare names and units as people write them: full-width folded, spaces and stamps dropped."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"[（(][^）)]*盖\s*章[^）)]*[）)]", "", s)
    return re.sub(r"[\s\u3000:：_＿]", "", s)


@dataclass(frozen=True)
class Issued:
    """The fields of an issued form that matching needs (plain data, not an ORM row)."""

    form_id: str
    form_type: str
    subject: str
    department: str | None
    person_name: str | None
    staff_id: str | None
    version: int


@dataclass
class Match:
    form_type: str | None = None
    form_id: str | None = None
    department: str | None = None
    staff_id: str | None = None
    person_name: str | None = None
    method: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def slot(self) -> str | None:
        """Returns in the same slot supersede each other: the issued form, else type + subject."""
        if self.form_id:
            return self.form_id
        if not self.form_type:
            return None
        audience = registry()[self.form_type].audience if self.form_type in registry() else None
        if audience == "person" and self.staff_id:
            return f"{self.form_type}:P{self.staff_id}"
        if audience == "department" and self.department:
            return f"{self.form_type}:D{self.department}"
        if audience == "institution":
            return f"{self.form_type}:U"
        return None


class Matcher:
    """Built once per ingest run from the profile, the roster and the issued forms."""

    def __init__(self, profile: Profile, roster: list[StaffMember], issued: list[Issued]):
        self.profile = profile
        self.campaign = profile.campaign.code
        self.issued = {i.form_id: i for i in issued}
        self.latest: dict[tuple[str, str], Issued] = {}
        for i in sorted(issued, key=lambda i: i.version):
            self.latest[(i.form_type, i.subject)] = i
        self.by_name: dict[str, list[StaffMember]] = {}
        for person in roster:
            self.by_name.setdefault(norm(person.name), []).append(person)

    # --- the two ways -------------------------------------------------------------------------

    def match(self, parsed: ParsedForm) -> Match:
        by_id = self._by_form_id(parsed)
        if by_id is not None:
            return by_id
        m = self._by_header(parsed)
        stray = self._never_issued(parsed)
        if stray is not None:
            m.problems.append(stray)
        return m

    def _never_issued(self, parsed: ParsedForm) -> Problem | None:
        """A well-formed id this store never issued is reported, not silently dropped: it was
        mistyped, copied from another campaign's form, or forged."""
        if not parsed.form_id or self._issued(parsed.form_id) is not None:
            return None
        fid = identity.parse(parsed.form_id)
        if fid is None:
            return None
        if fid.campaign != self.campaign:
            return Problem(code="form_id_foreign", where="表单编号",
                           message=f"表单编号 {fid} 属于另一次活动（{fid.campaign}），不是本次下发的表格："
                                   "请用本次活动下发给自己的表格填写")
        return Problem(code="form_id_unknown", where="表单编号",
                       message=f"表单编号 {fid} 格式正确，但本次活动从未下发过这个编号（可能被改动或伪造）："
                               "请用下发给自己的表格重新填写，办公室会核对此件")

    def _issued(self, form_id: str) -> Issued | None:
        """The issued form an id names: looked up as the reader gave it (as printed), and only
        when that fails parsed and check-summed, as a retyped or OCR-read id must be."""
        issued = self.issued.get(form_id)
        if issued is None and (fid := identity.parse(form_id)) is not None:
            issued = self.issued.get(str(fid))
        return issued

    def _by_form_id(self, parsed: ParsedForm) -> Match | None:
        issued = self._issued(parsed.form_id) if parsed.form_id else None
        if issued is None:
            return None  # matched by its header instead, and reported by _never_issued
        m = Match(form_type=issued.form_type, form_id=issued.form_id, department=issued.department,
                  staff_id=issued.staff_id, person_name=issued.person_name,
                  method=parsed.meta.get("form_id_source") or "form_id")
        written = norm(parsed.header.name)
        if issued.person_name and written and written != norm(issued.person_name):
            m.problems.append(Problem(
                code="name_mismatch", where=f"表头 {header_label(issued.form_type, 'name')}",
                message=f"这份表格是发给{issued.person_name}的（表单编号 {issued.form_id}），"
                        f"表头却写着“{parsed.header.name}”：已暂存待办公室核实身份，不替代{issued.person_name}已交的表格；"
                        "请本人在发给自己的表格上填写"))
        return m

    def _by_header(self, parsed: ParsedForm) -> Match:
        m = Match(form_type=parsed.form_type)
        definition = registry().get(parsed.form_type) if parsed.form_type else None
        if definition is None:
            return m
        if parsed.form_type not in self.profile.annexes.forms:
            m.problems.append(Problem(
                code="form_not_in_campaign", where="标题",
                message=f"《{definition.title}》不是本次活动要求填报的表格：请改用下发的附件表格填写"))
        department = self._department(parsed.header.unit)
        if definition.audience == "person":
            self._person(parsed, department, m)
        elif definition.audience == "department":
            if department is None:
                m.problems.append(_unknown_department(parsed.header.unit, header_label(parsed.form_type, "unit")))
            else:
                m.department = department.name
        subject = (identity.person_subject(m.staff_id) if m.staff_id else
                   identity.department_subject(self.profile.department(m.department).code)
                   if definition.audience == "department" and m.department else
                   identity.INSTITUTION_SUBJECT if definition.audience == "institution" else None)
        issued = self.latest.get((definition.id, subject)) if subject else None
        if issued is not None:
            m.form_id, m.method = issued.form_id, "title"
        elif subject is not None:
            m.method = "roster"
        return m

    # --- header fields against the profile and roster -----------------------------------------

    def _department(self, unit: str | None) -> Department | None:
        written = norm(unit)
        if not written:
            return None
        for d in self.profile.departments:
            if written in (norm(d.name), d.code):
                return d
        # "泉州师范学院财务处", "财务处（科）": the department's name inside what was written, longest first
        for d in sorted(self.profile.departments, key=lambda d: -len(d.name)):
            if norm(d.name) in written:
                return d
        return None

    def _person(self, parsed: ParsedForm, department: Department | None, m: Match) -> None:
        written = parsed.header.name
        candidates = self.by_name.get(norm(written), [])
        if department is not None:
            m.department = department.name
            inside = [p for p in candidates if p.department == department.name]
        else:
            inside = candidates
        if len(inside) > 1 and parsed.header.position:
            inside = [p for p in inside if norm(p.position) == norm(parsed.header.position)] or inside
        if len(inside) == 1:
            person = inside[0]
        elif not inside and len(candidates) == 1:
            person = candidates[0]
            if department is not None:
                unit = header_label(parsed.form_type, "unit")
                m.problems.append(Problem(
                    code="unit_mismatch", where=f"表头 {unit}",
                    message=f"表头{unit}写的是“{parsed.header.unit}”，名册中{person.name}在{person.department}："
                            f"请核对单位"))
        else:
            name = header_label(parsed.form_type, "name")
            if not norm(written):
                m.problems.append(Problem(code="person_unknown", where=f"表头 {name}",
                                          message=f"表头没有填写{name}：请填写本人姓名"))
            elif len(inside) > 1:
                m.problems.append(Problem(
                    code="person_ambiguous", where=f"表头 {name}",
                    message=f"名册中有{len(inside)}位“{written}”，无法确定是哪一位：请在表头写明职务"))
            else:
                m.problems.append(Problem(
                    code="person_unknown", where=f"表头 {name}",
                    message=f"名册中没有“{written}”"
                            + (f"（{department.name}）" if department else "")
                            + "：请核对姓名，或请办公室把此人补入名册"))
            if department is None:
                m.problems.append(_unknown_department(parsed.header.unit, header_label(parsed.form_type, "unit")))
            return
        m.staff_id, m.person_name, m.department = person.staff_id, person.name, person.department


def _unknown_department(unit: str | None, label: str) -> Problem:
    """``label``: the form's own label of its unit field (单位, 部门（单位）, 科室名称)."""
    if not norm(unit):
        return Problem(code="department_unknown", where=f"表头 {label}",
                       message=f"表头没有填写{label}：请填写所在单位全称")
    return Problem(code="department_unknown", where=f"表头 {label}",
                   message=f"单位“{unit}”不是本次活动的部门：请按部门全称填写")
