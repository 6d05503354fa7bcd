"""Which return is current: plausible save times inside the documents, else the order of arrival."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import select, update

from conftest import make_workspace
from pipeline import api
from pipeline.forms import get
from pipeline.intake.resubmission import saved_time
from pipeline.store import open_store
from pipeline.store.models import IssuedForm, Submission
from pipeline.testing import fill_form, sample_rows


def test_saved_time_reads_docx_and_pdf_stamps():
    assert saved_time({"modified": "2012-06-18T08:30:00Z"}) == dt.datetime(2012, 6, 18, 8, 30)
    assert saved_time({"modified": "D:20121018093000+08'00'"}) == dt.datetime(2012, 10, 18, 9, 30)
    assert saved_time({"modified": "yesterday"}) is None
    assert saved_time({}) is None


def _issued_days_ago(ws, days: int) -> float:
    """Date the issued forms back, as in a campaign where forms went out weeks before the returns."""
    issued = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(days=days)
    with open_store(ws.database_url).begin() as s:
        s.execute(update(IssuedForm).values(issued_at=issued))
    return issued.replace(tzinfo=dt.timezone.utc).timestamp()


def _one_person(tmp_path):
    ws = make_workspace(tmp_path)
    person = next(p for p in ws.roster if p.tier == "一般工作人员")
    api.make_forms(ws, person=person.staff_id, form_type="002-person-assessment", progress=False)
    issued = next((ws.outbox / "forms").rglob("附表1-*.docx"))
    definition = get("002-person-assessment")
    rows = sample_rows(person.name, definition, ["三级", "二级", "一级"])
    return ws, issued, definition, rows


def _statuses(ws) -> dict[str, str]:
    with open_store(ws.database_url)() as s:
        return {r.filename: r.status for r in s.scalars(select(Submission))}


def test_resubmission_is_ordered_by_save_time_even_when_mtimes_lie(tmp_path):
    ws, issued, definition, first = _one_person(tmp_path)
    t0 = _issued_days_ago(ws, 30) + 86400
    fixed = [dict(row, level="二级") for row in first]
    # The corrected file was saved a day later, but copied so that its mtime is older.
    fill_form(issued, ws.inbox / "a-旧.docx", definition, [dict(first[0], level="九级")], mtime=t0)
    fill_form(issued, ws.inbox / "b-新.docx", definition, fixed, mtime=t0 + 86400)
    os.utime(ws.inbox / "b-新.docx", (t0 - 86400, t0 - 86400))
    api.ingest(ws, progress=False)
    assert _statuses(ws) == {"a-旧.docx": "superseded", "b-新.docx": "accepted"}


def test_plausible_save_times_beat_arrival_order(tmp_path):
    """The corrected return arrives first (an earlier run), the older draft later: save times decide."""
    ws, issued, definition, first = _one_person(tmp_path)
    t0 = _issued_days_ago(ws, 30) + 86400
    fill_form(issued, ws.inbox / "b-新.docx", definition, [dict(r, level="二级") for r in first], mtime=t0 + 86400)
    api.ingest(ws, progress=False)
    fill_form(issued, ws.inbox / "a-旧.docx", definition, [dict(first[0], level="九级")], mtime=t0)
    api.ingest(ws, progress=False)
    assert _statuses(ws) == {"a-旧.docx": "superseded", "b-新.docx": "accepted"}


def test_a_save_time_in_the_future_does_not_win(tmp_path):
    """A PC clock set to 2099 must not keep its draft current over a later, honest correction."""
    ws, issued, definition, first = _one_person(tmp_path)
    t0 = _issued_days_ago(ws, 30) + 86400
    future = dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    fill_form(issued, ws.inbox / "a-2099.docx", definition, [dict(first[0], level="九级")], mtime=future)
    api.ingest(ws, progress=False)
    fill_form(issued, ws.inbox / "b-改正.docx", definition, [dict(r, level="二级") for r in first], mtime=t0)
    api.ingest(ws, progress=False)
    assert _statuses(ws) == {"a-2099.docx": "superseded", "b-改正.docx": "accepted"}


def test_a_save_time_before_the_form_was_issued_does_not_win(tmp_path):
    ws, issued, definition, first = _one_person(tmp_path)
    start = _issued_days_ago(ws, 30)
    fill_form(issued, ws.inbox / "a-新.docx", definition, [dict(r, level="二级") for r in first], mtime=start + 86400)
    api.ingest(ws, progress=False)
    # saved in 1999, long before the campaign's document (2012) and the forms: a wrong clock, so arrival
    # order decides — the later file wins
    y1999 = dt.datetime(1999, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    fill_form(issued, ws.inbox / "b-后到.docx", definition, [dict(first[0], level="九级")], mtime=y1999)
    api.ingest(ws, progress=False)
    assert _statuses(ws) == {"a-新.docx": "superseded", "b-后到.docx": "needs_revision"}
