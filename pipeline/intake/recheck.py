"""Department checks over the whole store: copied risk points, one hand for a whole department.

They compare a department's current forms with each other, so they are recomputed from the store
after every ingest (department- and office-scope problems dropped and found again) and come out
the same whatever order the files arrived in and however often a run was interrupted. A finding
the profile's rules enforce sends the forms back; any other is shown to the office only.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from pipeline.intake.validate import FormView, department_findings, enforced
from pipeline.profile import Profile
from pipeline.store import event
from pipeline.store.models import ProblemRow, RiskPoint, Submission
from pipeline.store.queries import chunked, current_submissions
from pipeline.store.status import Scope, Status


def recheck(factory: sessionmaker[Session], profile: Profile) -> list[str]:
    """Recompute department-level problems and the statuses they decide; returns the office's flags."""
    campaign = profile.campaign.code
    with factory.begin() as s:
        current = [r for r in current_submissions(s, campaign) if r.form_type and r.department]
        risks: dict[int, list[tuple[int, str, str, str]]] = {}
        for chunk in chunked([r.id for r in current]):
            for sid, seq, name, description, measures in s.connection().execute(  # plain rows: no ORM
                    select(RiskPoint.submission_id, RiskPoint.seq, RiskPoint.name, RiskPoint.description,
                           RiskPoint.measures)
                    .where(RiskPoint.submission_id.in_(chunk)).order_by(RiskPoint.submission_id, RiskPoint.seq)):
                risks.setdefault(sid, []).append((seq, name or "", description or "", measures or ""))
        views = [FormView(r.id, r.department, r.form_type, r.staff_id or r.person_name or str(r.id),
                          r.person_name or "", r.meta or {}, risks.get(r.id, [])) for r in current]
        findings = department_findings(views)
        campaign_ids = select(Submission.id).where(Submission.campaign == campaign).scalar_subquery()
        s.execute(delete(ProblemRow).where(ProblemRow.scope.in_((Scope.DEPARTMENT.value, Scope.OFFICE.value)),
                                           ProblemRow.submission_id.in_(campaign_ids)))
        flags = []
        for finding in findings:
            scope = Scope.DEPARTMENT if enforced(finding, profile.rules) else Scope.OFFICE
            flags.append(finding.message + ("" if scope == Scope.DEPARTMENT else "（提请办公室注意）"))
            for sid, problems in finding.per_form.items():
                s.add_all(ProblemRow(submission_id=sid, code=p.code, message=p.message, where=p.where,
                                     scope=scope.value) for p in problems)
        s.flush()
        sent_back = {sid for f in findings if enforced(f, profile.rules) for sid in f.per_form}
        with_form_problems = set(s.scalars(
            select(ProblemRow.submission_id).where(ProblemRow.scope == Scope.FORM.value,
                                                   ProblemRow.submission_id.in_(campaign_ids))))
        for want in (Status.ACCEPTED, Status.NEEDS_REVISION):
            changed = [r.id for r in current if r.status != want and
                       (want == Status.NEEDS_REVISION) == (r.id in sent_back or r.id in with_form_problems)]
            for chunk in chunked(changed):
                s.execute(update(Submission).where(Submission.id.in_(chunk)).values(status=want.value))
        if findings:
            event(s, "recheck", campaign, campaign=campaign, findings=[f.message for f in findings])
    return flags
