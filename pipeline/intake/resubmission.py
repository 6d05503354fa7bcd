"""The resubmission rule: within one slot the newest readable return is current, older ones are superseded.

Nothing is deleted: the older row keeps its original and its records, gets ``superseded`` and
points at the newer row, and an event says so. Newest is the later save time inside the document
(:func:`saved_time`), equal times broken by the sha, so every run picks the same one whatever
order the files arrived in.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline.store import event
from pipeline.store.models import ProblemRow, Submission
from pipeline.store.status import BLOCKING, Status


def saved_time(meta: dict[str, str]) -> dt.datetime | None:
    """When the document says it was last saved (UTC, naive), from docx core or PDF info.

    Preferred over the file's mtime to decide which return is newer: mail attachments, USB sticks
    and git checkouts reset mtimes, while Word, WPS and LibreOffice stamp the save time inside.
    """
    text = (meta.get("modified") or "").strip()
    if text.startswith("D:"):  # PDF date: D:YYYYMMDDHHmmSS[+HH'mm']
        digits = text[2:16]
        try:
            return dt.datetime.strptime(digits.ljust(14, "0"), "%Y%m%d%H%M%S")
        except ValueError:
            return None
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return stamp


def settle_slot(s: Session, campaign: str, slot: str | None) -> None:
    """Make the newest readable return of ``slot`` current and mark every older one superseded by it."""
    if slot is None:
        return
    rows = s.execute(select(Submission.id, Submission.sha256, Submission.status, Submission.superseded_by,
                            Submission.file_modified)
                     .where(Submission.campaign == campaign, Submission.slot == slot,
                            Submission.status != Status.REJECTED)).all()
    if len(rows) < 2:
        return
    rows.sort(key=lambda r: (r.file_modified or dt.datetime.min, r.sha256))
    newest = rows[-1]
    if newest.status == Status.SUPERSEDED:  # an older copy arrived after a newer one was superseded: restore it
        s.execute(update(Submission).where(Submission.id == newest.id)
                  .values(status=_own_status(s, newest.id), superseded_by=None))
    for older in rows[:-1]:
        if older.status != Status.SUPERSEDED or older.superseded_by != newest.id:
            s.execute(update(Submission).where(Submission.id == older.id)
                      .values(status=Status.SUPERSEDED.value, superseded_by=newest.id))
            event(s, "supersede", older.sha256, submission=older.id, by=newest.id, slot=slot)


def _own_status(s: Session, submission_id: int) -> str:
    has = s.scalar(select(ProblemRow.id).where(ProblemRow.submission_id == submission_id,
                                               ProblemRow.scope.in_(BLOCKING)).limit(1))
    return (Status.NEEDS_REVISION if has is not None else Status.ACCEPTED).value
