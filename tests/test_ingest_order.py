"""Which return is newer: the save time inside the document, not the file's mtime."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import select

from conftest import make_workspace
from pipeline import api
from pipeline.forms import get
from pipeline.intake.resubmission import saved_time
from pipeline.store import open_store
from pipeline.store.models import Submission
from pipeline.testing import fill_form, sample_rows


def test_saved_time_reads_docx_and_pdf_stamps():
    assert saved_time({"modified": "2012-06-18T08:30:00Z"}) == dt.datetime(2012, 6, 18, 8, 30)
    assert saved_time({"modified": "D:20121018093000+08'00'"}) == dt.datetime(2012, 10, 18, 9, 30)
    assert saved_time({"modified": "yesterday"}) is None
    assert saved_time({}) is None


def test_resubmission_is_ordered_by_save_time_even_when_mtimes_lie(tmp_path):
    ws = make_workspace(tmp_path)
    person = next(p for p in ws.roster if p.tier == "一般工作人员")
    api.make_forms(ws, person=person.staff_id, form_type="002-person-assessment", progress=False)
    issued = next((ws.outbox / "forms").rglob("附表1-*.docx"))
    definition = get("002-person-assessment")
    first = sample_rows(person.name, definition, ["三级", "二级", "一级"])
    fixed = [dict(row, level="二级") for row in first]
    t0 = 1_340_000_000.0
    # The corrected file was saved a day later, but copied so that its mtime is older.
    fill_form(issued, ws.inbox / "a-旧.docx", definition, [dict(first[0], level="九级")], mtime=t0)
    fill_form(issued, ws.inbox / "b-新.docx", definition, fixed, mtime=t0 + 86400)
    os.utime(ws.inbox / "b-新.docx", (t0 - 86400, t0 - 86400))
    api.ingest(ws, progress=False)
    with open_store(ws.database_url)() as s:
        status = {r.filename: r.status for r in s.scalars(select(Submission))}
    assert status == {"a-旧.docx": "superseded", "b-新.docx": "accepted"}
