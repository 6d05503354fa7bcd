"""Two institutions' workspaces on one store: ``status --all`` gives each its completeness and top-level points."""

from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import make_workspace
from pipeline import api
from pipeline.cli import main
from pipeline.forms import get
from pipeline.testing import fill_form, sample_rows
from pipeline.workspace import Workspace
from store_backends import store_url  # noqa: F401  (fixture: SQLite and PostgreSQL)

FORMS = {"002-qztc": ("002-person-assessment", "财务处"), "000-ccmc": ("000-person-control", "财务处")}


def _campaign(tmp_path, profile: str, url: str, returned: int) -> tuple[Workspace, int]:
    ws = make_workspace(tmp_path / profile, profile)
    ws = Workspace(ws.root, db_url=url)
    form_type, department = FORMS[profile]
    api.make_forms(ws, department=department, form_type=form_type, progress=False, jobs=1)
    definition = get(form_type)
    labels = ws.profile.levels.labels
    people = [p for p in ws.roster if p.department == department and (not definition.tiers or p.tier in definition.tiers)]
    top = 0
    for p in people[:returned]:
        issued = next((ws.outbox / "forms").rglob(f"{p.staff_id}-{p.name}/*.docx"))
        rows = sample_rows(p.name, definition, labels)
        top += sum(1 for r in rows if r.get("level") == labels[0])
        fill_form(issued, ws.inbox / f"{p.name}.docx", definition, rows, author=p.name, last_modified_by=p.name)
    api.ingest(ws, progress=False, jobs=1)
    return ws, top


def test_status_all_lists_every_institution(tmp_path, store_url) -> None:  # noqa: F811
    qztc, top_qztc = _campaign(tmp_path, "002-qztc", store_url, returned=3)
    ccmc, top_ccmc = _campaign(tmp_path, "000-ccmc", store_url, returned=2)
    rows = {r.code: r for r in api.overview(store_url)}
    assert set(rows) == {qztc.profile.campaign.code, ccmc.profile.campaign.code}
    for ws, returned, top in ((qztc, 3, top_qztc), (ccmc, 2, top_ccmc)):
        r = rows[ws.profile.campaign.code]
        (dept,) = api.status(ws, department="财务处")
        issued = len(list((ws.outbox / "forms").rglob("*.docx")))  # one form type of one department went out
        assert (r.institution, r.issued, r.received) == (ws.profile.institution.name, issued, returned)
        assert r.received == dept.received and r.accepted == dept.accepted
        assert r.top_level == ws.profile.levels.labels[0] and r.high == top and top > 0
    result = CliRunner().invoke(main, ["status", "--all", "--db", store_url, "--json"])
    assert result.exit_code == 0, result.output
    printed = {r["code"]: r for r in json.loads(result.output)}
    assert printed[qztc.profile.campaign.code]["missing"] == rows[qztc.profile.campaign.code].missing
    table = CliRunner().invoke(main, ["status", "--all", "--db", store_url], env={"COLUMNS": "200"})
    assert "泉州师范学院" in table.output and "长春医学高等专科学校" in table.output


def test_each_campaign_keeps_its_own_audit_log_in_a_shared_store(tmp_path, store_url) -> None:  # noqa: F811
    from sqlalchemy import select

    from pipeline.store import open_store
    from pipeline.store.models import Submission
    from pipeline.store.queries import all_events

    qztc, _ = _campaign(tmp_path, "002-qztc", store_url, returned=2)
    ccmc, _ = _campaign(tmp_path, "000-ccmc", store_url, returned=1)
    with open_store(store_url)() as s:
        for ws, other in ((qztc, ccmc), (ccmc, qztc)):
            code = ws.profile.campaign.code
            theirs = set(s.scalars(select(Submission.sha256).where(Submission.campaign == other.profile.campaign.code)))
            log = all_events(s, code)
            assert {e.action for e in log} >= {"issue_forms", "ingest"}
            assert not theirs & {e.subject for e in log}, "another institution's returns are not in this log"
