"""The resubmission rule: within one slot one readable return is current, the others are superseded.

Which one is current: the newest by the save time written inside the documents, but only when
every return of the slot carries a *plausible* one — not in the future of its arrival (a PC whose
clock runs ahead) and not before its form was issued (a clock years behind, or a template saved
long ago and never re-saved). A form counts as issued at the earlier of the day the campaign's
document was dated and the moment this store issued it: a store may be built after the campaign
(as the bundled 2012 example is), and its returns were still saved after the forms went out. Otherwise the order of arrival in the store decides: the later ingest
run wins, and within one run the later file time, then the sha, so every run over the same files
picks the same one whatever order they were read in. The file's own mtime alone never overrides
arrival: mail attachments, USB sticks and sync tools reset it.

Nothing is deleted: the older row keeps its original and its records, gets ``superseded`` and
points at the current row, and an event says so.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline.store import event
from pipeline.store.models import IssuedForm, ProblemRow, Submission
from pipeline.store.queries import chunked
from pipeline.store.status import BLOCKING, READABLE, Status


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


#: How far a save time may run ahead of the arrival and still be believed (clocks drift a little).
CLOCK_SKEW = dt.timedelta(minutes=10)


def plausible(saved: dt.datetime | None, received: dt.datetime, issued: dt.datetime | None) -> bool:
    """Whether a document's own save time can be believed for ordering returns."""
    if saved is None or saved > received + CLOCK_SKEW:
        return False
    return issued is None or saved >= issued - CLOCK_SKEW


def settle_slots(s: Session, campaign: str, slots: set[str], *, issued_by: dt.datetime | None = None) -> None:
    """In each of ``slots``, make the current return current and mark every other readable one
    superseded by it (the readable returns of all the slots read in one query).

    ``issued_by``: the campaign's document date; no form of the campaign went out later than it.
    """
    by_slot: dict[str, list] = {}
    for chunk in chunked(sorted(slots)):
        for r in s.execute(select(Submission.id, Submission.slot, Submission.sha256, Submission.status,
                                  Submission.superseded_by, Submission.saved_at, Submission.received_at,
                                  Submission.file_modified, IssuedForm.issued_at)
                           .outerjoin(IssuedForm, IssuedForm.form_id == Submission.form_id)
                           .where(Submission.campaign == campaign, Submission.slot.in_(chunk),
                                  Submission.status.in_(READABLE))):
            by_slot.setdefault(r.slot, []).append(r)
    for slot in sorted(by_slot):
        if len(by_slot[slot]) > 1:
            _settle(s, campaign, slot, by_slot[slot], issued_by)


def _settle(s: Session, campaign: str, slot: str, rows: list, issued_by: dt.datetime | None) -> None:
    lowest = dt.datetime.min

    def issued(r) -> dt.datetime | None:
        return min((t for t in (r.issued_at, issued_by) if t is not None), default=None)

    if all(plausible(r.saved_at, r.received_at, issued(r)) for r in rows):
        rows.sort(key=lambda r: (r.saved_at, r.received_at, r.file_modified or lowest, r.sha256))
    else:
        rows.sort(key=lambda r: (r.received_at, r.file_modified or lowest, r.sha256))
    newest = rows[-1]
    if newest.status == Status.SUPERSEDED:  # an older copy arrived after a newer one was superseded: restore it
        s.execute(update(Submission).where(Submission.id == newest.id)
                  .values(status=_own_status(s, newest.id), superseded_by=None))
    for older in rows[:-1]:
        if older.status != Status.SUPERSEDED or older.superseded_by != newest.id:
            s.execute(update(Submission).where(Submission.id == older.id)
                      .values(status=Status.SUPERSEDED.value, superseded_by=newest.id))
            event(s, "supersede", older.sha256, campaign=campaign, submission=older.id, by=newest.id, slot=slot)


def _own_status(s: Session, submission_id: int) -> str:
    has = s.scalar(select(ProblemRow.id).where(ProblemRow.submission_id == submission_id,
                                               ProblemRow.scope.in_(BLOCKING)).limit(1))
    return (Status.NEEDS_REVISION if has is not None else Status.ACCEPTED).value
