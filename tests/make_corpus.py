"""Fill returned forms the way offices do, and write the expected records beside each.

Run ``python tests/make_corpus.py OUTDIR [--pdf]``; the tests call :func:`build_corpus` in a
session fixture, so nothing generated is committed. Each case is typed with python-docx the way
a clerk would lay out a seed's table (001, 002, 003, plus 000/004), with one or more of the
variations the parser must survive: merged 岗位职责, added rows, blank and "……" rows, numbered
multi-line measures, header fields on a line or inside the table, a table continued on a second
page, full-width digits, spaces inside names, no risk rows, three date styles, loose levels,
content controls and nested tables. The expected JSON is written from the values filled here
(what the clerk meant), never from the parser's output.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from pipeline.testing import set_cell_text

FW = str.maketrans("0123456789", "０１２３４５６７８９")

NOTE_002 = ("备注：本表中的廉政风险，指公职人员可能产生不廉洁行为的危险。风险内容及表现形式，指包括但不仅限于公职人员在履职中"
            "容易产生不廉洁行为的环节和事项等。风险等级：根据产生不廉洁行为的概率和影响程度，从低到高依次分为一级、二级、三级。")


@dataclass
class Risk:
    """One risk point as the clerk meant it, and how it is printed."""

    name: str
    description: str | None = None
    category: str | None = None  # canonical
    category_written: str | None = None
    level_written: str | None = None
    level: str | None = None  # high / medium / low in the form's scheme
    level_label: str | None = None  # as written, in clean text ("三 级" → "三级"); default: level_written
    measures: list[str] | None = None
    review: str | None = None
    post_level: str | None = None
    name_written: str | None = None  # e.g. with full-width digits or stray spaces


POOL = [
    Risk("干部考察失真", "在干部选拔考察中听取意见不全面，考察结论与实际表现不符", "岗位职责",
         measures=["1.严格执行干部考察工作规定；", "2.扩大考察谈话范围；", "3.考察结论集体研究。"], review="属实，同意"),
    Risk("物资采购暗箱操作", "采购中不按规定公开招标，与供应商串通抬高价格，收受回扣", "业务流程",
         measures=["1.严格执行政府采购制度；", "2.实行采购与验收分离；", "3.纪委全程监督。"], review="同意"),
    Risk("科研经费报销不实", "虚列劳务费、材料费，套取科研经费用于个人支出", "制度机制",
         measures=["严格审核原始票据，实行项目负责人签字和财务复核双审制度。"], review="同意，需加强复核"),
    Risk("职称评审说情打招呼", "评审中受人情干扰，降低标准或违规推荐参评人员", "外部环境",
         measures=["1.评委随机抽取；", "2.评审结果公示；"], review="情况属实"),
    Risk("收受服务对象礼品礼金", "利用审批职权收受服务对象赠送的礼品、礼金或消费卡", "思想道德",
         measures=["加强廉洁教育，签订廉洁承诺书，发现问题及时报告。"], review="同意"),
    Risk("基建工程变更审核不严", "工程量变更签证不严格，虚增工程量，造成资金流失", "业务流程",
         measures=["1.变更签证须经监理、造价、使用单位三方确认；", "2.5万元以上变更集体决策。"], review="同意"),
    Risk("资产处置低价转让", "国有资产处置未经评估或评估价偏低，私下转让给关系人", "制度机制",
         measures=["资产处置一律评估、公开挂牌。"], review="属实"),
    Risk("招生录取违规操作", "在招生录取中违规加分、调剂，为亲友提供便利", "岗位职责",
         measures=["1.录取结果集体审定；", "2.全程录像并公示。"], review="同意"),
    Risk("财务审批把关不严", "对不合规票据审核不严，超标准、超范围报销", "岗位职责",
         measures=["严格执行财务报销审批流程，实行限额审批。"], review="同意"),
    Risk("公务用车私用", "节假日私自使用公务用车办私事", "思想道德",
         measures=["公务用车集中停放，实行派车单和行车记录。"], review="同意"),
]


def risks(idx: list[int], levels: list[tuple], **over) -> list[Risk]:
    out = []
    for i, (written, place, *label) in zip(idx, levels):
        r = copy.deepcopy(POOL[i % len(POOL)])
        r.level_written, r.level = written, place
        r.level_label = label[0] if label else written
        for k, v in over.items():
            setattr(r, k, v)
        out.append(r)
    return out


@dataclass
class Case:
    name: str
    form_type: str | None
    title: str | None
    header: dict  # expected unit, name, position, date (ISO)
    risks: list[Risk]
    levels: list[str]  # expected scheme, highest first
    columns: list[str]  # printed column labels (keys below)
    keys: list[str]  # record keys per column: seq, name, description, category, level, measures, review, duty, post_level, signer…
    lines_before: list[str] = field(default_factory=list)
    field_rows_top: list[list[str]] = field(default_factory=list)  # label/value rows inside the table
    field_rows_bottom: list[list[str]] = field(default_factory=list)
    lines_after: list[str] = field(default_factory=list)
    duty: str | None = None  # merged duty column text, or header duty
    duty_column: bool = False
    blank_rows: int = 2
    ellipsis_row: bool = True
    split_after: int | None = None  # continue the table on a new page after this many risk rows
    repeat_header: bool = True
    group_header: dict[str, list[str]] | None = None  # group label → sub labels (000)
    category_rows: list[str] | None = None  # pre-labelled category rows (003), blank ones stay blank
    nested: bool = False
    sdt: bool = False
    full_width: bool = False
    landscape: bool = True
    problems: list[str] = field(default_factory=list)  # expected problem codes (a subset)
    signer: str | None = None  # value of a signature column
    extra_header: dict = field(default_factory=dict)
    long_text: bool = False  # descriptions of several paragraphs, so rows break across pages
    auto_numbers: bool = False  # measures as a Word automatic numbered list (number not in the text)
    borderless: bool = False  # every table border removed (tblBorders none), as some offices print forms

    def expected(self) -> dict:
        recs = []
        for n, r in enumerate(self.risks, 1):
            rec = {"seq": n, "name": r.name, "description": None, "category": None, "level": r.level,
                   "level_label": r.level_label if r.level_label is not None else r.level_written, "measures": None, "review": None, "duty": None}
            for k in self.keys:
                if k == "description":
                    rec["description"] = r.description
                elif k == "category":
                    rec["category"] = r.category
                elif k == "measures":
                    rec["measures"] = "\n".join(r.measures) if r.measures else None
                elif k == "review":
                    rec["review"] = r.review
            if "level" not in self.keys:
                rec["level"] = rec["level_label"] = None
            if self.duty:
                rec["duty"] = self.duty
            recs.append(rec)
        return {"form_type": self.form_type, "form_title": self.title, "form_id": None, "levels": self.levels,
                "header": self.header, "risks": recs, "problems": sorted(set(self.problems))}


# --- writing ------------------------------------------------------------------------------------

def _font(doc: Document) -> None:
    style = doc.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")


def _set_cell(cell, text: str | None, *, sdt: bool = False) -> None:
    lines = (text or "").split("\n")
    cell.paragraphs[0].text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)
    if sdt and text:  # wrap the cell's paragraphs in a plain-text content control, as WPS forms do
        tc = cell._tc
        sdt_el, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
        sdt_el.append(OxmlElement("w:sdtPr"))
        for p in list(tc.iterchildren(qn("w:p"))):
            content.append(p)
        sdt_el.append(content)
        tc.append(sdt_el)


_NUM_PREFIX = __import__("re").compile(r"^\d+\.")


def _auto_number(doc: Document) -> None:
    """Turn "1.xxx" paragraphs of table cells into Word list items, one restarted list per cell, as
    Word's AutoFormat does when a person types "1." at the start of a line."""
    numbering = doc.part.numbering_part.element
    next_id = 100
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                paras = [p for p in cell.paragraphs if _NUM_PREFIX.match(p.text)]
                if len(paras) < 2 or any(p._p.pPr is not None and p._p.pPr.numPr is not None for p in paras):
                    continue
                num = OxmlElement("w:num")
                num.set(qn("w:numId"), str(next_id))
                ref = OxmlElement("w:abstractNumId")
                ref.set(qn("w:val"), "0")  # python-docx's template: decimal "%1."
                num.append(ref)
                override = OxmlElement("w:lvlOverride")
                override.set(qn("w:ilvl"), "0")
                start = OxmlElement("w:startOverride")
                start.set(qn("w:val"), "1")
                override.append(start)
                num.append(override)
                numbering.append(num)
                for p in paras:
                    text = _NUM_PREFIX.sub("", p.text)
                    p.text = text
                    numpr = p._p.get_or_add_pPr().get_or_add_numPr()
                    numpr.get_or_add_ilvl().val = 0
                    numpr.get_or_add_numId().val = next_id
                next_id += 1


def _row_cells(case: Case, r: Risk, n: int) -> list[str]:
    out = []
    for k in case.keys:
        value = {
            "seq": str(n), "name": r.name_written or r.name, "description": r.description,
            "category": r.category_written or r.category, "level": r.level_written,
            "measures": "\n".join(r.measures) if r.measures else None, "review": r.review,
            "duty": None, "post_level": r.post_level, "signer": case.signer,
        }.get(k, "")
        if case.full_width and value and k not in ("measures",):
            value = value.translate(FW)
        out.append(value or "")
    return out


def _borders(table, none: bool = False) -> None:
    """Ruled like Word's "Table Grid", or with every border set to none (a borderless table)."""
    table.style = "Table Grid"
    if none:
        tbl_pr = table._tbl.tblPr
        borders = OxmlElement("w:tblBorders")
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:val"), "none")
            el.set(qn("w:sz"), "0")
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "auto")
            borders.append(el)
        tbl_pr.append(borders)


def _add_table(doc_or_cell, case: Case, rows: list[list[str]], with_field_rows: bool, with_bottom: bool):
    ncol = len(case.columns)
    header_rows = 2 if case.group_header else 1
    top = case.field_rows_top if with_field_rows else []
    bottom = case.field_rows_bottom if with_bottom else []
    table = doc_or_cell.add_table(rows=len(top) + header_rows + len(rows) + len(bottom), cols=ncol)
    _borders(table, case.borderless)
    r0 = 0
    for fr in top:  # label, value, label, value …; the last value spans the rest of the row
        cells = table.rows[r0].cells
        for i, text in enumerate(fr):
            _set_cell(cells[i], text)
        if len(fr) < ncol:
            cells[len(fr) - 1].merge(cells[ncol - 1])
        r0 += 1
    hdr_cells = table.rows[r0].cells
    if case.group_header:
        sub = table.rows[r0 + 1].cells
        i = 0
        for label in case.columns:
            _set_cell(hdr_cells[i], label)
            i += 1
        for group, subs in case.group_header.items():
            start = case.columns.index(subs[0])
            m = hdr_cells[start].merge(hdr_cells[start + len(subs) - 1])
            m.paragraphs[0].text = group
            for p in m.paragraphs[1:]:
                p._p.getparent().remove(p._p)
            for j, s in enumerate(subs):
                _set_cell(sub[start + j], s)
            for j in range(ncol):
                if j < start or j >= start + len(subs):
                    v = hdr_cells[j].merge(sub[j])
                    v.paragraphs[0].text = case.columns[j]
                    for p in v.paragraphs[1:]:
                        p._p.getparent().remove(p._p)
    else:
        for i, label in enumerate(case.columns):
            _set_cell(hdr_cells[i], label)
    _header_repeat(table.rows[r0])
    first_data = r0 + header_rows
    for j, cells_text in enumerate(rows):
        cells = table.rows[first_data + j].cells
        for i, text in enumerate(cells_text):
            _set_cell(cells[i], text, sdt=case.sdt and case.keys[i] in ("name", "description"))
    if case.duty_column and rows:
        di = case.keys.index("duty")
        merged = table.cell(first_data, di).merge(table.cell(first_data + len(rows) - 1, di))
        for p in merged.paragraphs[1:]:
            p._p.getparent().remove(p._p)
        merged.paragraphs[0].text = case.duty or ""
    rb = first_data + len(rows)
    for fr in bottom:
        cells = table.rows[rb].cells
        _set_cell(cells[0], fr[0])
        m = cells[1].merge(cells[ncol - 1])
        for p in m.paragraphs[1:]:
            p._p.getparent().remove(p._p)
        m.paragraphs[0].text = fr[1]
        rb += 1
    return table


def _header_repeat(row) -> None:
    trPr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trPr.append(el)


def _fix_field_rows(table, case: Case) -> None:
    """python-docx merge() concatenates texts; set merged value cells to the intended text."""
    ncol = len(case.columns)
    for r, fr in enumerate(case.field_rows_top):
        if len(fr) < ncol:
            cell = table.rows[r].cells[len(fr) - 1]
            for p in cell.paragraphs[1:]:
                p._p.getparent().remove(p._p)
            cell.paragraphs[0].text = fr[-1]


LONG = ("具体表现为：在工作中对相关制度执行不严格，对申请材料的真实性、完整性审核把关不严，存在先办理后补手续、"
        "口头请示代替书面审批、个人意见代替集体决策等情况，容易被服务对象利用关系说情打招呼，造成国有资产流失或损害公平公正。")


def _lengthen(case: Case) -> None:
    """Two more paragraphs per description, of different lengths, as people write them."""
    for i, r in enumerate(case.risks):
        clauses = LONG.split("，")
        a = LONG[: 40 + 13 * i].rstrip("，、。") + "。"
        b = "，".join(clauses[1 + i % (len(clauses) - 1):])
        r.description = f"{r.description}\n{a}\n{b}"


def write_case(case: Case, path: Path) -> None:
    if case.long_text and LONG not in (case.risks[0].description or ""):
        _lengthen(case)
    doc = Document()
    _font(doc)
    sec = doc.sections[0]
    if case.landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = Mm(297), Mm(210)
    sec.left_margin = sec.right_margin = Mm(20)
    for line in case.lines_before:
        doc.add_paragraph(line)
    data: list[list[str]] = []
    if case.category_rows:
        by_cat = {r.category_written or r.category: r for r in case.risks}
        for n, cat in enumerate(case.category_rows, 1):
            r = by_cat.get(cat)
            if r is None:
                data.append([cat if k == "category" else "" for k in case.keys])
            else:
                data.append(_row_cells(case, r, n))
    else:
        data = [_row_cells(case, r, n) for n, r in enumerate(case.risks, 1)]
        nxt = len(data) + 1
        for _ in range(case.blank_rows):
            data.append([str(nxt) if k == "seq" else "" for k in case.keys])
            nxt += 1
        if case.ellipsis_row:
            data.append(["……" if k == "seq" else "" for k in case.keys])
    parts = [data] if case.split_after is None else [data[:case.split_after], data[case.split_after:]]
    container = doc
    if case.nested:  # the whole form table inside a one-cell layout table, as some offices do
        outer = doc.add_table(rows=1, cols=1)
        container = outer.cell(0, 0)
    for i, part in enumerate(parts):
        if i:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        table = _add_table(container, case, part, with_field_rows=i == 0, with_bottom=i == len(parts) - 1)
        if i == 0:
            _fix_field_rows(table, case)
        if i and not case.repeat_header:
            table._tbl.remove(table.rows[0]._tr)
    for line in case.lines_after:
        doc.add_paragraph(line)
    if case.auto_numbers:
        _auto_number(doc)
    doc.core_properties.author = "填表人"
    doc.save(path)


# --- the cases ----------------------------------------------------------------------------------

def _d(s: str) -> str:
    return dt.date.fromisoformat(s).isoformat()


def cases() -> list[Case]:
    L3 = ["三级", "二级", "一级"]  # 002: 从低到高 一级、二级、三级 → 三级 highest
    c002 = ["岗位职责", "序号", "风险名称", "风险内容及表现形式", "风险等级", "单位审核意见"]
    k002 = ["duty", "seq", "name", "description", "level", "review"]
    duty = "负责学院干部选拔任用、考察考核及干部档案管理工作"
    out = [
        Case("q002-person-basic", "002-person-assessment", "个人廉政风险排查评估表",
             {"unit": "组织部", "name": "郑晓东", "position": "部长", "date": _d("2012-06-20")},
             risks([0, 7, 4], [("三级", "high"), ("二级风险", "medium"), ("1级", "low")]), L3, c002, k002,
             lines_before=["附件1：", "个人廉政风险排查评估表",
                           "单位：组织部          姓名：郑晓东          职务：部长                    2012年6月20日"],
             lines_after=[NOTE_002], duty=duty, duty_column=True),
        Case("q002-person-added-rows", "002-person-assessment", "个人廉政风险排查评估表",
             {"unit": "人事处", "name": "王丽华", "position": "处长", "date": _d("2012-06-28")},
             risks([0, 1, 2, 3, 4, 5, 6, 8], [("三 级", "high", "三级"), ("二级", "medium"), ("一 级", "low", "一级"), ("Ⅲ级", "high"),
                                             ("2级", "medium"), ("三级风险", "high"), ("一级", "low"), ("二级", "medium")]),
             L3, c002, k002, duty="负责教职工招聘、职称评审、薪酬福利等人事管理工作", duty_column=True,
             lines_before=["个人廉政风险排查评估表", "单位：人事处    姓名：王 丽 华    职务：处长       二〇一二年六月二十八日"],
             lines_after=[NOTE_002], blank_rows=3),
        Case("q002-person-fullwidth", "002-person-assessment", "个人廉政风险排查评估表",
             {"unit": "财务处", "name": "张雅琴", "position": "会计", "date": _d("2012-06-25")},
             risks([8, 9], [("２级", "medium", "2级"), ("3级", "high")]), L3, c002, k002,
             duty="负责学校经费报销审核与会计核算", duty_column=True, full_width=False,
             lines_before=["附件1：", "个人廉政风险排查评估表",
                           "单位：财务处　　　　姓名：张 雅琴　　　　职务：会计　　　　　　２０１２年６月２５日"],
             lines_after=[NOTE_002]),
        Case("q002-person-empty", "002-person-assessment", "个人廉政风险排查评估表",
             {"unit": "教务处", "name": "吴建国", "position": "处长", "date": _d("2012-06-30")},
             [], L3, c002, k002, duty=None, duty_column=False,
             lines_before=["个人廉政风险排查评估表", "单位：教务处   姓名：吴建国   职务：处长   2012.6.30"],
             lines_after=[NOTE_002], problems=["required_empty"]),
        Case("q002-unit-assessment", "002-unit-assessment", "单位廉政风险排查评估表",
             {"unit": "资产管理处", "name": None, "position": None, "date": _d("2012-09-25")},
             risks([1, 6, 5], [("三级", "high"), ("Ⅱ级", "medium"), ("一级风险", "low")]), L3,
             ["单位职能", "序号", "风险名称", "风险内容及表现形式", "风险等级", "负责人签字"],
             ["duty", "seq", "name", "description", "level", "signer"], signer="李秀英",
             duty="负责学校国有资产管理、物资设备采购与处置", duty_column=True,
             lines_before=["附件2：", "单位廉政风险排查评估表", "单位（盖章）：资产管理处                                  2012.9.25"],
             lines_after=[NOTE_002.replace("公职人员", "单位")]),
        Case("q002-person-measures-intable", "002-person-measures", "个人廉政风险防控措施意见和建议表",
             {"unit": "科研处", "name": "蔡明辉", "position": "副处长", "date": _d("2012-10-20")},
             risks([2, 3, 1], [(None, None)] * 3), [], ["序号", "风险名称", "防控措施意见和建议", "单位审核意见"],
             ["seq", "name", "measures", "review"],
             lines_before=["附件3：", "个人廉政风险防控措施意见和建议表"],
             field_rows_top=[["单位", "科研处", "姓名", "蔡明辉"], ["职务", "副处长", "日期", "2012年10月20日"]],
             lines_after=["单位领导签字：蔡明辉"], landscape=False),
        Case("q002-unit-measures-split", "002-unit-measures", "单位制定廉政风险防控措施表",
             {"unit": "后勤管理处", "name": None, "position": None, "date": _d("2012-11-26")},
             risks([5, 1, 9, 6, 2, 3, 4, 0, 8, 7], [(None, None)] * 10), [], ["序号", "廉政风险名称", "防控措施", "备注"],
             ["seq", "name", "measures", "remark"], split_after=6,
             lines_before=["附件4：", "单位制定廉政风险防控措施表", "单位（盖章）：后勤管理处                       二〇一二年十一月二十六日"],
             lines_after=["单位领导签字：许伟民"]),
        Case("q002-person-measures-autonum", "002-person-measures", "个人廉政风险防控措施意见和建议表",
             {"unit": "财务处", "name": "张雅琴", "position": "处长", "date": _d("2012-10-25")},
             risks([1, 0, 7, 3], [(None, None)] * 4), [], ["序号", "风险名称", "防控措施意见和建议", "单位审核意见"],
             ["seq", "name", "measures", "review"], auto_numbers=True,
             lines_before=["个人廉政风险防控措施意见和建议表", "单位：财务处   姓名：张雅琴   职务：处长   2012年10月25日"],
             lines_after=["单位领导签字：张雅琴"]),
        Case("q002-unit-measures-split-nohdr", "002-unit-measures", "单位制定廉政风险防控措施表",
             {"unit": "财务处", "name": None, "position": None, "date": _d("2012-11-28")},
             risks([8, 2, 9, 1, 6, 5, 7], [(None, None)] * 7), [], ["序号", "廉政风险名称", "防控措施", "备注"],
             ["seq", "name", "measures", "remark"], split_after=4, repeat_header=False,
             lines_before=["单位制定廉政风险防控措施表", "单位(盖章)：财务处                       2012年11月28日"],
             lines_after=["单位领导签字："], problems=["unsigned"]),
        Case("q002-person-sdt-nested", "002-person-assessment", "个人廉政风险排查评估表",
             {"unit": "后勤管理处", "name": "许伟民", "position": "处长", "date": _d("2012-06-18")},
             risks([5, 9], [("三级", "high"), ("二级", "medium")]), L3, c002, k002,
             duty="负责后勤基建维修与物业管理", duty_column=True, sdt=True, nested=True,
             lines_before=["个人廉政风险排查评估表", "单位：后勤管理处  姓名：许伟民  职务：处长  2012年6月18日"],
             lines_after=[NOTE_002]),
        Case("q002-person-problems", "002-person-assessment", "个人廉政风险排查评估表",
             {"unit": "组织部", "name": "庄晓燕", "position": "科员", "date": None},
             [Risk("无", "暂无", level_written="一级", level="low"),
              Risk("干部档案管理不规范", "档案材料收集不及时，涂改档案信息", level_written="特级", level=None)],
             L3, c002, k002, duty="负责干部档案管理", duty_column=True,
             lines_before=["个人廉政风险排查评估表", "单位：组织部   姓名：庄晓燕   职务：科员      年   月   日"],
             lines_after=[NOTE_002], problems=["vague", "level_unknown"]),
        Case("q002-person-long-rows", "002-person-assessment", "个人廉政风险排查评估表",
             {"unit": "资产管理处", "name": "李秀英", "position": "处长", "date": _d("2012-06-27")},
             risks([1, 5, 6, 2, 3, 8, 9, 0], [("三级", "high"), ("二级", "medium"), ("三级", "high"), ("一级", "low"),
                                             ("二级", "medium"), ("一级", "low"), ("二级", "medium"), ("三级", "high")],
                   ),
             L3, c002, k002, duty="负责国有资产管理", duty_column=True, blank_rows=0,
             lines_before=["个人廉政风险排查评估表", "单位：资产管理处   姓名：李秀英   职务：处长   2012年6月27日"],
             lines_after=[NOTE_002], long_text=True),
    ]
    # 001: header fields inside the table, categories and post levels; levels 一级 highest (001's own scheme)
    c001 = ["风险点", "风险类型", "风险级别", "岗位风险等级", "自我防控措施"]
    k001 = ["name", "category", "level", "post_level", "measures"]
    L1 = ["一级", "二级", "三级"]
    r1 = risks([8, 1, 4], [("一级", "high"), ("二级", "medium"), ("三级", "low")])
    for r, cw, pl in zip(r1, ["岗位职责风险", "业务流程", "思想道德风险"], ["A", "A级", "B"]):
        r.category_written, r.post_level = cw, pl
    out.append(Case("z001-staff", "001-staff-control", "局机关一般工作人员及教职工廉政风险识别和防控表",
                    {"unit": "淄川区实验中学", "name": "孙 丽".replace(" ", ""), "position": "会计", "date": _d("2016-04-15")},
                    r1, L1, c001, k001, duty="负责学校财务收支核算与报销审核",
                    lines_before=["附件4:", "局机关一般工作人员及教职工廉政风险识别和防控表", "单位(盖章)：淄川区实验中学"],
                    field_rows_top=[["姓 名", "孙 丽", "职 务", "会计"], ["岗位职责", "负责学校财务收支核算与报销审核"],
                                    ["工作流程", "审核票据—登记凭证—支付—归档"]],
                    field_rows_bottom=[["单位主管领导审查意见", "同意"], ["单位领导小组审查意见", "同意"],
                                       ["所在派驻纪检组、监察室审核意见", "同意 2016年4月20日"]],
                    lines_after=["注：本表一式三份", "填表日期：2016年4月15日"], blank_rows=2, ellipsis_row=False))
    r2 = risks([1, 6], [("Ⅰ级", "high"), ("二级风险", "medium")])
    for r, cw in zip(r2, ["业务流程风险", "制度机制风险"]):
        r.category_written, r.post_level = cw, "A"
    out.append(Case("z001-leader", "001-leader-control", "领导班子成员廉政风险识别防控表",
                    {"unit": "淄川区教育和体育局", "name": "马志远", "position": "副局长", "date": _d("2016-04-12")},
                    r2, L1, c001, k001, duty="分管全区教育装备采购和基建工作",
                    lines_before=["附件2:", "领导班子成员廉政风险识别防控表", "单位（盖章）：淄川区教育和体育局"],
                    field_rows_top=[["姓名", "马志远", "职务", "副局长"], ["三重一大", "参与装备采购、基建项目集体决策"],
                                    ["岗位职责", "分管全区教育装备采购和基建工作"]],
                    field_rows_bottom=[["单位领导小组审查意见", "同意"], ["所在派驻纪检组、监察室审核意见", "同意"]],
                    lines_after=["注：本表一式三份", "2016.4.12"], blank_rows=1, ellipsis_row=False))
    # 003: pre-labelled category rows (one left blank), A/B/C levels, header cells in the table
    r3 = risks([8, 1, 6], [("A级", "high"), ("B", "medium"), ("C级", "low")])
    for r, cw in zip(r3, ["岗位职责风险", "业务流程风险", "外部环境风险"]):
        r.category_written, r.category = cw, cw[:-2]
    out.append(Case("g003-person", "003-person-control", "赣州市第五人民医院个人风险岗位廉能识别防控表",
                    {"unit": "药剂科", "name": "刘海燕", "position": "药师", "date": _d("2017-07-03")},
                    r3, ["A", "B", "C"], ["风险类别", "风 险 点", "自我防控措施", "风险等级"],
                    ["category", "name", "measures", "level"], duty="负责药品采购计划编制与药库管理",
                    lines_before=["附表1：", "赣州市第五人民医院个人风险岗位廉能识别防控表", "部门：药剂科"],
                    field_rows_top=[["姓 名", "刘海燕", "职 务", "药师"], ["岗位职责", "负责药品采购计划编制与药库管理"],
                                    ["廉政职责", "落实一岗双责，不收受医药代表财物"]],
                    category_rows=["岗位职责风险", "业务流程风险", "制度机制风险", "外部环境风险"],
                    lines_after=["注：4、风险评估……具体分为A级、B级、C级三个风险等级。5、本表一式四份。", "填表日期：2017年7月3日"],
                    landscape=False))
    r4 = risks([1, 7], [("A", "high"), ("B级", "medium")])
    out.append(Case("g003-dept", "003-dept-control", "赣州市第五人民医院科（室）风险岗位廉能识别防控表",
                    {"unit": "设备科", "name": None, "position": None, "date": _d("2017-07-04")},
                    r4, ["A", "B", "C"], ["序号", "风险点", "防控措施", "风险等级"], ["seq", "name", "measures", "level"],
                    lines_before=["附表2：", "赣州市第五人民医院科（室）风险岗位廉能识别防控表",
                                  "科（室）名称：设备科        科（室）责任人：陈国平        所在单位：赣州市第五人民医院"],
                    lines_after=["填表日期：2017年7月4日"], landscape=False))
    # 000: group header 防控措施 over three sub-columns
    r5 = risks([0, 5], [("一级", "high"), ("三级", "low")])
    out.append(Case("c000-person-control", "000-person-control", "个人岗位廉能风险识别防控表",
                    {"unit": "基建处", "name": "赵立新", "position": "科长", "date": _d("2016-09-20")},
                    r5, ["一级", "二级", "三级"], ["序号", "风险点", "风险等级", "前期预防", "中期监控", "后期处置"],
                    ["seq", "name", "level", "measures", "mon", "disp"], group_header={"防控措施": ["前期预防", "中期监控", "后期处置"]},
                    lines_before=["附件4", "个人岗位廉能风险识别防控表",
                                  "部门（单位）：基建处    姓名：赵立新    职务：科长    岗位：工程管理    填表日期：2016年9月20日"],
                    lines_after=["本人签字：赵立新          部门（单位）负责人签字：钱卫东"]))
    # 004: 高/中/低
    r6 = risks([9, 2, 3], [("高", "high"), ("中风险", "medium"), ("低", "low")])
    out.append(Case("h004-person-register", "004-person-register", "合肥职业技术学院个人廉政风险排查登记表",
                    {"unit": "招生就业处", "name": "周 敏".replace(" ", ""), "position": "科员", "date": _d("2019-11-10")},
                    r6, ["高", "中", "低"], ["序号", "风险点", "风险内容/表现形式", "风险等级", "防控措施"],
                    ["seq", "name", "description", "level", "measures"],
                    lines_before=["合肥职业技术学院个人廉政风险排查登记表",
                                  "部门（单位）：招生就业处    姓名：周 敏    职务：科员    填表日期：2019年11月10日"],
                    lines_after=["本人签字：周敏"]))
    out.append(Case("x-not-a-form", None, None, {"unit": None, "name": None, "position": None, "date": None}, [], [],
                    ["项目", "金额（元）", "备注"], ["a", "b", "c"],
                    lines_before=["关于召开教职工大会的通知", "各单位：定于下周三下午召开教职工大会，请准时参加。"],
                    blank_rows=2, ellipsis_row=False))
    # the same forms with every table border removed (no ruling lines in the PDF)
    for name in BORDERLESS:
        base = next(c for c in out if c.name == name)
        twin = copy.deepcopy(base)
        twin.name, twin.borderless = f"{name}-nb", True
        out.append(twin)
    return out


#: Seed-layout cases repeated as borderless tables: merged duty column, a table continued on a
#: second page, in-table header fields, pre-labelled category rows, two header rows.
BORDERLESS = ("q002-person-basic", "q002-unit-measures-split", "q002-person-measures-intable", "z001-staff",
              "g003-person", "h004-person-register", "c000-person-control")


def _fix_expected(case: Case, exp: dict) -> dict:
    """Fields the form type does not have are null in the record; apply that here."""
    if case.form_type == "000-person-control":
        for rec, r in zip(exp["risks"], case.risks):
            rec["measures"] = "\n".join(r.measures) if r.measures else None
    if case.form_type is None:
        exp["levels"] = []
    return exp


def build_corpus(out: Path) -> list[Path]:
    """Write every case's .docx and ``<name>.expected.json``; returns the .docx paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for case in cases():
        if case.form_type == "000-person-control":
            for r in case.risks:  # the three sub-columns: first is the canonical measures
                r.measures = r.measures[:1]
        path = out / f"{case.name}.docx"
        write_case(case, path)
        (out / f"{case.name}.expected.json").write_text(
            json.dumps(_fix_expected(case, case.expected()), ensure_ascii=False, indent=1), encoding="utf-8")
        paths.append(path)
    return paths


# --- forms this project generated, filled in -----------------------------------------------------

def _custom_props(path: Path) -> dict[str, str]:
    import re
    import zipfile

    with zipfile.ZipFile(path) as zf:
        xml = zf.read("docProps/custom.xml").decode("utf-8")
    return dict(re.findall(r'name="([^"]+)"[^>]*>\s*<vt:lpwstr>([^<]*)</vt:lpwstr>', xml))


def _fill_generated(src: Path, dst: Path, definition, fills: list[Risk], *, unit_duty: str | None,
                    signer: str | None, leader: str | None) -> None:
    """Type risks into a generated form the way a person does in Word: into its numbered blank
    rows, adding rows (copies of the last one) when there are more risks than rows."""
    doc = Document(src)
    labels = [c.label for c in definition.columns]
    table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:len(labels)] == labels)
    keys = [c.key for c in definition.columns]
    while len(table.rows) - 1 < len(fills):
        tr = copy.deepcopy(table.rows[-1]._tr)
        table._tbl.append(tr)
    for n, r in enumerate(fills, 1):
        cells = table.rows[n].cells
        for i, key in enumerate(keys):
            col = definition.columns[i]
            if col.merged:
                continue
            value = {"seq": str(n), "name": r.name, "description": r.description, "level": r.level_written,
                     "measures": "\n".join(r.measures) if r.measures else None, "review": r.review,
                     "signer": signer}.get(key)
            if value is not None:
                for p in cells[i].paragraphs[1:]:
                    p._p.getparent().remove(p._p)
                lines = value.split("\n")
                cells[i].paragraphs[0].text = lines[0]
                for line in lines[1:]:
                    cells[i].add_paragraph(line)
    if unit_duty is not None:
        table.rows[1].cells[keys.index("duty")].paragraphs[0].text = unit_duty
    if leader:
        for para in doc.paragraphs:
            if para.text.startswith("单位领导签字"):
                para.text = "单位领导签字：" + leader
    doc.save(dst)


def build_generated(out: Path, workspace_root: Path) -> list[Path]:
    """Generate the 002 workspace's forms for one department, fill some in, write expectations."""
    from pipeline.forms import get
    from pipeline.generate.forms import generate_forms
    from pipeline.workspace import Workspace

    ws = Workspace(workspace_root)
    out.mkdir(parents=True, exist_ok=True)
    dept = ws.profile.departments[0]
    files = generate_forms(ws, department=dept.code, jobs=1, progress=False)
    people = {m.name: m for m in ws.roster if m.department == dept.name}
    plans = [  # (form type, which person, risks)
        ("002-person-assessment", 0, risks([0, 7, 4, 3, 2, 1, 9], [("三级", "high"), ("二 级", "medium", "二级"), ("1级", "low"),
                                                                    ("一级", "low"), ("二级风险", "medium"), ("三级", "high"), ("二级", "medium")])),
        ("002-person-assessment", 1, risks([5], [("Ⅲ级", "high")])),
        ("002-person-measures", 0, risks([0, 7, 4], [(None, None)] * 3)),
        ("002-unit-assessment", None, risks([1, 6], [("三级", "high"), ("一级", "low")])),
        ("002-unit-measures", None, risks([1, 6, 2], [(None, None)] * 3)),
    ]
    written = []
    staff = sorted({p.parent.name for p in files if p.parent.name[0].isdigit()})
    for form_type, who, fills in plans:
        definition = get(form_type)
        candidates = [p for p in files if _custom_props(p).get("lianzheng_form_type") == form_type]
        if who is not None:
            candidates = [p for p in candidates if p.parent.name == staff[who]]
        src = candidates[0]
        props = _custom_props(src)
        member = people.get(src.parent.name.split("-", 1)[1]) if who is not None else None
        unit_duty = "负责干部选拔任用、干部监督和党员发展工作" if form_type == "002-unit-assessment" else None
        dst = out / f"gen-{form_type}-{props['lianzheng_subject']}.docx"
        _fill_generated(src, dst, definition, fills, unit_duty=unit_duty,
                        signer=dept.head if form_type == "002-unit-assessment" else None,
                        leader=dept.head if form_type in ("002-person-measures", "002-unit-measures") else None)
        keys = [c.key for c in definition.columns]
        case = Case(dst.stem, form_type, definition.title,
                    {"unit": _printed_unit(ws.profile, member, dept.name), "name": member.name if member else None,
                     "position": member.position if member else None,
                     "date": None},  # the fill date is left blank on issued forms, and this filler leaves it
                    fills, ["三级", "二级", "一级"] if definition.level_column else [], labels_of(definition), keys,
                    duty=(member.duty if member and "duty" in keys else unit_duty))
        exp = case.expected()
        exp["form_id"] = props["lianzheng_form_id"]
        dst.with_name(dst.stem + ".expected.json").write_text(json.dumps(exp, ensure_ascii=False, indent=1), encoding="utf-8")
        written.append(dst)
    return written


def _printed_unit(profile, member, unit_name: str) -> str:
    """The unit an issued form prints: the pre-fill rule's (a leader's unit is the institution)."""
    from pipeline.campaign.obligations import TIER_AUDIENCE, prefill

    if member is None:
        return unit_name
    audience = TIER_AUDIENCE.get(member.tier, "person")
    return prefill(audience, person=member, institution=profile.institution)["department"] or unit_name


#: What people type into the columns that are not risk-record fields (kept in ``extra``).
OTHER_VALUES = {"post": "综合科科员", "subject": "办公室主任", "basis": "《机关事务管理办法》第十条", "power_type": "行政审批",
                "promise": "三个工作日内办结", "discipline": "不得吃拿卡要", "time_limit": "3个工作日", "flow": "内部",
                "remark": "已落实", "measures_monitor": "定期抽查台账", "measures_disposal": "发现问题及时纠正并追责"}
PROFILES = ("000-ccmc", "001-zcjt", "002-qztc", "003-gzwy", "004-hfzy")
_BLANK_LINE = "____________"
_CATEGORY_SUFFIX = ("方面", "风险")


def _canonical(category: str) -> str:
    """The category as issue 4 records it: "业务流程风险" → "业务流程"."""
    for suffix in _CATEGORY_SUFFIX:
        if category.endswith(suffix) and len(category) > len(suffix) + 1:
            category = category[: -len(suffix)]
    return category


def _risk_table(doc, definition):
    """The generated form's risk table, its (last) header row and the data rows under it."""
    labels = {lab: c for c in definition.columns for lab in c.labels}
    heads = {lab for h in definition.header for lab in h.labels}
    for table in doc.tables:
        rows = table.rows
        for h, row in enumerate(rows):
            named = {labels[c.text].key for c in row.cells if c.text in labels}
            if len(named) < 2:
                continue
            if h + 1 < len(rows) and len({labels[c.text].key for c in rows[h + 1].cells if c.text in labels} - named) >= 2:
                h += 1  # sub-labels under a group label
            data = []
            for r in rows[h + 1:]:
                if r.cells[0].text in heads:
                    break
                data.append(r)
            return table, rows[h], data, rows[:h]
    raise ValueError(f"no risk table in {definition.id}")


def _fill_any(src: Path, dst: Path, definition, profile, n_fill: int, *, signer: str, unit_duty: str | None,
              typed_header: dict[str, str]) -> list[dict]:
    """Fill a generated form as a person does in Word: values typed into the blank rows (rows
    added when there are more risks than rows, the rest left blank), a pre-labelled category
    row left empty, blank header cells and signature lines filled. Returns the risks as meant."""
    doc = Document(src)
    table, header, data, above = _risk_table(doc, definition)
    index = {}
    for i, cell in enumerate(header.cells):
        col = next((c for c in definition.columns if cell.text in c.labels), None)
        if col is not None and col.key not in index:
            index[col.key] = i
    levels = profile.levels.labels
    loose = {"一级": "1级", "二级": "二级风险", "三级": "三 级", "A": "A级", "B": "B级", "高": "高风险"}
    categories = definition.rows_from == "categories"
    rows = list(data)
    if categories:
        targets = [r for k, r in enumerate(rows) if k != 1][:n_fill]  # the second category row stays blank
    else:
        while len(rows) < n_fill:  # the user adds rows under the last one
            tr = copy.deepcopy(rows[-1]._tr)
            rows[-1]._tr.addnext(tr)
            rows = [r for r in table.rows if r._tr in {x._tr for x in rows} or r._tr is tr]
        targets = rows[:n_fill]
    meant = []
    for n, row in enumerate(targets, 1):
        r = POOL[(n * 3 + len(definition.id)) % len(POOL)]
        label = levels[(n - 1) % len(levels)]
        written = loose.get(label, label) if n % 2 == 0 else label
        place = {0: "high", len(levels) - 1: "low"}.get(levels.index(label), "medium")
        rec = {"seq": n, "name": "" if definition.column("name") is None else None, "description": None, "category": None, "level": None, "level_label": None,
               "measures": None, "review": None, "duty": None}
        for col in definition.columns:
            if col.key not in index or col.merged:
                continue
            cell = row.cells[index[col.key]]
            if col.type == "seq":
                set_cell_text(cell, str(n))
                continue
            if col.type == "category" and categories:
                rec["category"] = _canonical(cell.text.strip())
                continue
            value = {"name": r.name, "description": r.description, "review": r.review,
                     "measures": "\n".join(r.measures) if r.measures else None,
                     "category": r.category, "level": written, "post_level": "B级", "signer": signer}.get(col.key)
            if value is None:
                value = OTHER_VALUES.get(col.key, "按规定办理") + f"（{n}）"
            set_cell_text(cell, value)
            if col.key in rec:
                rec[col.key] = _canonical(value) if col.type == "category" else value
            if col.type == "level":
                rec["level"], rec["level_label"] = place, written.replace(" ", "")
        meant.append(rec)
    if unit_duty is not None and "duty" in index:
        set_cell_text(data[0].cells[index["duty"]], unit_duty)
    heads = {lab: h for h in definition.header for lab in h.labels}
    for row in [*above, *table.rows[len(above) + 1:]]:  # blank in-table header cells
        cells = row.cells
        for i, cell in enumerate(cells[:-1]):
            h = heads.get(cell.text)
            if h is not None and cells[i + 1]._tc is not cell._tc and not cells[i + 1].text.strip():
                set_cell_text(cells[i + 1], typed_header.get(h.key, "同意"))
    for para in doc.paragraphs:
        if _BLANK_LINE in para.text:
            para.text = para.text.replace(_BLANK_LINE, signer)
    doc.save(dst)
    return meant


def build_all_generated(out: Path, tmp: Path) -> list[Path]:
    """Every risk_table / catalogue form type of the five bundled profiles, generated for one
    subject each and filled in, with the expected records (from the values typed and the
    pre-filled roster values, never from the parser)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import make_workspace
    from pipeline.forms import get
    from pipeline.generate.forms import generate_forms

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for prof in PROFILES:
        ws = make_workspace(tmp, prof)
        profile = ws.profile
        dept = profile.departments[0]
        for k, form_type in enumerate(profile.annexes.forms):
            d = get(form_type)
            if d.kind == "pledge":
                continue
            member = None
            if d.audience == "person":
                member = next(p for p in ws.roster if not d.tiers or p.tier in d.tiers)
                files = generate_forms(ws, person=member.staff_id, form_type=form_type, jobs=1, progress=False)
            elif d.audience == "department":
                files = generate_forms(ws, department=dept.code, form_type=form_type, jobs=1, progress=False)
            else:
                files = generate_forms(ws, form_type=form_type, jobs=1, progress=False)
            src = files[0]
            props = _custom_props(src)
            unit_name = member.department if member else dept.name
            head = next(x.head for x in profile.departments if x.name == unit_name) if d.audience != "institution" \
                else profile.leadership.leaders[0].name
            typed = {"position": "院长", "section": "综合科", "workflow": "受理—审核—审批—归档",
                     "major_matters": "参与重大事项集体决策", "integrity_duty": "落实一岗双责"}
            unit_duty = "负责本单位综合协调与文稿、会务、督办工作" if d.column("duty") and d.column("duty").merged and member is None else None
            # rows: more than the template's blank rows for every other form (rows added), fewer otherwise
            n_fill = (d.blank_rows + 2 if k % 2 == 0 else 2) if d.rows_from != "categories" else 3
            dst = out / f"fill-{form_type}-{props['lianzheng_subject']}.docx"
            meant = _fill_any(src, dst, d, profile, n_fill, signer=head or "王五", unit_duty=unit_duty, typed_header=typed)
            sources = {h.key: h.source for h in d.header}
            values = {"department": _printed_unit(profile, member, unit_name), "institution": profile.institution.name,
                      "head": head,
                      "name": member.name if member else (head if d.audience == "institution" else None),
                      "position": member.position if member else (profile.leadership.leaders[0].title
                                                                  if d.audience == "institution" else None)}
            header = {}
            for key in ("unit", "name", "position"):
                src_key = sources.get(key)
                header[key] = None if src_key is None else values.get(src_key) if src_key != "none" else typed.get(key)
            header["date"] = None  # the fill date is left blank on issued forms, and this filler leaves it
            duty = unit_duty or (member.duty if member and ("duty" in sources or d.column("duty")) else None)
            for rec in meant:
                rec["duty"] = duty
            exp = {"form_type": form_type, "form_title": d.printed_title(profile.institution.name),
                   "form_id": props["lianzheng_form_id"],
                   "levels": list(profile.levels.labels) if d.level_column else [], "header": header,
                   "risks": meant, "problems": []}
            dst.with_name(dst.stem + ".expected.json").write_text(json.dumps(exp, ensure_ascii=False, indent=1),
                                                                  encoding="utf-8")
            written.append(dst)
    return written


def labels_of(definition) -> list[str]:
    return [c.label for c in definition.columns]


# --- scoring ------------------------------------------------------------------------------------

RISK_KEYS = ("seq", "name", "description", "category", "level", "level_label", "measures", "review", "duty")
HEADER_KEYS = ("unit", "name", "position", "date")


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {} or value == "<none>"


def score(expected: dict, actual: dict) -> tuple[int, int, list[str]]:
    """Field accuracy of one parsed form: (fields right, fields scored, what differs).

    Scored: every field the truth fills (form type, title, id, the scheme, four header fields, every
    field of every expected risk), and every field the parser filled that the truth leaves empty
    (an extra: a value invented, or read from the wrong column); "expected nothing, got nothing"
    is not counted. So accuracy = right / (expected non-empty + extras): a missing risk costs each
    of its fields, an invented one each field it fills.
    """
    right = total = 0
    diffs: list[str] = []

    def cmp(what: str, e, a) -> None:
        nonlocal right, total
        if _empty(e) and _empty(a):
            return
        total += 1
        if e == a:
            right += 1
        elif _empty(e):
            diffs.append(f"{what}: extra {a!r}")
        else:
            diffs.append(f"{what}: expected {e!r} got {a!r}")

    for k in ("form_type", "form_title", "form_id", "levels"):
        cmp(k, expected[k], actual.get(k))
    for k in HEADER_KEYS:
        cmp(f"header.{k}", expected["header"][k], (actual.get("header") or {}).get(k))
    er, ar = expected["risks"], actual.get("risks", [])
    for i in range(max(len(er), len(ar))):
        e = er[i] if i < len(er) else {}
        a = ar[i] if i < len(ar) else {}
        for k in RISK_KEYS:
            cmp(f"risk[{i}].{k}", e.get(k), a.get(k))
    return right, total, diffs


def group(stem: str) -> str:
    """The corpus group a form belongs to, by its name."""
    if stem.startswith("ov-"):
        return "office variants (wording not from the definitions)"
    if stem.endswith("-nb"):
        return "seed layouts, borders removed"
    if stem.startswith("gen-"):
        return "generated 002 forms, filled"
    if stem.startswith("fill-"):
        return "every form type generated, filled"
    return "seed layouts typed by an office"


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    docs = build_corpus(target)
    if "--generated" in sys.argv:  # needs a 002 workspace: python tests/make_corpus.py OUT --generated WS
        docs += build_generated(target, Path(sys.argv[sys.argv.index("--generated") + 1]))
    if "--all-generated" in sys.argv:
        import tempfile

        docs += build_all_generated(target, Path(tempfile.mkdtemp()))
    if "--pdf" in sys.argv:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from pipeline._exec import soffice

        soffice.convert(docs, target)
    print(f"{len(docs)} forms in {target}")
