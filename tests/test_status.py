"""``lianzheng status``: per department, owed vs received vs accepted vs to redo vs missing vs overdue."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from rich.console import Console

from ingested import ingested_workspace
from pipeline.cli import main
from pipeline.errors import UsageError
from pipeline.show import print_status
from pipeline.report.status import status

AFTER_FIRST_DUE = dt.date(2012, 7, 1)  # 个人排查评估表 due 2012-06-30, 措施表 2012-10-31


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    return ingested_workspace(tmp_path_factory.mktemp("status"))


def test_due_dates_come_from_the_tasks(ingested) -> None:
    ws, _ = ingested
    assert ws.profile.due_date("002-person-assessment") == dt.date(2012, 6, 30)
    assert ws.profile.due_date("002-unit-measures") == dt.date(2012, 11, 30)


def test_finance_department_counts(ingested) -> None:
    ws, expect = ingested
    (row,) = status(ws, department="财务处", today=AFTER_FIRST_DUE)
    people = [p for p in ws.roster if p.department == "财务处"]
    assert row.issued == 2 * len(people) + 2  # two personal forms each, two department forms
    # 01 accepted, 02 resubmitted and accepted, 03 sent back; the superseded 02 is not counted twice
    assert (row.received, row.accepted, row.needs_revision) == (3, 2, 1)
    assert [o.person_name for o in row.to_redo] == [expect["财务处/03-漏填.docx"]["person"]]
    assert len(row.missing) == row.issued - 3
    overdue = {(o.person_name, o.form_type) for o in row.overdue}
    assert len(overdue) == len(people) - 3 and {t for _, t in overdue} == {"002-person-assessment"}
    (early,) = status(ws, department="CWC", today=dt.date(2012, 6, 1))
    assert early.overdue == [] and len(early.missing) == len(row.missing)


def test_every_department_and_totals(ingested) -> None:
    ws, _ = ingested
    rows = status(ws, today=AFTER_FIRST_DUE)
    assert [r.department for r in rows] == [d.name for d in ws.profile.departments]
    assert sum(r.received for r in rows) == 10  # 12 readable returns, one superseded; 查无此人 matches no one
    by = {r.department: r for r in rows}
    assert by["人事处"].needs_revision == 3 and by["科研处"].needs_revision == 3
    assert by["组织部"].accepted == 1


def test_unknown_department_is_a_usage_error(ingested) -> None:
    ws, _ = ingested
    with pytest.raises(UsageError, match="没有这个部门"):
        status(ws, department="宣传部")


def test_cli_json_and_filters(ingested) -> None:
    ws, _ = ingested
    runner = CliRunner()
    out = runner.invoke(main, ["status", "-w", str(ws.root), "--json", "-d", "财务处"])
    assert out.exit_code == 0, out.output
    (row,) = json.loads(out.output)
    assert row["department"] == "财务处" and row["received"] == 3 and row["missing"][0]["due"].startswith("2012-")
    overdue = runner.invoke(main, ["status", "-w", str(ws.root), "--overdue", "--json"])
    assert {r["department"] for r in json.loads(overdue.output)} == {d.name for d in ws.profile.departments}


def test_table_rendering(ingested) -> None:
    ws, _ = ingested
    console = Console(record=True, width=120)
    print_status(status(ws, today=AFTER_FIRST_DUE), console=console)
    text = console.export_text()
    assert "报送情况" in text and "财务处" in text and "合计" in text and "逾期未交" in text
