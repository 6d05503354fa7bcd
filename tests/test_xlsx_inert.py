"""Workbooks written outside the ledger keep formula-like text inert too: the roster template, the catalogue."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl

from pipeline.profile import StaffMember
from pipeline.report.archive.catalogue import Entry, to_xlsx
from pipeline.rosterbook import write_roster

TYPED = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "\t=HYPERLINK(\"http://x\")"]


def _no_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return not any("<f>" in z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_roster_template(tmp_path) -> None:
    people = [StaffMember(staff_id=f"{1001 + i}", name=f"张{i}", department="财务处", duty=text)
              for i, text in enumerate(TYPED)]
    path = tmp_path / "roster.xlsx"
    write_roster(path, people, ["财务处", "=1+1"])
    wb = openpyxl.load_workbook(path)
    duties = [row[6] for row in wb["名册"].iter_rows(min_row=2)]
    assert [c.value for c in duties] == [t.strip() for t in TYPED] and all(c.data_type == "s" and c.quotePrefix for c in duties)
    assert wb["选项"]["A2"].value == "=1+1" and wb["选项"]["A2"].data_type == "s"
    assert _no_formulas(path.read_bytes())


def test_archive_catalogue() -> None:
    entries = [Entry(kind="returns", retention="D30", title=text, responsible="@财务处", date=dt.date(2026, 7, 1),
                     files=["a.docx"], seq=i + 1) for i, text in enumerate(TYPED)]
    data = to_xlsx(entries, "归档文件目录", dt.date(2026, 12, 1))
    sh = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sh[1]]
    cells = [row[header.index("题名")] for row in sh.iter_rows(min_row=2)]
    assert [c.value for c in cells] == TYPED and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert _no_formulas(data)
