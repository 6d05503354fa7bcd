"""What the reports read out of the store: current submissions, their risk points, their problems.

*Current* is one rule for every report: a readable return that no newer return of its slot has
superseded (status accepted or needs_revision). Status, notices, ledgers, 公示 and the archive all
ask through these functions, so they never disagree about which return counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Row, and_, case, func, or_, select
from sqlalchemy.orm import Session

from pipeline.store.models import Campaign, Event, IssuedForm, ProblemRow, RiskPoint, RiskReview, Submission
from pipeline.store.status import BLOCKING, CURRENT, Scope, Status

T = TypeVar("T")

#: Bound parameters per IN list: SQLite's old limit is 999, and PostgreSQL plans short lists better.
CHUNK = 900


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size``."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def current_submissions(s: Session, campaign: str) -> list[Row]:
    """Every current return of the campaign, oldest first (plain rows: the ORM's loading costs
    more than the query on a large store)."""
    return list(s.connection().execute(
        select(Submission.id, Submission.sha256, Submission.filename, Submission.status, Submission.form_type,
               Submission.form_id, Submission.department, Submission.person_name, Submission.staff_id,
               Submission.received_at, Submission.file_modified, Submission.match_method, Submission.meta)
        .where(Submission.campaign == campaign, Submission.status.in_(CURRENT))
        .order_by(Submission.id)).all())


def current_risk_points(s: Session, campaign: str) -> list[Row]:
    """Every risk point of every current return, with the return's department, person and status.

    Ordered by department, person, form and row, the order a ledger lists them in.
    """
    return list(s.execute(
        select(RiskPoint.id, RiskPoint.submission_id, RiskPoint.seq, RiskPoint.name, RiskPoint.description,
               RiskPoint.category, RiskPoint.level, RiskPoint.level_label, RiskPoint.level_rank,
               RiskPoint.measures, RiskPoint.review, RiskPoint.duty, RiskPoint.extra,
               Submission.department, Submission.person_name, Submission.staff_id, Submission.form_type,
               Submission.form_id, Submission.status, Submission.received_at, Submission.parsed)
        .join(Submission, Submission.id == RiskPoint.submission_id)
        .where(Submission.campaign == campaign, Submission.status.in_(CURRENT))
        .order_by(Submission.department, Submission.staff_id, Submission.form_type, Submission.id,
                  RiskPoint.seq)).all())


def problems_of(s: Session, submission_ids: Iterable[int],
                scopes: Sequence[str] = BLOCKING) -> dict[int, list[tuple[str, str]]]:
    """Per submission, its problems of ``scopes`` as (where, message), in the order they were found."""
    out: dict[int, list[tuple[str, str]]] = {}
    for chunk in chunked(list(submission_ids)):
        for sid, where, message in s.execute(
                select(ProblemRow.submission_id, ProblemRow.where, ProblemRow.message)
                .where(ProblemRow.submission_id.in_(chunk), ProblemRow.scope.in_(scopes))
                .order_by(ProblemRow.submission_id, ProblemRow.id)):
            out.setdefault(sid, []).append((where, message))
    return out


def office_flags(s: Session, campaign: str) -> list[tuple[str | None, str]]:
    """(department, message) of the findings shown to the office only, over the current returns."""
    return list(s.execute(
        select(Submission.department, ProblemRow.message)
        .join(ProblemRow, ProblemRow.submission_id == Submission.id)
        .where(Submission.campaign == campaign, ProblemRow.scope == Scope.OFFICE.value,
               Submission.status.in_(CURRENT))).all())


# --- the archive: everything, not only what is current ------------------------------------------

def issued_forms(s: Session, campaign: str) -> list[Row]:
    """Every form issued in the campaign, in form id order."""
    return list(s.execute(
        select(IssuedForm.form_id, IssuedForm.form_type, IssuedForm.subject, IssuedForm.department,
               IssuedForm.person_name, IssuedForm.staff_id, IssuedForm.version, IssuedForm.path,
               IssuedForm.sha256, IssuedForm.issued_at)
        .where(IssuedForm.campaign == campaign).order_by(IssuedForm.form_id)).all())


def all_submissions(s: Session, campaign: str) -> list[Row]:
    """Every return of the campaign whatever its status (superseded and rejected too), oldest first."""
    return list(s.execute(
        select(Submission.id, Submission.sha256, Submission.filename, Submission.size, Submission.status,
               Submission.reason, Submission.form_id, Submission.form_type, Submission.department,
               Submission.person_name, Submission.staff_id, Submission.received_at, Submission.superseded_by)
        .where(Submission.campaign == campaign).order_by(Submission.id)).all())


def submissions_with_problem(s: Session, campaign: str, code: str) -> set[int]:
    """Ids of the campaign's returns that carry a problem of ``code`` (e.g. ``active_content``)."""
    return set(s.scalars(select(ProblemRow.submission_id).join(Submission, Submission.id == ProblemRow.submission_id)
                         .where(Submission.campaign == campaign, ProblemRow.code == code)))


def all_events(s: Session, campaign: str) -> list[Row]:
    """The campaign's whole audit log in the order it was written (a shared store holds many)."""
    return list(s.execute(
        select(Event.id, Event.at, Event.actor, Event.action, Event.subject, Event.detail)
        .where(Event.campaign == campaign).order_by(Event.id)).all())


# --- ledgers: risk points with the office's review over them -------------------------------------

@dataclass
class LedgerPoints:
    """Risk points of current returns in ledger order, and each return's header (name, post, …).

    The header is read once per return, not once per risk point: a return's ten points share it,
    and decoding it 100,000 times was a third of a large ledger's query.
    """

    rows: list[Row]
    headers: dict[int, dict]

    def header(self, point: Row) -> dict:
        return self.headers.get(point.submission_id) or {}

    def where(self, keep: Callable[[Row], bool]) -> LedgerPoints:
        return LedgerPoints([p for p in self.rows if keep(p)], self.headers)


def ledger_risk_points(s: Session, campaign: str) -> LedgerPoints:
    """Every risk point of every current return, with its return's header and the office's review.

    ``rv_*`` columns are None where the office has not reviewed the point. Ordered by department,
    person, form and row, the order a ledger lists them in. Run through the connection, not the
    ORM, whose per-row bookkeeping these plain column rows do not need.
    """
    current = and_(Submission.campaign == campaign, Submission.status.in_(CURRENT))
    db = s.connection()
    rows = list(db.execute(
        select(RiskPoint.id, RiskPoint.submission_id, RiskPoint.seq, RiskPoint.name, RiskPoint.description,
               RiskPoint.category, RiskPoint.level, RiskPoint.level_label, RiskPoint.level_rank,
               RiskPoint.level_scheme, RiskPoint.measures, RiskPoint.review, RiskPoint.duty, RiskPoint.extra,
               Submission.department, Submission.person_name, Submission.staff_id, Submission.form_type,
               Submission.form_id, Submission.status, Submission.received_at,
               RiskReview.level_label.label("rv_level"), RiskReview.level_rank.label("rv_rank"),
               RiskReview.category.label("rv_category"), RiskReview.opinion.label("rv_opinion"),
               RiskReview.at.label("rv_at"), RiskReview.actor.label("rv_actor"))
        .join(Submission, Submission.id == RiskPoint.submission_id)
        .outerjoin(RiskReview, RiskReview.risk_point_id == RiskPoint.id)
        .where(current)
        .order_by(Submission.department, Submission.staff_id, Submission.form_type, Submission.id,
                  RiskPoint.seq)).all())
    headers = dict(db.execute(select(Submission.id, Submission.parsed["header"]).where(current)).all())
    return LedgerPoints(rows, headers)


def risk_points_by_id(s: Session, ids: Sequence[int]) -> dict[int, Row]:
    """For a ledger import: each risk point's campaign, its return's status and the reviewable values."""
    out: dict[int, Row] = {}
    for chunk in chunked(list(ids)):
        for row in s.execute(
                select(RiskPoint.id, RiskPoint.name, RiskPoint.level_scheme, RiskPoint.level_label,
                       RiskPoint.level_rank, RiskPoint.category, RiskPoint.review,
                       Submission.campaign, Submission.status,
                       RiskReview.level_label.label("rv_level"), RiskReview.level_rank.label("rv_rank"),
                       RiskReview.category.label("rv_category"), RiskReview.opinion.label("rv_opinion"))
                .join(Submission, Submission.id == RiskPoint.submission_id)
                .outerjoin(RiskReview, RiskReview.risk_point_id == RiskPoint.id)
                .where(RiskPoint.id.in_(chunk))):
            out[row.id] = row
    return out


def held_for_identity(s: Session, campaign: str) -> list[Row]:
    """Returns held because their form id names one person and their header another (the office decides)."""
    return list(s.execute(
        select(Submission.id, Submission.filename, Submission.form_id, Submission.form_type,
               Submission.department, Submission.person_name, Submission.parsed)
        .where(Submission.campaign == campaign, Submission.status == Status.IDENTITY_HOLD.value)
        .order_by(Submission.id)).all())


def campaign_totals(s: Session) -> list[Row]:
    """Per campaign in the store: institution, name, year, forms issued to departments and people,
    how many of those have a current return and how many of those are accepted, the risk points
    of current returns and how many of them sit at the top of the campaign's scheme."""
    issued = (select(IssuedForm.campaign, func.count().label("issued"))
              .where(IssuedForm.department.is_not(None)).group_by(IssuedForm.campaign).subquery())
    answered = (select(IssuedForm.campaign,
                       func.count(func.distinct(IssuedForm.form_id)).label("received"),
                       func.count(func.distinct(case((Submission.status == Status.ACCEPTED.value, IssuedForm.form_id))))
                       .label("accepted"))
                .join(Submission, Submission.form_id == IssuedForm.form_id)
                .where(IssuedForm.department.is_not(None), Submission.status.in_(CURRENT))
                .group_by(IssuedForm.campaign).subquery())
    top = or_(RiskPoint.level_rank == 1, and_(RiskPoint.level_rank.is_(None), RiskPoint.level == "high"))
    risks = (select(Submission.campaign, func.count(RiskPoint.id).label("risks"),
                    func.count(case((top, RiskPoint.id))).label("high"))
             .join(RiskPoint, RiskPoint.submission_id == Submission.id)
             .where(Submission.status.in_(CURRENT)).group_by(Submission.campaign).subquery())
    return list(s.execute(
        select(Campaign.code, Campaign.institution, Campaign.name, Campaign.year, Campaign.levels,
               func.coalesce(issued.c.issued, 0).label("issued"), func.coalesce(answered.c.received, 0).label("received"),
               func.coalesce(answered.c.accepted, 0).label("accepted"), func.coalesce(risks.c.risks, 0).label("risks"),
               func.coalesce(risks.c.high, 0).label("high"))
        .outerjoin(issued, issued.c.campaign == Campaign.code)
        .outerjoin(answered, answered.c.campaign == Campaign.code)
        .outerjoin(risks, risks.c.campaign == Campaign.code)
        .order_by(Campaign.institution, Campaign.year, Campaign.code)).all())
