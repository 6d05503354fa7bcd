"""A batch of files in one transaction: each file's submission row, risk points, problems and event,
then the slots they answer settled.

One transaction for a batch rather than for each file: a commit waits for the disk (and, on
PostgreSQL, for a round trip), and that wait, not the inserts, was most of ingest's cost. A kill
loses at most the batch in flight; its originals are already on disk, so the next run commits it.
A file another ingest process committed meanwhile is skipped (its sha is the key).

Core inserts on the tables rather than ORM objects: the unit of work's bookkeeping (and the ORM
bulk path's per-row coercion) cost more than the inserts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from pipeline.intake.matching import Match, Matcher
from pipeline.intake.resubmission import saved_time, settle_slots
from pipeline.intake.workers import Parsed
from pipeline.intake.validate import form_problems
from pipeline.records import ParsedForm, Problem
from pipeline.store import event, events
from pipeline.store.models import ProblemRow, RiskPoint, Submission
from pipeline.store.status import Scope, Status

#: Problem codes that put a return's identity in doubt (its id names one person, its header another).
IDENTITY_DOUBTS = frozenset({"name_mismatch"})
_INSERT_SUBMISSION = insert(Submission.__table__)
_INSERT_RISK = insert(RiskPoint.__table__)
_INSERT_PROBLEM = insert(ProblemRow.__table__)


def commit_batch(factory: sessionmaker[Session], matcher: Matcher, campaign: str, batch: list[Parsed],
                 *, received: dt.datetime) -> list[dict | None]:
    """Store ``batch`` in one transaction; per file its submission row, or None if already stored.

    ``received`` is the arrival time (one per ingest run), which orders returns whose documents
    carry no plausible save time. Each table gets one statement for the whole batch (the
    submissions' ids come back from the same multi-row INSERT … RETURNING, keyed by their sha256:
    asking for them in the batch's order made SQLite insert row by row), so the statements, not
    the files, are what a batch costs the main process.
    """
    out: list[dict | None] = []
    with factory.begin() as s:
        known = s.execute(select(Submission.sha256, Submission.id, Submission.status, Submission.reason).where(
            Submission.campaign == campaign, Submission.sha256.in_([p.item.sha256 for p in batch]))).all()
        stored = {r.sha256 for r in known if r.status != Status.FAULT.value}
        faulted = {r.sha256: r for r in known if r.status == Status.FAULT.value}
        new: list[tuple[Parsed, dict, list[Problem]]] = []
        for parsed in batch:
            sha = parsed.item.sha256
            if sha in stored:
                out.append(None)
                continue
            stored.add(sha)
            row, problems = _row(matcher, campaign, parsed, received)
            fault = faulted.get(sha)
            if fault is not None and parsed.fault:  # still beyond this program: its row gets the new log
                row["id"] = fault.id
                s.execute(update(Submission).where(Submission.id == fault.id).values(reason=parsed.reason))
            else:
                if fault is not None:
                    _retire_fault(s, campaign, sha, fault.id, fault.reason)
                new.append((parsed, row, problems))
            out.append(row)
        if new:
            _insert(s, campaign, new)
        issued_by = dt.datetime.combine(matcher.profile.document.issue_date, dt.time())
        settle_slots(s, campaign, {row["slot"] for _, row, _ in new if row["slot"]}, issued_by=issued_by)
    return out


def _retire_fault(s: Session, campaign: str, sha: str, submission_id: int, reason: str | None) -> None:
    """Replace the row of a file this program once faulted on by the reading that now succeeds.

    The fault row holds no records (nothing was read), only the reason; the event log keeps it,
    and the original stays where the fault put it, in quarantine, beside its new copy.
    """
    s.execute(delete(Submission).where(Submission.id == submission_id))
    event(s, "retry", sha, campaign=campaign, submission=submission_id, fault=reason)


#: Every column a new submission row sets (one INSERT for a batch needs the same keys in each row).
_ROW = dict(meta={}, form_id=None, form_type=None, match_method=None, department=None, person_name=None,
            staff_id=None, slot=None, saved_at=None, parsed=None, reason=None)


def _row(matcher: Matcher, campaign: str, parsed: Parsed, received: dt.datetime) -> tuple[dict, list[Problem]]:
    """The submission row of one file (matched and validated, unless unreadable) and its problems."""
    item, form = parsed.item, parsed.form
    row = dict(_ROW, campaign=campaign, sha256=item.sha256, filename=item.rel, filename_raw=item.raw_name,
               size=item.size, file_modified=item.modified, received_at=received, problems=[])
    if parsed.reason is not None:
        row.update(status=(Status.FAULT if parsed.fault else Status.REJECTED).value, reason=parsed.reason)
        return row, []
    match = matcher.match(form)
    problems = [*form_problems(form, matcher.profile.rules), *match.problems]
    row.update(_fields(form, match, problems), saved_at=saved_time(form.meta),
               problems=[f"{p.where}：{p.message}" if p.where else p.message for p in problems])
    return row, problems


def _insert(s: Session, campaign: str, new: list[tuple[Parsed, dict, list[Problem]]]) -> None:
    """The batch's submissions, then their risk points, problems and events, one statement each."""
    id_of = dict(s.execute(_INSERT_SUBMISSION.returning(Submission.sha256, Submission.id),
                           [_columns(row) for _, row, _ in new]).all())
    ids = [id_of[row["sha256"]] for _, row, _ in new]  # a batch's shas are distinct
    risks: list[dict] = []
    problem_rows: list[dict] = []
    entries: list[tuple[str, str, dict]] = []
    for (parsed, row, problems), sid in zip(new, ids, strict=True):
        row["id"] = sid
        item = parsed.item
        if parsed.reason is not None:
            entries.append(("fault" if parsed.fault else "reject", item.sha256,
                            dict(file=item.rel, submission=sid, reason=parsed.reason)))
            continue
        risks += risk_rows(sid, parsed.form)
        problem_rows += [dict(submission_id=sid, code=p.code, message=p.message, where=p.where,
                              scope=Scope.FORM.value) for p in problems]
        entries.append(("ingest", item.sha256, dict(
            file=item.rel, submission=sid, form_id=row["form_id"], form_type=row["form_type"],
            match=row["match_method"], status=row["status"], problems=len(problems))))
    if risks:
        s.execute(_INSERT_RISK, risks)
    if problem_rows:
        s.execute(_INSERT_PROBLEM, problem_rows)
    events(s, campaign, entries)


def _columns(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "problems"}


def _fields(parsed: ParsedForm, match: Match, problems: list[Problem]) -> dict:
    """A return whose identity is in doubt is held for the office and answers no slot, so it can
    never supersede the named person's own return; any other problem sends the form back."""
    held = any(p.code in IDENTITY_DOUBTS for p in problems)
    status = Status.IDENTITY_HOLD if held else Status.NEEDS_REVISION if problems else Status.ACCEPTED
    return dict(status=status.value, form_id=match.form_id, form_type=match.form_type,
                match_method=match.method, slot=None if held else match.slot, department=match.department or parsed.header.unit,
                person_name=match.person_name or parsed.header.name, staff_id=match.staff_id, meta=dict(parsed.meta),
                parsed=parsed.model_dump(mode="json", exclude={"meta"}))


def risk_rows(submission_id: int, parsed: ParsedForm) -> list[dict]:
    """The risk_points rows of one parsed form."""
    return [dict(submission_id=submission_id, seq=r.seq, name=r.name, description=r.description,
                 category=r.category, level=r.level, level_label=r.level_label, level_rank=r.level_rank,
                 level_scheme=r.level_scheme, measures=r.measures,
                 review=r.review, duty=r.duty, extra=r.extra) for r in parsed.risks]
