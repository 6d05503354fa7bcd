"""Returns as offices really make them: each test writes a file the way an office would (typed in
Word with python-docx, re-saved or converted by LibreOffice, rotated with pikepdf) and asserts the
exact records read from it."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_BREAK

from conftest import needs_soffice
from pipeline.parse import parse_file

RISKS_002 = [
    ("科研经费报销不实", "虚列劳务费、材料费，套取科研经费用于个人支出", "二级", "同意"),
    ("物资采购暗箱操作", "采购中不按规定公开招标，收受回扣", "三级", "情况属实"),
]
NOTE_002 = "备注：风险等级：根据产生不廉洁行为的概率和影响程度，从低到高依次分为一级、二级、三级。"


def typed_form(path: Path, *, title: str, header_lines: list[str], columns: list[str],
               rows: list[list[str]], after: list[str] = (), merge_down: list[int] = ()) -> Path:
    """A form typed from scratch in Word: a title, header lines, one table, lines under it.
    Columns in ``merge_down`` are merged down runs of equal text, as an office merges a category
    or a name over its rows."""
    doc = Document()
    doc.add_paragraph(title)
    for line in header_lines:
        doc.add_paragraph(line)
    table = doc.add_table(rows=1 + len(rows), cols=len(columns))
    table.style = "Table Grid"
    for j, label in enumerate(columns):
        table.cell(0, j).text = label
    for i, row in enumerate(rows, start=1):
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    for j in merge_down:
        start = 1
        for i in range(2, len(rows) + 2):
            if i == len(rows) + 1 or rows[i - 1][j] != rows[start - 1][j]:
                if i - 1 > start:
                    top = table.cell(start, j)
                    text = top.text
                    merged = top.merge(table.cell(i - 1, j))
                    merged.text = text
                start = i
    for line in after:
        doc.add_paragraph(line)
    doc.save(path)
    return path


def _risks(form) -> list[tuple]:
    return [(r.seq, r.name, r.description, r.level_label, r.level, r.review) for r in form.risks]


# --- header labels of another form family ------------------------------------------------------

@pytest.mark.parametrize("unit_label, name_label, position_label", [
    ("所在单位", "责任人姓名", "岗位名称"),
    ("科(室)", "科(室)责任人", "现任职务"),
    ("部门（盖章）", "责任人", "职位"),
    ("科室", "填表人", "岗位"),  # on a person's own form, the one filling it in is that person
    ("所在部门", "填报人", "职务"),
])
def test_header_labels_of_another_family(tmp_path, unit_label, name_label, position_label):
    path = typed_form(tmp_path / "f.docx", title="个人廉政风险排查评估表",
                      header_lines=[f"{unit_label}：人事处    {name_label}：王丽华    {position_label}：处长    "
                                    "填报时间：2012年6月28日"],
                      columns=["序号", "风险名称", "风险内容及表现形式", "风险等级", "单位审核意见"],
                      rows=[[str(i), *r] for i, r in enumerate(RISKS_002, 1)], after=[NOTE_002])
    form = parse_file(path)
    assert form.form_type == "002-person-assessment"
    assert (form.header.unit, form.header.name, form.header.position, str(form.header.date)) == \
        ("人事处", "王丽华", "处长", "2012-06-28")
    assert _risks(form) == [(1, "科研经费报销不实", "虚列劳务费、材料费，套取科研经费用于个人支出", "二级", "medium", "同意"),
                            (2, "物资采购暗箱操作", "采购中不按规定公开招标，收受回扣", "三级", "high", "情况属实")]


def test_a_definitions_own_label_is_not_taken_by_a_family():
    """000's own field 岗位 keeps that word; its 职务 does not answer to it."""
    from pipeline.forms import get
    from pipeline.parse.families import header_labels

    labels = header_labels(get("000-person-control"))
    assert ("post", "岗位") in labels and ("position", "岗位") not in labels
    assert ("name", "科室责任人") in labels


def test_the_filler_is_the_person_only_on_a_persons_form():
    from pipeline.forms import get
    from pipeline.parse.families import header_labels

    assert ("name", "填表人") in header_labels(get("002-person-assessment"))
    assert ("name", "填表人") not in header_labels(get("002-unit-assessment"))



@pytest.mark.parametrize("unit_line, signature_line", [
    ("单位名称（盖章）：财务处        填表日期：2014年3月6日", "负责人（签字）：王强"),
    ("部门（单位）：财务处（盖章）        填表日期：2014年3月6日", "负责人签名：王强"),
    ("部门（单位）(盖章)：财务处        填表日期：2014年3月6日", "负责人(签字)：王强"),
])
def test_hints_in_brackets_on_how_to_fill_a_field_are_no_part_of_it(tmp_path, unit_line, signature_line):
    """（盖章）（签字） after a label or a value say how to fill it in; the field is the same."""
    path = typed_form(tmp_path / "f.docx", title="部门廉政风险排查登记表", header_lines=[unit_line],
                      columns=["序号", "涉及岗位", "风险点", "风险内容/表现形式", "风险等级", "防控措施"],
                      rows=[["1", "会计", "报销审核", "审核不严", "高", "严格审核"]], after=[signature_line])
    form = parse_file(path)
    assert form.form_type == "004-dept-register"
    assert (form.header.unit, str(form.header.date), form.header.extra.get("head_signature")) == \
        ("财务处", "2014-03-06", "王强")

# --- columns retitled by the office, and a retitled form ----------------------------------------

def test_columns_retitled_by_their_words(tmp_path):
    """具体表现 keeps 表现 (only the description's labels have it), 等级评定 keeps 等级, 部门意见 意见."""
    path = typed_form(tmp_path / "f.docx", title="后勤管理处2012年度个人廉政风险排查评估表",
                      header_lines=["部门：后勤管理处    姓名：郑晓东    职务：处长    日期：2012-06-20"],
                      columns=["编号", "主要风险点", "具体表现", "等级评定", "部门意见"],
                      rows=[[str(i), *r] for i, r in enumerate(RISKS_002, 1)], after=[NOTE_002])
    form = parse_file(path)
    assert form.form_type == "002-person-assessment"
    assert form.form_title == "后勤管理处2012年度个人廉政风险排查评估表"
    assert [(r.name, r.description, r.level, r.review) for r in form.risks] == \
        [(n, d, {"二级": "medium", "三级": "high"}[lv], rv) for n, d, lv, rv in RISKS_002]


def test_a_blank_field_before_a_label_the_form_does_not_know_stays_blank(tmp_path):
    """A signature line under the table, "填表人（签字）：   部门负责人（签字）：   年  月  日", printed
    blank: 填表人 (the person, on a person's form) is not "部门负责人（签字）：" — a value never ends
    with a colon; the name on the header line above stands."""
    path = typed_form(tmp_path / "f.docx", title="个人廉政风险排查评估表",
                      header_lines=["部门：人事处    姓名：王丽华    职务：处长    日期：2012-06-28"],
                      columns=["序号", "风险点", "风险内容及表现形式", "风险等级", "审核意见"],
                      rows=[[str(i), *r] for i, r in enumerate(RISKS_002, 1)],
                      after=[NOTE_002, "填表人（签字）：          部门负责人（签字）：          年    月    日"])
    form = parse_file(path, levels=["三级", "二级", "一级"])
    assert (form.header.unit, form.header.name, form.header.position) == ("人事处", "王丽华", "处长")


def test_risk_points_numbered_in_their_own_cells(tmp_path):
    """A 序号 column left blank and the points numbered where they are written ("1.", "2、", "（3）"):
    the numbers are the rows', the names are what follows; a decimal ("1.5万元") is part of the name,
    and so is a number the 序号 cell contradicts."""
    rows = [["", "1.科研经费报销不实", "虚列劳务费套取经费", "二级", "同意"],
            ["", "2、物资采购暗箱操作", "不按规定公开招标", "三级", "同意"],
            ["", "（3）招生录取违规操作", "违规降分录取", "一级", "同意"],
            ["", "1.5万元以上采购未经集体研究", "个人决定大额采购", "二级", "同意"],
            ["9", "2.公务用车私用", "节假日私自使用公车", "一级", "同意"]]
    path = typed_form(tmp_path / "f.docx", title="个人廉政风险排查评估表",
                      header_lines=["部门：人事处    姓名：王丽华    职务：处长    日期：2012-06-28"],
                      columns=["序号", "风险点", "风险内容及表现形式", "风险等级", "审核意见"], rows=rows, after=[NOTE_002])
    form = parse_file(path, levels=["三级", "二级", "一级"])
    assert [(r.seq, r.name) for r in form.risks] == [
        (1, "科研经费报销不实"), (2, "物资采购暗箱操作"), (3, "招生录取违规操作"), (4, "1.5万元以上采购未经集体研究"),
        (9, "2.公务用车私用")]


@pytest.mark.parametrize("kind", ["docx", pytest.param("pdf", marks=needs_soffice)])
def test_fields_the_form_does_not_ask_for_end_the_value_before_them(tmp_path, kind):
    """A person's header with 性别 and 政治面貌 the form has no field for: the name is the name. In
    the PDF the wide gap before 性别 may come back as one space."""
    path = typed_form(tmp_path / "f.docx", title="个人廉政风险排查评估表",
                      header_lines=["部门：人事处  姓名：王丽华  性别：女  政治面貌：中共党员  职务：处长  日期：2012-06-28"],
                      columns=["序号", "风险点", "风险内容及表现形式", "风险等级", "审核意见"],
                      rows=[[str(i), *r] for i, r in enumerate(RISKS_002, 1)], after=[NOTE_002])
    if kind == "pdf":
        from pipeline._exec import soffice

        path = soffice.convert([path], tmp_path / "pdf")[0]
    form = parse_file(path, levels=["三级", "二级", "一级"])
    assert (form.header.unit, form.header.name, form.header.position, str(form.header.date)) == \
        ("人事处", "王丽华", "处长", "2012-06-28")


def test_a_label_of_the_form_x_of_y_names_the_column_y(tmp_path):
    """"风险点的具体表现" is the risk point's description, not a second risk-point column: what
    follows the last 的 is what the column holds, what goes before it only whose it is; a column of
    something the form does not ask for ("风险点的防控措施" on an assessment form) is kept as the
    office's own column, under its label, not read into the risk point."""
    path = typed_form(tmp_path / "f.docx", title="个人廉政风险排查评估表",
                      header_lines=["部门：人事处    姓名：王丽华    职务：处长    日期：2012-06-28"],
                      columns=["序号", "风险点", "风险点的具体表现", "风险的等级", "科室的审核意见", "风险点的防控措施"],
                      rows=[[str(i), *r, "严格执行规定。"] for i, r in enumerate(RISKS_002, 1)], after=[NOTE_002])
    from pipeline.profile import load_profile

    form = parse_file(path, profile=load_profile(Path(__file__).parents[1] / "profiles/002-qztc/profile.toml"))
    assert form.form_type == "002-person-assessment"  # the campaign's own form, though 004's has a measures column
    assert [(r.name, r.description, r.level_label, r.review) for r in form.risks] == \
        [(n, d, lv, f"{rv}\n风险点的防控措施：严格执行规定。") for n, d, lv, rv in RISKS_002]
    path = typed_form(tmp_path / "g.docx", title="岗位廉政风险识别防控表",
                      header_lines=["科室：药剂科    姓名：刘海燕    岗位：药师    日期：2017.7.3"],
                      columns=["风险的类别", "岗位的风险点", "风险的等级", "风险的防范措施"],
                      rows=[["岗位职责", "药品采购中收受回扣", "A级", "集体议价，双人采购。"]])
    form = parse_file(path, levels=["A", "B", "C"])
    assert [(r.category, r.name, r.level, r.measures) for r in form.risks] == \
        [("岗位职责", "药品采购中收受回扣", "high", "集体议价，双人采购。")]


def test_the_better_fitting_table_outvotes_a_look_alike_title(tmp_path):
    """A 003 table (its 类别 column) under a title that is a synonym of 000's is read as 003."""
    path = typed_form(tmp_path / "f.docx", title="个人岗位廉政风险识别防控表",
                      header_lines=["所在科室：财务科    姓名：黄志明    岗位：出纳    日期：2017.7.5"],
                      columns=["类别", "廉政风险点", "等级", "预防措施"],
                      rows=[["岗位职责", "现金管理不规范", "A", "日清月结，定期盘点。"],
                            ["业务流程", "票据审核不严", "B", "双人复核。"]])
    form = parse_file(path)
    assert form.form_type == "003-person-control"
    assert form.header.position == "出纳"
    assert [(r.category, r.name, r.level, r.measures) for r in form.risks] == [
        ("岗位职责", "现金管理不规范", "high", "日清月结，定期盘点。"), ("业务流程", "票据审核不严", "medium", "双人复核。")]


@pytest.mark.parametrize("kind", ["docx", pytest.param("pdf", marks=needs_soffice)])
def test_category_merged_over_its_rows_is_not_a_header_field(tmp_path, kind):
    """003's category 岗位职责 is spelt as its in-table field 岗位职责; merged over two rows it is a
    category. In the PDF the merged cell's text sits once, across both rows."""
    path = typed_form(tmp_path / "f.docx", title="赣州市第五人民医院岗位廉政风险识别防控表",
                      header_lines=["科室：药剂科    姓名：刘海燕    岗位名称：药师    填表日期：2017年7月3日"],
                      columns=["风险类别", "风险点", "风险等级", "防范措施"],
                      rows=[["岗位职责", "药品验收把关不严", "A级", "双人验收。"],
                            ["岗位职责", "处方审核不严", "B级", "逐张审核。"],
                            ["业务流程", "药品采购暗箱操作", "C级", "集中采购。"]],
                      merge_down=[0], after=["注：风险等级按A、B、C三级填写，A级为最高。"])
    if kind == "pdf":
        from pipeline._exec import soffice

        path = soffice.convert([path], tmp_path / "pdf")[0]
    form = parse_file(path)
    assert form.form_type == "003-person-control" and form.header.position == "药师"
    assert form.form_title == "赣州市第五人民医院岗位廉政风险识别防控表"
    assert [(r.category, r.name, r.level_label, r.level) for r in form.risks] == [
        ("岗位职责", "药品验收把关不严", "A级", "high"), ("岗位职责", "处方审核不严", "B级", "medium"),
        ("业务流程", "药品采购暗箱操作", "C级", "low")]
    assert form.risks[0].duty is None


# --- levels written in another family ----------------------------------------------------------

def test_levels_of_another_family_placed_by_their_own_rank(tmp_path):
    """002's note counts 一级 lowest; A级 and 高 still head their own families, Ⅱ级 and 二 级 are 二级,
    and a label no family knows (甲级) is kept as written and reported."""
    written = ["A级", "中", "Ⅱ级", "二 级", "低风险", "甲级"]
    path = typed_form(tmp_path / "f.docx", title="个人廉政风险排查评估表",
                      header_lines=["单位：组织部    姓名：郑晓东    职务：部长    日期：2012-06-20"],
                      columns=["序号", "风险名称", "风险内容及表现形式", "风险等级", "单位审核意见"],
                      rows=[[str(i), f"风险点第{i}项内容", f"表现形式第{i}项", lv, "同意"]
                            for i, lv in enumerate(written, 1)], after=[NOTE_002])
    form = parse_file(path)
    assert form.levels == ["三级", "二级", "一级"]
    assert [(r.level_label, r.level, r.level_scheme, r.level_rank) for r in form.risks] == [
        ("A级", "high", "三级", 1), ("中", "medium", "二级", 2), ("Ⅱ级", "medium", "二级", 2),
        ("二级", "medium", "二级", 2), ("低风险", "low", "一级", 3), ("甲级", None, None, None)]
    assert [(p.code, p.where) for p in form.problems if p.code.startswith("level")] == \
        [("level_unknown", f"{form.risks[5].where} 风险等级")]


# --- rotated PDF pages -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def exported_pdf(tmp_path_factory) -> Path:
    """A typed 002 form exported to PDF by LibreOffice, as an office sends it."""
    from pipeline._exec import soffice

    out = tmp_path_factory.mktemp("pdf")
    src = typed_form(out / "f.docx", title="个人廉政风险排查评估表",
                     header_lines=["单位：组织部    姓名：郑晓东    职务：部长    日期：2012-06-20"],
                     columns=["序号", "风险名称", "风险内容及表现形式", "风险等级", "单位审核意见"],
                     rows=[[str(i), *r] for i, r in enumerate(RISKS_002, 1)], after=[NOTE_002])
    return soffice.convert([src], out / "pdf")[0]


@needs_soffice
@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_rotated_pdf_page_is_read_not_called_a_scan(exported_pdf, tmp_path, rotate):
    """A viewer or copier turns the page (/Rotate): the text layer is whole and reads as upright."""
    import pikepdf

    turned = tmp_path / "turned.pdf"
    with pikepdf.open(exported_pdf) as doc:
        for page in doc.pages:
            page.rotate(rotate, relative=True)
        doc.save(turned)
    upright, form = parse_file(exported_pdf), parse_file(turned)
    assert "needs_ocr" not in {p.code for p in form.problems}
    assert form.form_type == "002-person-assessment" and form.header == upright.header
    assert _risks(form) == _risks(upright) == [
        (1, "科研经费报销不实", "虚列劳务费、材料费，套取科研经费用于个人支出", "二级", "medium", "同意"),
        (2, "物资采购暗箱操作", "采购中不按规定公开招标，收受回扣", "三级", "high", "情况属实")]


# --- what Word stores besides the text --------------------------------------------------------

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
MC_NS = ('xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
         'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
         'xmlns:v="urn:schemas-microsoft-com:vml" '
         'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
         'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"')


def _set_cell_xml(cell, paragraph_xml: str) -> None:
    """Replace a cell's paragraph with ``paragraph_xml`` as Word writes it."""
    from docx.oxml import parse_xml

    old = cell._tc.p_lst[0]
    old.addnext(parse_xml(paragraph_xml))
    cell._tc.remove(old)


PLACEHOLDER_RUN = (f'<w:sdt {W_NS}><w:sdtPr><w:showingPlcHdr/><w:text/></w:sdtPr><w:sdtContent>'
                   '<w:r><w:t>单击或点击此处输入文字。</w:t></w:r></w:sdtContent></w:sdt>')
TEXT_BOX = (f'<w:r {W_NS} {MC_NS}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
            '<a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
            '</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
            '<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
            '</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>')


def test_word_features_read_as_the_text_the_reader_sees(tmp_path):
    """Unfilled content controls are empty, a text box is read once, tracked deletions and moves
    away are not read and insertions are, a non-breaking hyphen is a hyphen, hyperlinks and smart
    tags read as their text, a row deleted with tracking on is gone."""
    path = typed_form(tmp_path / "f.docx", title="个人廉政风险排查评估表",
                      header_lines=["单位：组织部    姓名：郑晓东    职务：部长    日期：2012-06-20"],
                      columns=["序号", "风险名称", "风险内容及表现形式", "风险等级", "单位审核意见"],
                      rows=[["1", "x", "x", "二级", "x"], ["2", "x", "x", "三级", "x"], ["3", "x", "x", "一级", "x"]],
                      after=[NOTE_002])
    doc = Document(path)
    table = doc.tables[0]
    p = f'<w:p {W_NS}>{{}}</w:p>'
    _set_cell_xml(table.cell(1, 1), p.format('<w:r><w:t>科研经费</w:t></w:r>'
                                             '<w:del w:id="1" w:author="张三"><w:r><w:delText>报账</w:delText></w:r></w:del>'
                                             '<w:ins w:id="2" w:author="张三"><w:r><w:t>报销不实</w:t></w:r></w:ins>'))
    _set_cell_xml(table.cell(1, 2), p.format('<w:hyperlink w:anchor="x"><w:r><w:t>虚列劳务费</w:t></w:r></w:hyperlink>'
                                             '<w:smartTag w:element="x"><w:r><w:t>、材料费</w:t></w:r></w:smartTag>'
                                             '<w:moveFrom w:id="3" w:author="张三"><w:r><w:t>（挪走的字）</w:t></w:r></w:moveFrom>'
                                             '<w:r><w:t>，套取经费</w:t></w:r>'))
    _set_cell_xml(table.cell(1, 4), p.format(PLACEHOLDER_RUN))
    _set_cell_xml(table.cell(2, 1), p.format(TEXT_BOX.format(text="物资采购暗箱操作")))
    _set_cell_xml(table.cell(2, 2), p.format('<w:r><w:t>采购中不按规定公开招标（非</w:t><w:noBreakHyphen/>'
                                             '<w:t>紧急）</w:t></w:r>'))
    _set_cell_xml(table.cell(2, 4), p.format('<w:r><w:t>同意</w:t></w:r>'))
    from docx.oxml import parse_xml

    table.rows[3]._tr.get_or_add_trPr().append(parse_xml(f'<w:del {W_NS} w:id="9" w:author="张三"/>'))
    doc.save(path)
    form = parse_file(path)
    assert [(r.seq, r.name, r.description, r.review) for r in form.risks] == [
        (1, "科研经费报销不实", "虚列劳务费、材料费，套取经费", None),
        (2, "物资采购暗箱操作", "采购中不按规定公开招标（非-紧急）", "同意")]


@needs_soffice
def test_struck_through_text_in_a_pdf_is_not_read(tmp_path):
    """A PDF exported with change markup shown strikes deleted words through."""
    from pipeline._exec import soffice

    path = typed_form(tmp_path / "f.docx", title="个人廉政风险排查评估表",
                      header_lines=["单位：组织部    姓名：郑晓东    职务：部长    日期：2012-06-20"],
                      columns=["序号", "风险名称", "风险内容及表现形式", "风险等级", "单位审核意见"],
                      rows=[[str(i), *r] for i, r in enumerate(RISKS_002, 1)], after=[NOTE_002])
    doc = Document(path)
    cell = doc.tables[0].cell(1, 2)
    struck = cell.paragraphs[0].add_run("（已删去的旧表述）")
    struck.font.strike = True
    cell.paragraphs[0].add_run("。")
    doc.save(path)
    form = parse_file(soffice.convert([path], tmp_path / "pdf")[0])
    assert [r.description for r in form.risks] == ["虚列劳务费、材料费，套取科研经费用于个人支出。",
                                                   "采购中不按规定公开招标，收受回扣"]


# --- other formats, converted by LibreOffice ----------------------------------------------------

@pytest.fixture(scope="module")
def legacy_returns(tmp_path_factory) -> dict[str, Path]:
    """One typed 002 form saved by LibreOffice as .doc, .odt and .rtf, as an office saves it, and
    the .doc renamed .wps (WPS saves its .wps in the same binary Word format)."""
    from pipeline._exec import soffice

    out = tmp_path_factory.mktemp("legacy")
    src = typed_form(out / "form.docx", title="个人廉政风险排查评估表",
                     header_lines=["单位：组织部    姓名：郑晓东    职务：部长    日期：2012-06-20"],
                     columns=["序号", "风险名称", "风险内容及表现形式", "风险等级", "单位审核意见"],
                     rows=[[str(i), *r] for i, r in enumerate(RISKS_002, 1)], after=[NOTE_002])
    made = {fmt: soffice.convert([src], out / fmt, to=fmt)[0] for fmt in ("doc", "odt", "rtf")}
    made["wps"] = made["doc"].with_suffix(".wps")
    made["wps"].write_bytes(made["doc"].read_bytes())
    return made


@needs_soffice
@pytest.mark.parametrize("fmt", ["doc", "odt", "rtf", "wps"])
def test_legacy_formats_are_converted_and_read(legacy_returns, fmt):
    path = legacy_returns[fmt]
    form = parse_file(path)
    assert form.meta["converted_from"] == {"wps": "doc"}.get(fmt, fmt)
    assert form.form_type == "002-person-assessment" and form.source == str(path)
    assert (form.header.unit, form.header.name, form.header.position) == ("组织部", "郑晓东", "部长")
    assert _risks(form) == [
        (1, "科研经费报销不实", "虚列劳务费、材料费，套取科研经费用于个人支出", "二级", "medium", "同意"),
        (2, "物资采购暗箱操作", "采购中不按规定公开招标，收受回扣", "三级", "high", "情况属实")]
    import hashlib

    assert form.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # the original, not the conversion


@needs_soffice
def test_a_batch_of_legacy_returns_is_converted_in_one_run(legacy_returns, tmp_path, monkeypatch):
    from pipeline._exec import soffice
    from pipeline.parse.legacy import convert_all

    runs = []
    real = soffice.convert
    monkeypatch.setattr(soffice, "convert", lambda *a, **k: runs.append(a) or real(*a, **k))
    files = [(p, p.read_bytes(), {"wps": "doc"}.get(f, f)) for f, p in legacy_returns.items()]
    done = convert_all(files, tmp_path)
    assert len(runs) == 1 and set(done) == set(legacy_returns.values())
    monkeypatch.setattr(soffice, "convert", real)
    forms = [parse_file(p, converted=done) for p in legacy_returns.values()]
    assert {len(f.risks) for f in forms} == {2}


# --- header fields typed as columns of the risk table -------------------------------------------

@pytest.mark.parametrize("kind", ["docx", pytest.param("pdf", marks=needs_soffice)])
def test_header_fields_typed_as_columns_merged_down(tmp_path, kind):
    """Seed 001's flat layout as an office types it: 姓名, 职务, 部门, 岗位职责 and the reviewer's
    opinion are columns of their own, each value merged down every row."""
    duty = "负责学校财务收支核算与报销审核"
    rows = [["孙丽", "会计", "财务科", duty, "报销审核把关不严", "岗位职责", "一级", "A", "严格审核原始票据。", "同意"],
            ["孙丽", "会计", "财务科", duty, "现金管理不规范", "业务流程", "二级", "A", "日清月结。", "同意"],
            ["孙丽", "会计", "财务科", duty, "票据保管不善", "制度机制", "三级", "B", "专人保管。", "同意"]]
    path = typed_form(tmp_path / "f.docx", title="局机关一般工作人员及教职工廉政风险识别和防控表",
                      header_lines=["填表日期：2012年5月10日"],
                      columns=["姓名", "职务", "部门", "岗位职责", "风险点", "风险类型", "风险级别", "岗位风险等级",
                               "自我防控措施", "主管领导审查意见"],
                      rows=rows, merge_down=[0, 1, 2, 3, 9])
    if kind == "pdf":
        from pipeline._exec import soffice

        path = soffice.convert([path], tmp_path / "pdf")[0]
    form = parse_file(path)
    assert form.form_type == "001-staff-control"
    h = form.header
    assert (h.name, h.position, h.unit, str(h.date), h.extra["duty"], h.extra["review"]) == \
        ("孙丽", "会计", "财务科", "2012-05-10", duty, "同意")
    assert [(r.name, r.category, r.level, r.duty, r.measures) for r in form.risks] == [
        ("报销审核把关不严", "岗位职责", "high", duty, "严格审核原始票据。"),
        ("现金管理不规范", "业务流程", "medium", duty, "日清月结。"),
        ("票据保管不善", "制度机制", "low", duty, "专人保管。")]
    assert "required_empty" not in {p.code for p in form.problems}


def test_a_name_spaced_out_on_the_header_line_is_one_name(tmp_path):
    path = typed_form(tmp_path / "f.docx", title="个人廉政风险排查评估表",
                      header_lines=["单位：组织部    姓名：王  萍    职务：部长    日期：2012-06-20"],
                      columns=["序号", "风险名称", "风险内容及表现形式", "风险等级", "单位审核意见"],
                      rows=[[str(i), *r] for i, r in enumerate(RISKS_002, 1)], after=[NOTE_002])
    h = parse_file(path).header
    assert (h.unit, h.name, h.position) == ("组织部", "王萍", "部长")


def test_none_in_a_category_row_is_no_risk_and_no_fault(tmp_path):
    """003 prints a row per category; an office writes 无 where a category has no risk."""
    path = typed_form(tmp_path / "f.docx", title="个人风险岗位廉能识别防控表",
                      header_lines=["科室：药剂科    姓名：刘海燕    职务：药师    填表日期：2017年7月3日"],
                      columns=["风险类别", "风险点", "自我防控措施", "风险等级"],
                      rows=[["岗位职责", "药品验收把关不严", "双人验收。", "A"],
                            ["业务流程", "无", "无", ""],
                            ["制度机制", "无", "/", ""],
                            ["外部环境", "接受供应商宴请", "不参加宴请。", "B"]])
    form = parse_file(path)
    assert [(r.category, r.name) for r in form.risks] == [("岗位职责", "药品验收把关不严"), ("外部环境", "接受供应商宴请")]
    assert not {p.code for p in form.problems} & {"vague", "required_empty"}


def test_none_as_the_only_risk_of_a_free_form_is_still_vague(tmp_path):
    path = typed_form(tmp_path / "f.docx", title="个人廉政风险排查评估表",
                      header_lines=["单位：组织部    姓名：郑晓东    职务：部长    日期：2012-06-20"],
                      columns=["序号", "风险名称", "风险内容及表现形式", "风险等级", "单位审核意见"],
                      rows=[["1", "无", "无", "一级", ""]], after=[NOTE_002])
    assert "vague" in {p.code for p in parse_file(path).problems}


# --- what people do to forms ------------------------------------------------------------------

def test_two_peoples_forms_in_one_file_are_never_merged(tmp_path):
    """An office pastes two staff's forms into one file: the first is read, the file is held."""
    doc = Document()
    for name, risk in (("王丽华", RISKS_002[0]), ("郑晓东", RISKS_002[1])):
        doc.add_paragraph("个人廉政风险排查评估表")
        doc.add_paragraph(f"单位：人事处    姓名：{name}    职务：科长    日期：2012-06-28")
        table = doc.add_table(rows=2, cols=5)
        for j, text in enumerate(["序号", "风险名称", "风险内容及表现形式", "风险等级", "单位审核意见"]):
            table.cell(0, j).text = text
        for j, text in enumerate(["1", *risk]):
            table.cell(1, j).text = text
        doc.add_paragraph(NOTE_002)
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    path = tmp_path / "two.docx"
    doc.save(path)
    form = parse_file(path)
    assert form.header.name == "王丽华" and [r.name for r in form.risks] == ["科研经费报销不实"]
    [several] = [p for p in form.problems if p.code == "several_forms"]
    assert "王丽华、郑晓东" in several.message


def test_a_risk_typed_below_the_table_is_reported(tmp_path):
    path = typed_form(tmp_path / "f.docx", title="个人廉政风险排查评估表",
                      header_lines=["单位：组织部    姓名：郑晓东    职务：部长    日期：2012-06-20"],
                      columns=["序号", "风险名称", "风险内容及表现形式", "风险等级", "单位审核意见"],
                      rows=[[str(i), *r] for i, r in enumerate(RISKS_002, 1)],
                      after=["3、干部考察听取意见不全面，考察结论与实际不符，一级", NOTE_002])
    form = parse_file(path)
    assert [r.name for r in form.risks] == ["科研经费报销不实", "物资采购暗箱操作"]
    [below] = [p for p in form.problems if p.code == "risk_below_table"]
    assert "第3条“干部考察听取意见不全面" in below.message


def test_a_signature_pasted_as_a_picture_is_signed(tmp_path):
    from PIL import Image

    sig = tmp_path / "sig.png"
    Image.new("RGB", (120, 40), "white").save(sig)
    doc = Document()
    for line in ["附表4", "个人风险岗位廉能防范承诺书", "科室：药剂科    姓名：刘海燕    职务（岗位）：药师",
                 "本人郑重承诺：严格遵守党纪国法。"]:
        doc.add_paragraph(line)
    signed = doc.add_paragraph("承诺人（签名）：")
    signed.add_run().add_picture(str(sig))
    doc.add_paragraph("二〇二二年七月五日")
    path = tmp_path / "pledge.docx"
    doc.save(path)
    form = parse_file(path)
    assert form.form_type == "003-person-pledge" and form.header.extra["pledger_signature"] == "〔图片〕"
    assert "unsigned" not in {p.code for p in form.problems}


@needs_soffice
def test_ingest_converts_a_batch_of_legacy_returns_in_one_run(legacy_returns, tmp_path, monkeypatch):
    """The inbox's .doc/.odt/.rtf files are converted together, once, and stored as records."""
    from conftest import make_workspace
    from pipeline import api
    from pipeline._exec import soffice

    ws = make_workspace(tmp_path)
    returns = {f: p for f, p in legacy_returns.items() if f != "wps"}  # the .wps is the .doc's very bytes
    for fmt, path in returns.items():
        shutil.copy(path, ws.inbox / f"回执-{fmt}{path.suffix}")
    runs = []
    real = soffice.convert
    monkeypatch.setattr(soffice, "convert", lambda paths, *a, **k: runs.append(list(paths)) or real(paths, *a, **k))
    summary = api.ingest(ws, progress=False, jobs=1)
    assert len(runs) == 1 and len(runs[0]) == len(returns)
    # three versions of one person's form: read, and two of them superseded by the third
    assert sorted(f.status for f in summary.files) == ["accepted", "superseded", "superseded"]
    assert all(f.form_type == "002-person-assessment" for f in summary.files)



@needs_soffice
def test_ingest_reads_old_excel_workbooks_without_converting_them(tmp_path, monkeypatch):
    """Two .xls returns in one batch are read as workbooks; LibreOffice is not started for them
    (an .xls shares its container with an old Word file, which would be converted)."""
    from openpyxl import load_workbook

    from conftest import make_workspace
    from pipeline import api
    from pipeline._exec import soffice

    ws = make_workspace(tmp_path)
    for n in (1, 2):
        xlsx = _excel_form(tmp_path / f"r{n}.xlsx")
        book = load_workbook(xlsx)
        book.properties.creator = f"填表人{n}"  # two returns, two different files
        book.save(xlsx)
        (xls,) = soffice.convert([xlsx], tmp_path / f"old{n}", to="xls")
        shutil.copy(xls, ws.inbox / f"回执{n}.xls")
    runs = []
    monkeypatch.setattr(soffice, "convert", lambda paths, *a, **k: runs.append(list(paths)))
    summary = api.ingest(ws, progress=False, jobs=1)
    assert runs == []
    assert {f.path: f.form_type for f in summary.files} == {"回执1.xls": "002-person-assessment",
                                                            "回执2.xls": "002-person-assessment"}

# --- header values people write their own way ----------------------------------------------------

COLUMNS_002 = ["序号", "风险点", "风险内容及表现形式", "风险等级", "审核意见"]


def _rows_002() -> list[list[str]]:
    return [[str(i), *r] for i, r in enumerate(RISKS_002, start=1)]


@pytest.mark.parametrize("written, name, position", [
    ("郑晓东（部长）", "郑晓东", "部长"),
    ("郑晓东(组织部部长)", "郑晓东", "组织部部长"),
    ("王萍（女）", "王萍", None),  # a sex in brackets is no post
])
def test_a_post_written_in_brackets_after_the_name(tmp_path, written, name, position):
    path = typed_form(tmp_path / "r.docx", title="个人廉政风险排查评估表",
                      header_lines=[f"部门：组织部    姓名：{written}    填表日期：2012年6月20日"],
                      columns=COLUMNS_002, rows=_rows_002(), after=[NOTE_002])
    form = parse_file(path, levels=["三级", "二级", "一级"])
    assert (form.header.unit, form.header.name, form.header.position) == ("组织部", name, position)


def test_a_unit_written_before_the_title(tmp_path):
    """An office that types its unit into the title line ("组织部个人…表", "2012年度" dropped) and
    leaves out the 部门 field: the unit is read from the title."""
    path = typed_form(tmp_path / "r.docx", title="组织部2012年度个人廉政风险排查评估表",
                      header_lines=["姓名：郑晓东    职务：部长"], columns=COLUMNS_002, rows=_rows_002())
    form = parse_file(path, levels=["三级", "二级", "一级"])
    assert form.form_type == "002-person-assessment" and form.header.unit == "组织部"
    assert "required_empty" not in {p.code for p in form.problems}


def test_a_blank_unit_field_is_not_filled_from_the_title(tmp_path):
    """A 部门 field left blank stays a missing field, whatever the title carries in front."""
    path = typed_form(tmp_path / "r.docx", title="泉州师范学院个人廉政风险排查评估表",
                      header_lines=["部门：            姓名：郑晓东    职务：部长"], columns=COLUMNS_002, rows=_rows_002())
    form = parse_file(path, levels=["三级", "二级", "一级"])
    assert form.header.unit is None and "required_empty" in {p.code for p in form.problems}


def test_graded_level_words_are_three_levels(tmp_path):
    """An office grading its risks 较高 / 一般 / 较低 on 002's scheme (三级 the highest)."""
    rows = [[str(i), name, text, level, "同意"] for i, (name, text, level) in enumerate([
        ("科研经费报销不实", "虚列劳务费", "较高"), ("物资采购暗箱操作", "收受回扣", "一般"),
        ("会议组织", "超标准安排会务", "较低")], start=1)]
    path = typed_form(tmp_path / "r.docx", title="个人廉政风险排查评估表",
                      header_lines=["部门：组织部    姓名：郑晓东    职务：部长"], columns=COLUMNS_002, rows=rows)
    form = parse_file(path, levels=["三级", "二级", "一级"])
    assert [(r.level_label, r.level_scheme, r.level_rank) for r in form.risks] == [
        ("较高", "三级", 1), ("一般", "二级", 2), ("较低", "一级", 3)]


@pytest.mark.parametrize("total", [["合计", "2项", "", "", ""], ["", "合计：2", "", "", ""], ["小计", "", "", "", ""]])
def test_a_totals_row_is_no_risk(tmp_path, total):
    """Offices close a table with 合计 / 小计 (and leave blank rows between): no risk, no problem."""
    blank = [""] * 5
    path = typed_form(tmp_path / "r.docx", title="个人廉政风险排查评估表",
                      header_lines=["部门：组织部    姓名：郑晓东    职务：部长"], columns=COLUMNS_002,
                      rows=[_rows_002()[0], blank, _rows_002()[1], total], after=[NOTE_002])
    form = parse_file(path, levels=["三级", "二级", "一级"])
    assert [r.name for r in form.risks] == [r[0] for r in RISKS_002] and not form.problems


@needs_soffice
@pytest.mark.parametrize("line", ["部门 组织部    姓名 郑晓东    职务 部长", "部门 组织部 姓名 郑晓东 职务 部长"])
def test_labels_without_colons_read_the_same_from_word_and_its_pdf(tmp_path, line):
    """An office types 部门 组织部 (a space, no colon). In the PDF the space is a gap of a third of
    an em between Han characters set solid: it is read as the space it is, so the PDF's header
    is the Word file's."""
    from pipeline._exec import soffice

    src = typed_form(tmp_path / "f.docx", title="个人廉政风险排查评估表", header_lines=[line],
                     columns=COLUMNS_002, rows=_rows_002(), after=[NOTE_002])
    (pdf,) = soffice.convert([src], tmp_path / "pdf")
    word, exported = parse_file(src), parse_file(pdf)
    assert (word.header.unit, word.header.name, word.header.position) == ("组织部", "郑晓东", "部长")
    assert exported.header == word.header and _risks(exported) == _risks(word)


# --- the campaign's own forms first ---------------------------------------------------------------

def test_the_campaigns_own_form_with_its_measure_columns_merged(tmp_path):
    """A 000 office types its 个人岗位 form with one 防控措施 column instead of three: it is still the
    campaign's form (the measure read into its first column), not another campaign's
    four-column form that fits the table a little better."""
    from pipeline.profile import load_profile

    profile = load_profile(Path(__file__).resolve().parents[1] / "profiles" / "000-ccmc" / "profile.toml")
    path = typed_form(tmp_path / "r.docx", title="个人廉政风险防控登记表",
                      header_lines=["部门（单位）：财务处  姓名：李明  职务：科长  岗位：会计"],
                      columns=["序号", "风险点", "风险等级", "防控措施"],
                      rows=[["1", "报销审核把关不严", "一级", "建立审核制度，定期抽查"],
                            ["2", "资金支付不规范", "二级", "双人复核，月度对账"]])
    form = parse_file(path, profile=profile)
    assert form.form_type == "000-person-control"
    assert [(r.name, r.level_scheme, r.measures) for r in form.risks] == [
        ("报销审核把关不严", "一级", "建立审核制度，定期抽查"), ("资金支付不规范", "二级", "双人复核，月度对账")]


def test_another_campaigns_form_is_still_itself(tmp_path):
    """002's 个人廉政风险排查评估表 returned to a 000 campaign stays what it is (the office is told it
    is not this campaign's form): the campaign's preference never outvotes a whole fit."""
    from pipeline.profile import load_profile

    profile = load_profile(Path(__file__).resolve().parents[1] / "profiles" / "000-ccmc" / "profile.toml")
    path = typed_form(tmp_path / "r.docx", title="个人廉政风险排查评估表",
                      header_lines=["部门：组织部    姓名：郑晓东    职务：部长"], columns=COLUMNS_002,
                      rows=_rows_002(), after=[NOTE_002])
    assert parse_file(path, profile=profile).form_type == "002-person-assessment"


def test_a_power_list_typed_with_its_own_headings(tmp_path):
    """004's 职权目录 as an office retypes it: 权力清单 after the unit, 职权事项 / 主要内容 / 承办机构 /
    行使依据 over the columns."""
    from pipeline.profile import load_profile

    profile = load_profile(Path(__file__).resolve().parents[1] / "profiles" / "004-hfzy" / "profile.toml")
    path = typed_form(tmp_path / "r.docx", title="学生工作处权力清单", header_lines=["填报日期：2012年10月20日"],
                      columns=["序号", "职权事项", "主要内容", "承办机构", "行使依据"],
                      rows=[["1", "学生奖助学金评定", "组织评审并公示结果", "学生工作处", "《国家助学金管理办法》"]])
    form = parse_file(path, profile=profile)
    assert form.form_type == "004-authority-catalogue" and form.header.unit == "学生工作处"
    (item,) = form.risks
    assert (item.name, item.description, item.extra["subject"], item.extra["basis"]) == (
        "学生奖助学金评定", "组织评审并公示结果", "学生工作处", "《国家助学金管理办法》")



# --- levels ticked in columns of their own -----------------------------------------------------

def _grouped_form(path: Path, title: str, header_line: str, columns: list, rows: list[list[str]],
                  after: list[str] = ()) -> Path:
    """A form whose table has a two-row header: each column a label (merged down both rows) or a
    (group label, sub-labels) pair, the group merged across its sub-columns; ``rows`` give every
    grid cell."""
    doc = Document()
    doc.add_paragraph(title)
    doc.add_paragraph(header_line)
    width = sum(1 if isinstance(c, str) else len(c[1]) for c in columns)
    table = doc.add_table(rows=2 + len(rows), cols=width)
    table.style = "Table Grid"
    at = 0
    for column in columns:
        if isinstance(column, str):
            table.cell(0, at).merge(table.cell(1, at)).text = column
            at += 1
            continue
        group, subs = column
        table.cell(0, at).merge(table.cell(0, at + len(subs) - 1)).text = group
        for k, label in enumerate(subs):
            table.cell(1, at + k).text = label
        at += len(subs)
    for r, row in enumerate(rows, start=2):
        for i, value in enumerate(row):
            table.cell(r, i).text = value
    for line in after:
        doc.add_paragraph(line)
    doc.save(path)
    return path


def _tick_columns_form(path: Path, ticks: list[int | None], mark: str, text_group: bool = False) -> Path:
    """002's person form with 风险等级 printed as three columns (三级 | 二级 | 一级) under one group
    header, a mark in the column of each risk's level; with ``text_group`` a 防控措施 group over
    措施内容 | 责任人 holding text follows."""
    columns = ["序号", "风险点", "风险内容及表现形式", ("风险等级", ["三级", "二级", "一级"]),
               *([("防控措施", ["措施内容", "责任人"])] if text_group else []), "审核意见"]
    rows = []
    for n, ((name, text, _, _), tick) in enumerate(zip(RISKS_002, ticks), start=1):
        levels = [mark if k == tick else "" for k in range(3)]
        rows.append([str(n), name, text, *levels, *(["严格执行民主推荐程序", "郑晓东"] if text_group else []), ""])
    return _grouped_form(path, "个人廉政风险排查评估表", "部门：组织部    姓名：郑晓东    职务：部长", columns, rows,
                         after=[NOTE_002])


@pytest.mark.parametrize("mark", ["√", "✓", "v", "●"])
def test_a_level_ticked_in_its_own_column_reads_as_that_level(tmp_path, mark):
    form = parse_file(_tick_columns_form(tmp_path / "r.docx", [1, 0], mark), levels=["三级", "二级", "一级"])
    assert form.form_type == "002-person-assessment"
    assert [(r.name, r.level_label, r.level) for r in form.risks] == [
        (RISKS_002[0][0], "二级", "medium"), (RISKS_002[1][0], "三级", "high")]
    assert not form.problems


def test_a_risk_with_no_level_ticked_or_two_is_reported(tmp_path):
    form = parse_file(_tick_columns_form(tmp_path / "r.docx", [None, 0], "√"), levels=["三级", "二级", "一级"])
    assert [r.level_label for r in form.risks] == [None, "三级"]
    assert {p.code for p in form.problems} == {"required_empty"}


def test_a_group_of_columns_holding_text_is_not_read_as_choices(tmp_path):
    form = parse_file(_tick_columns_form(tmp_path / "r.docx", [2, 1], "√", text_group=True),
                      levels=["三级", "二级", "一级"])
    assert [r.level_label for r in form.risks] == ["一级", "二级"]
    assert all(r.measures and r.measures.startswith("严格执行") for r in form.risks)


@needs_soffice
def test_ticked_level_columns_read_the_same_from_the_pdf(tmp_path):
    from pipeline._exec import soffice

    docx = _tick_columns_form(tmp_path / "r.docx", [1, 2], "√")
    (pdf,) = soffice.convert([docx], tmp_path / "pdf", to="pdf")
    levels = ["三级", "二级", "一级"]
    assert [(r.name, r.level_label) for r in parse_file(pdf, levels=levels).risks] == \
        [(r.name, r.level_label) for r in parse_file(docx, levels=levels).risks] == \
        [(RISKS_002[0][0], "二级"), (RISKS_002[1][0], "一级")]


def _measures_group_form(path: Path, sub: list[str]) -> Path:
    """000's person form with 防控措施 printed as a group header over three sub-columns."""
    return _grouped_form(path, "个人岗位廉能风险识别防控表", "部门：财务处  姓名：李明  职务：科长  岗位：会计  填表日期：2013年5月6日",
                         ["序号", "风险点", "风险等级", ("防控措施", sub)],
                         [["1", "报销审核", "高", "严格审核票据", "定期抽查", "追回资金并问责"],
                          ["2", "现金管理", "中", "双人管理", "不定期盘点", "按规定处理"]])


@pytest.mark.parametrize("sub", [["前期预防", "中期监控", "后期处置"], ["事前预防", "事中监控", "事后处置"], ["事前", "事中", "事后"]])
def test_the_three_phases_of_measures_under_one_group_header(tmp_path, sub):
    form = parse_file(_measures_group_form(tmp_path / "r.docx", sub))
    assert form.form_type == "000-person-control"
    assert [(r.measures, r.extra["measures_monitor"], r.extra["measures_disposal"]) for r in form.risks] == [
        ("严格审核票据", "定期抽查", "追回资金并问责"), ("双人管理", "不定期盘点", "按规定处理")]


def test_sub_columns_no_form_knows_keep_their_text_under_the_group(tmp_path):
    """A group over sub-columns in words of the office's own: nothing typed in them is lost."""
    form = parse_file(_measures_group_form(tmp_path / "r.docx", ["源头", "过程", "结果"]))
    assert [r.measures for r in form.risks] == ["源头：严格审核票据\n过程：定期抽查\n结果：追回资金并问责",
                                                "源头：双人管理\n过程：不定期盘点\n结果：按规定处理"]


# --- columns the office added ----------------------------------------------------------------------

def _register_004(path: Path, columns: list[str], rows: list[tuple[str, ...]]) -> Path:
    return typed_form(path, title="个人廉政风险排查登记表",
                      header_lines=["部门（单位）：财务处  姓名：李明  职务：科长  岗位：会计  填表日期：2014年3月6日"],
                      columns=columns, rows=[list(r) for r in rows])


def test_a_column_the_form_lacks_keeps_its_text_beside_its_neighbour(tmp_path):
    """风险内容 and 表现形式 typed as two columns, a 完成时限 and a 备注 added: each kept under its label."""
    path = _register_004(tmp_path / "r.docx", ["序号", "风险点", "风险内容", "表现形式", "风险等级", "防控措施", "完成时限", "备注"],
                         [("1", "报销审核", "审核不严", "虚报冒领", "高", "严格审核", "6月底", "已整改"),
                          ("2", "现金管理", "坐支现金", "挪用公款", "中", "双人管理", "长期", "")])
    form = parse_file(path)
    assert form.form_type == "004-person-register"
    assert [(r.name, r.description, r.level, r.measures) for r in form.risks] == [
        ("报销审核", "审核不严\n表现形式：虚报冒领", "high", "严格审核\n完成时限：6月底\n备注：已整改"),
        ("现金管理", "坐支现金\n表现形式：挪用公款", "medium", "双人管理\n完成时限：长期")]


@pytest.mark.parametrize("label, at", [("编号", 0), ("排序", 1)])
def test_a_numbering_column_the_form_does_not_name_adds_nothing(tmp_path, label, at):
    """Rows numbered under a label the form does not know, blank numbered rows and a …… row below,
    first or after a column of text: no text of the office's to keep."""
    columns = ["风险点", "风险内容/表现形式", "风险等级", "防控措施"]
    rows = [["报销审核", "审核不严", "高", "严格审核"], ["现金管理", "坐支现金", "中", "双人管理"], ["", "", "", ""],
            ["", "", "", ""]]
    numbers = ["1", "2", "3", "……"]
    path = _register_004(tmp_path / "r.docx", columns[:at] + [label] + columns[at:],
                         [tuple(r[:at] + [n] + r[at:]) for r, n in zip(rows, numbers)])
    assert [(r.name, r.description, r.measures) for r in parse_file(path).risks] == [
        ("报销审核", "审核不严", "严格审核"), ("现金管理", "坐支现金", "双人管理")]


def test_a_known_column_split_under_its_group_keeps_the_part_no_form_knows(tmp_path):
    """风险等级 over 等级 | 分值: the level is read from 等级, the score kept as the office's own column."""
    _grouped_form(tmp_path / "r.docx", "个人廉政风险排查登记表", "部门（单位）：财务处  姓名：李明  职务：科长  岗位：会计",
                  ["序号", "风险点", "风险内容/表现形式", ("风险等级", ["等级", "分值"]), "防控措施"],
                  [["1", "报销审核", "审核不严", "高", "8", "严格审核"], ["2", "现金管理", "坐支现金", "中", "5", "双人管理"]])
    form = parse_file(tmp_path / "r.docx")
    assert [(r.name, r.description, r.level, r.measures) for r in form.risks] == [
        ("报销审核", "审核不严\n分值：8", "high", "严格审核"), ("现金管理", "坐支现金\n分值：5", "medium", "双人管理")]


# --- a form typed as one table ----------------------------------------------------------------------

def _one_table_form(path: Path, title: str, columns: list[str], rows: list[tuple[str, ...]]) -> Path:
    """The whole form in one Word table: its title merged across the first row, the header fields
    in the second, the risk table, the note and the date merged across the last rows."""
    width = len(columns)
    doc = Document()
    table = doc.add_table(rows=5 + len(rows), cols=width)
    table.style = "Table Grid"
    table.cell(0, 0).merge(table.cell(0, width - 1)).text = title
    for i, text in enumerate(["部门", "组织部", "姓名", "郑晓东"]):
        table.cell(1, i).text = text
    table.cell(1, 4).merge(table.cell(1, width - 1)).text = "职务：部长"
    for i, label in enumerate(columns):
        table.cell(2, i).text = label
    for r, row in enumerate(rows, start=3):
        for i, value in enumerate(row):
            table.cell(r, i).text = value
    end = 3 + len(rows)
    table.cell(end, 0).merge(table.cell(end, width - 1)).text = NOTE_002
    table.cell(end + 1, 0).merge(table.cell(end + 1, 1)).text = "填表日期"
    table.cell(end + 1, 2).merge(table.cell(end + 1, width - 1)).text = "2012年6月20日"
    doc.save(path)
    return path


def test_a_form_typed_as_one_table_is_read_whole(tmp_path):
    path = _one_table_form(tmp_path / "r.docx", "个人廉政风险排查评估表", COLUMNS_002,
                           [(str(i), *r) for i, r in enumerate(RISKS_002, start=1)])
    form = parse_file(path, levels=["三级", "二级", "一级"])
    assert form.form_type == "002-person-assessment" and form.form_title == "个人廉政风险排查评估表"
    assert (form.header.unit, form.header.name, form.header.position, str(form.header.date)) == \
        ("组织部", "郑晓东", "部长", "2012-06-20")
    assert [(r.name, r.level_label, r.review) for r in form.risks] == [(n, lv, rv) for n, _, lv, rv in RISKS_002]


def test_the_title_in_a_tables_first_row_tells_look_alike_forms_apart(tmp_path):
    """001's forms share their columns: the title merged across the table's first row decides."""
    columns = ["风险点", "风险类型", "风险级别", "岗位风险等级", "自我防控措施"]
    rows = [("审批把关不严", "岗位职责", "一级", "A", "严格执行审批制度")]
    for title, want in [("局机关一般工作人员及教职工廉政风险识别和防控表", "001-staff-control"),
                        ("局机关（学校、单位）中层领导廉政风险识别和防控表", "001-middle-control")]:
        assert parse_file(_one_table_form(tmp_path / f"{want}.docx", title, columns, rows)).form_type == want

# --- forms typed in Excel ---------------------------------------------------------------------------

def _excel_form(path: Path, *, macro: bool = False) -> Path:
    """002's person form as an office types it in Excel: the title merged over the row, header
    fields as label and value cells, the review merged down its rows, the note under the table."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["个人廉政风险排查评估表"])
    ws.merge_cells("A1:E1")
    ws.append(["部门", "组织部", "姓名", "郑晓东", "职务"])
    ws["F2"] = "部长"
    ws.append(COLUMNS_002)
    for i, (name, text, level, _) in enumerate(RISKS_002, start=1):
        ws.append([i, name, text, level, "同意" if i == 1 else None])
    ws.merge_cells("E4:E5")
    ws.append([NOTE_002])
    ws.merge_cells("A6:E6")
    wb.save(path)
    if macro:
        with zipfile.ZipFile(path, "a") as z:
            z.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 never run")
    return path


def test_a_form_typed_in_excel_is_read_like_a_word_table(tmp_path):
    form = parse_file(_excel_form(tmp_path / "r.xlsx"), levels=["三级", "二级", "一级"])
    assert form.form_type == "002-person-assessment" and form.form_title == "个人廉政风险排查评估表"
    assert (form.header.unit, form.header.name, form.header.position) == ("组织部", "郑晓东", "部长")
    assert [(r.seq, r.name, r.description, r.level_label, r.review) for r in form.risks] == [
        (1, RISKS_002[0][0], RISKS_002[0][1], "二级", "同意"), (2, RISKS_002[1][0], RISKS_002[1][1], "三级", "同意")]
    assert not form.problems


def test_an_excel_form_with_macros_is_flagged(tmp_path):
    form = parse_file(_excel_form(tmp_path / "r.xlsx", macro=True), levels=["三级", "二级", "一级"])
    assert any(p.code == "active_content" and "宏" in p.message for p in form.problems)


@needs_soffice
def test_an_old_excel_workbook_is_read_as_its_xlsx(tmp_path):
    """An .xls (Excel 97–2003 or WPS) shares its container with an old Word file; it is read as a
    workbook, the same record as the .xlsx it was saved from."""
    from pipeline._exec import soffice

    xlsx = _excel_form(tmp_path / "r.xlsx")
    (xls,) = soffice.convert([xlsx], tmp_path / "old", to="xls")
    new, old = (parse_file(p, levels=["三级", "二级", "一级"]) for p in (xlsx, xls))
    assert old.form_type == new.form_type == "002-person-assessment"
    assert old.header == new.header and _risks(old) == _risks(new) and not old.problems
