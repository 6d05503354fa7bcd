"""Who has returned what: per department, forms owed vs received, accepted, to redo, missing, overdue.

What a department owes comes from the profile and the roster, the same rule generation uses
(each annex form: personal forms for every person of a tier the form is for, one department form
per department), joined with the forms actually issued from the store, so a person who left the
roster after forms went out still shows. A form is *received* when a readable return for it is
current; *overdue* when it is missing after its due date — the due date of the profile task that
names the form type, else the campaign's last day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from sqlalchemy import select

from pipeline.campaign import identity
from pipeline.campaign.obligations import plan_issues
from pipeline.errors import UsageError
from pipeline.forms import registry
from pipeline.store import open_store
from pipeline.store.models import IssuedForm
from pipeline.store.queries import current_submissions, held_for_identity, office_flags
from pipeline.store.status import Status
from pipeline.workspace import Workspace


@dataclass
class Owed:
    """One form a department owes."""

    form_type: str
    title: str
    subject: str
    person_name: str | None
    staff_id: str | None
    due: dt.date
    form_id: str | None = None
    status: str | None = None  # a current Status value, None while missing
    submission_id: int | None = None


@dataclass
class DepartmentStatus:
    department: str
    code: str
    issued: int = 0
    received: int = 0
    accepted: int = 0
    needs_revision: int = 0
    missing: list[Owed] = field(default_factory=list)
    overdue: list[Owed] = field(default_factory=list)
    to_redo: list[Owed] = field(default_factory=list)
    office_flags: list[str] = field(default_factory=list)
    owed: list[Owed] = field(default_factory=list)  # every form owed, in due order (the ledger lists them all)

    def as_dict(self) -> dict:
        def owed(o: Owed) -> dict:
            d = asdict(o)
            d["due"] = o.due.isoformat()
            return d

        return {"department": self.department, "code": self.code, "issued": self.issued,
                "received": self.received, "accepted": self.accepted, "needs_revision": self.needs_revision,
                "missing": [owed(o) for o in self.missing], "overdue": [owed(o) for o in self.overdue],
                "to_redo": [owed(o) for o in self.to_redo], "office_flags": self.office_flags}


def owed_forms(ws: Workspace, issued: list[IssuedForm]) -> dict[str, dict[tuple[str, str], Owed]]:
    """Per department name, the forms it owes keyed by (form type, subject).

    Who owes what is :func:`pipeline.campaign.obligations.plan_issues`, the rule generation itself uses.
    """
    profile = ws.profile
    out: dict[str, dict[tuple[str, str], Owed]] = {d.name: {} for d in profile.departments}
    for issue in plan_issues(ws):
        if issue.department is None:  # institution forms are the office's own, not a department's
            continue
        person = issue.person
        out[issue.department][(issue.form_type, issue.subject)] = Owed(
            issue.form_type, registry()[issue.form_type].title, issue.subject,
            person.name if person else None, person.staff_id if person else None,
            profile.due_date(issue.form_type))
    for row in sorted(issued, key=lambda r: r.version):
        if row.department not in out or row.form_type not in registry():
            continue
        key = (row.form_type, row.subject)
        owed = out[row.department].get(key) or Owed(
            row.form_type, registry()[row.form_type].title, row.subject, row.person_name, row.staff_id,
            profile.due_date(row.form_type))
        owed.form_id = row.form_id
        out[row.department][key] = owed
    return out


def status(ws: Workspace, *, department: str | None = None, today: dt.date | None = None) -> list[DepartmentStatus]:
    """One row per department (or just ``department``, by name or code)."""
    profile = ws.profile
    today = today or dt.date.today()
    if department is not None:
        try:
            wanted = [profile.department(department)]
        except KeyError:
            raise UsageError(f"没有这个部门：{department}",
                             hint="可选：" + "、".join(d.name for d in profile.departments)) from None
    else:
        wanted = list(profile.departments)
    campaign = profile.campaign.code
    codes = {d.name: d.code for d in profile.departments}
    factory = open_store(ws.database_url)
    with factory() as s:
        issued = list(s.scalars(select(IssuedForm).where(IssuedForm.campaign == campaign)))
        current = current_submissions(s, campaign)
        office = office_flags(s, campaign) + [(r.department, _held_flag(r)) for r in held_for_identity(s, campaign)]
    owed = owed_forms(ws, issued)
    returned: dict[tuple[str, str], tuple[int, str]] = {}
    for r in current:
        if r.staff_id:
            subject = identity.person_subject(r.staff_id)
        elif r.department in codes:
            subject = identity.department_subject(codes[r.department])
        else:
            continue
        returned[(r.form_type, subject)] = (r.id, r.status)
    rows = []
    for d in wanted:
        row = DepartmentStatus(d.name, d.code)
        for key, item in sorted(owed[d.name].items(), key=lambda kv: (kv[1].due, kv[0])):
            row.issued += 1
            row.owed.append(item)
            if key in returned:
                item.submission_id, item.status = returned[key]
                row.received += 1
                if item.status == Status.ACCEPTED:
                    row.accepted += 1
                else:
                    row.needs_revision += 1
                    row.to_redo.append(item)
            else:
                row.missing.append(item)
                if item.due < today:
                    row.overdue.append(item)
        row.office_flags = sorted({m for dept, m in office if dept == d.name})
        rows.append(row)
    return rows


def _held_flag(row) -> str:
    written = ((row.parsed or {}).get("header") or {}).get("name") or "（未写）"
    return (f"文件“{row.filename}”的表单编号 {row.form_id} 是发给{row.person_name}的，表头却写“{written}”："
            "身份待核，未计入其报送情况，请办公室核实后处理")
