"""归档文件目录 after DA/T 22-2015: one row per 件, as .xlsx (A4 landscape) and as CSV.

Columns are the standard's — 序号, 档号, 文号, 责任者, 题名, 日期 (8 digits), 密级, 页数, 备注 —
followed by two that tie each 件 to its files in the package: 文件 (the files of the 件, paths
under ``data/``, separated by ``；``) and PDF/A (its PDF/A copy, if any).

档号 = 全宗号-门类代码·年度-保管期限-机构（问题）代码-件号, e.g. 0123-WS·2026-Y-JJW-0001. 件号
counts from 0001 without gaps within each 保管期限 (the other parts are one per package).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

COLUMNS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注", "文件", "PDF/A")
FILE_SEP = "；"
RETENTION_ORDER = ("Y", "D30", "D10")
ARCHIVAL_CODE = re.compile(r"^(?P<fonds>[0-9A-Z]+)-(?P<category>[A-Z]+)·(?P<year>\d{4})-(?P<retention>Y|D30|D10)"
                           r"-(?P<org>[0-9A-Z]+)-(?P<item>\d{4})$")


@dataclass
class Entry:
    """One 件: what the catalogue says about it and which files it is."""

    kind: str
    retention: str
    title: str
    responsible: str
    date: dt.date
    files: list[str]
    number: str = ""
    classification: str = ""
    pages: int | None = None
    note: str = ""
    pdfa: str = ""
    archival_code: str = ""
    item: str = ""
    seq: int = 0
    extra: dict = field(default_factory=dict)

    def row(self) -> list[str]:
        return [str(self.seq), self.archival_code, self.number, self.responsible, self.title,
                self.date.strftime("%Y%m%d"), self.classification, "" if self.pages is None else str(self.pages),
                self.note, FILE_SEP.join(self.files), self.pdfa]


def number(entries: list[Entry], *, fonds: str, category: str, year: int, org: str) -> None:
    """Give each 件 its 序号 and 档号, in place: ordered by 保管期限, then as listed; 件号 gap-free per 保管期限."""
    entries.sort(key=lambda e: RETENTION_ORDER.index(e.retention))
    counters: dict[str, int] = {}
    for seq, e in enumerate(entries, start=1):
        counters[e.retention] = counters.get(e.retention, 0) + 1
        e.seq, e.item = seq, f"{counters[e.retention]:04d}"
        e.archival_code = f"{fonds}-{category}·{year}-{e.retention}-{org}-{e.item}"


def to_csv(entries: list[Entry]) -> bytes:
    """UTF-8 with BOM (Excel opens it without garbling), CRLF as RFC 4180 says."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow(e.row())
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def to_xlsx(entries: list[Entry], title: str, when: dt.date) -> bytes:
    """The catalogue as a workbook printed on A4 landscape, header row repeated on every page."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    from pipeline.report.archive.zipfile_writer import normalise_ooxml
    from pipeline.report.xlsx import append_row

    wb = Workbook()
    ws = wb.active
    ws.title = "归档文件目录"
    append_row(ws, COLUMNS)
    for e in entries:
        append_row(ws, e.row())
    thin = Side(style="thin")
    for row in ws.iter_rows():
        for cell in row:
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for letter, width in zip("ABCDEFGHIJK", (6, 24, 14, 16, 40, 10, 6, 6, 24, 40, 30)):
        ws.column_dimensions[letter].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.freeze_panes = "A2"
    ws.oddHeader.center.text = title
    wb.properties.creator = "lianzheng"
    buf = io.BytesIO()
    wb.save(buf)
    return normalise_ooxml(buf.getvalue(), when)


def read_xlsx(data: bytes) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data), read_only=True).active
    rows = [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
    return [dict(zip(rows[0], r)) for r in rows[1:]] if rows else []
