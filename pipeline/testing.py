"""Filling issued forms the way a person does in Word — for tests, benchmarks and the bundled example.

Like ``click.testing``, this is shipped with the library because more than the test suite needs it:
the benchmarks fill thousands of forms and ``profiles/make_example_inbox.py`` fills the example's
inbox. Values go into the table whose header row carries the definition's labels, into its
numbered blank rows, adding rows (copies of the last one) when there are more risks than rows.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import docx

from pipeline.forms import FormDefinition

Risk = tuple[str, str, str]  # name, description, level as written


def set_cell_text(cell, value: str) -> None:
    """Replace a cell's text, one paragraph per line (numbered measures keep their line breaks)."""
    for p in cell.paragraphs[1:]:
        p._p.getparent().remove(p._p)
    lines = value.split("\n")
    cell.paragraphs[0].text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def _risk_table(document, definition: FormDefinition):
    """The risk table, its last header row and the cell each column label sits in.

    A grouped header (000's 防控措施 over 前期预防 / 中期监控 / 后期处置) takes two rows: the labels
    merged down both rows repeat in the second, which also holds the group's own labels, so the
    header runs on while the next row names labels the rows above did not; data start after it.
    """
    labels = [c.label for c in definition.columns]

    def named(row) -> dict[str, int]:
        texts = [c.text.strip() for c in row.cells]
        return {label: texts.index(label) for label in labels if label in texts}

    for table in document.tables:
        for i, row in enumerate(table.rows):
            positions = named(row)
            if len(positions) < max(2, len(labels) // 2):
                continue
            while i + 1 < len(table.rows) and set(more := named(table.rows[i + 1])) - set(positions):
                positions.update(more)
                i += 1
            return table, i, positions
    raise ValueError(f"no table with the labels of {definition.id}")


def fill_form(src: Path, dst: Path, definition: FormDefinition, rows: Sequence[Mapping[str, str]], *,
              author: str | None = None, last_modified_by: str | None = None,
              signatures: Mapping[str, str] | None = None, mtime: float | None = None) -> Path:
    """Type ``rows`` (column key → text) into the issued form ``src`` and save it as ``dst``.

    ``signatures`` maps a signature label (e.g. 单位领导签字) to the name written after it.
    Columns marked ``merged`` (002's 岗位职责) are left as issued unless a row gives them.
    """
    document = docx.Document(str(src))
    table, header_index, positions = _risk_table(document, definition)
    first = header_index + 1
    # Rows of the risk block: from the first data row down to the last row with as many cells.
    width = len(table.rows[header_index].cells)
    block = [r for r in table.rows[first:] if len(r.cells) == width]
    while len(block) < len(rows):
        tr = copy.deepcopy(block[-1]._tr)
        block[-1]._tr.addnext(tr)
        block = [r for r in table.rows[first:] if len(r.cells) == width]
    for n, (row, values) in enumerate(zip(block, rows), start=1):
        cells = row.cells
        for column in definition.columns:
            if column.label not in positions:
                continue
            value = str(n) if column.type == "seq" else values.get(column.key)
            if value is not None and (not column.merged or column.key in values):
                set_cell_text(cells[positions[column.label]], value)
    for para in document.paragraphs:
        _sign(para, signatures or {})
    return _save(document, dst, author=author, last_modified_by=last_modified_by, mtime=mtime)


def _sign(para, signatures: Mapping[str, str]) -> None:
    """Write each name after its label's blank, where a line holds one signature or several
    (000: 本人签字：____　　部门（单位）负责人签字：____); a label inside a longer one is not its own."""
    text = para.text
    changed = False
    for label in sorted(signatures, key=len, reverse=True):
        pattern = re.compile(r"(?:^|(?<=[\s\u3000]))" + re.escape(label) + r"[：:]?[ _\u3000]*?(?:_+|$|(?=[\s\u3000]))")
        text, n = pattern.subn(lambda m, lb=label: f"{lb}：{signatures[lb]}", text, count=1)
        changed = changed or bool(n)
    if changed:
        para.text = text


@contextlib.contextmanager
def _core_prefix():
    """python-docx's ``cp`` prefix bound to the core-properties namespace while core properties are set.

    Importing docxtpl imports docxcompose, which rebinds ``cp`` in python-docx's shared prefix map
    to the custom-properties namespace; a ``last_modified_by`` set after that lands in an element
    Word (and the parser) never read, so "who saved it" would depend on what ran before."""
    from docx.oxml.ns import nsmap

    before = nsmap.get("cp")
    nsmap["cp"] = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
    try:
        yield
    finally:
        if before is not None:
            nsmap["cp"] = before


def _save(document, dst: Path, *, author: str | None, last_modified_by: str | None, mtime: float | None) -> Path:
    """Save as a person's Word would: their name in the metadata, the save time inside and on disk."""
    with _core_prefix():
        if mtime is not None:  # ingest orders returns by the save time inside the file
            document.core_properties.modified = dt.datetime.fromtimestamp(mtime, dt.timezone.utc).replace(tzinfo=None)
        if author is not None:
            document.core_properties.author = author
        if last_modified_by is not None:
            document.core_properties.last_modified_by = last_modified_by
    dst.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(dst))
    if mtime is not None:
        os.utime(dst, (mtime, mtime))
    return dst


def foreign(dst: Path, *, unit: str, name: str, position: str, risks: Sequence[Risk],
            author: str | None = None, mtime: float | None = None) -> Path:
    """A 个人廉政风险排查评估表 typed from scratch by an office: its own layout, no form id."""
    document = docx.Document()
    document.add_paragraph("附件1")
    document.add_paragraph("个人廉政风险排查评估表")
    document.add_paragraph(f"单位：{unit}    姓名：{name}    职务：{position}    2012年6月28日")
    table = document.add_table(rows=1, cols=5)
    for cell, label in zip(table.rows[0].cells, ["序号", "风险名称", "风险内容及表现形式", "风险等级", "单位审核意见"]):
        cell.text = label
    for i, (risk_name, description, level) in enumerate(risks, start=1):
        cells = table.add_row().cells
        for cell, value in zip(cells, [str(i), risk_name, description, level, ""]):
            cell.text = value
    return _save(document, dst, author=author, last_modified_by=author, mtime=mtime)


TOPICS = ("经费报销审核", "物资采购验收", "人员招聘考核", "合同签订审查", "评优评先推荐", "招生录取审核")


def sample_rows(person: str, definition: FormDefinition, level_labels: Sequence[str], n: int = 3) -> list[dict[str, str]]:
    """``n`` plausible, distinct risk rows for ``person`` in the columns ``definition`` has."""
    rows = []
    start = sum(map(ord, person))  # each person picks their own topics, as people do
    for i in range(n):
        topic = TOPICS[(start + i) % len(TOPICS)]
        rows.append({
            "name": f"{topic}环节风险",
            "description": f"{person}在{topic}中可能放宽标准、接受服务对象宴请或礼品，为他人谋取利益",
            "level": level_labels[i % len(level_labels)],
            "measures": f"1. 严格执行{topic}制度，{person}经办的事项实行集体研究\n2. 全程留痕，接受监督",
            "measures_monitor": f"{topic}过程全程留痕，纪检部门随机抽查",
            "measures_disposal": f"发现{topic}违规及时谈话提醒，情节严重的追究责任",
            "category": "岗位职责",
        })
    return [{k: v for k, v in row.items() if definition.column(k) is not None} for row in rows]
