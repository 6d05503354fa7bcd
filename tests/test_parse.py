"""Parser: hostile and broken input, the CLI contract, and the small readers (levels, dates, text)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import needs_soffice
from pipeline.cli import main
from pipeline.errors import InputFileError
from pipeline.parse import parse_file
from pipeline.parse.dates import find_date
from pipeline.parse.levels import place_level, scheme_from_note, token
from pipeline.parse.text import clean

sys.path.insert(0, str(Path(__file__).parent))
from make_corpus import build_corpus  # noqa: E402


@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("forms")
    return {p.stem: p for p in build_corpus(out)}


def _docx_with(tmp_path: Path, name: str, document_xml: bytes) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>")
        zf.writestr("word/document.xml", document_xml)
    return path


# --- bad input: one Chinese line naming the file and what to do ---------------------------------

def _bad_inputs(tmp_path: Path, forms: dict[str, Path]) -> dict[str, tuple[Path, str]]:
    good = forms["q002-person-basic"].read_bytes()
    cases: dict[str, tuple[Path, bytes | None, str]] = {}
    (tmp_path / "empty.docx").write_bytes(b"")
    cases["empty"] = (tmp_path / "empty.docx", "文件是空的")
    (tmp_path / "notes.docx").write_text("这是一个改了扩展名的文本文件\n", encoding="utf-8")
    cases["text renamed"] = (tmp_path / "notes.docx", "不是 Word（.docx）或 PDF 文件")
    (tmp_path / "truncated.docx").write_bytes(good[: len(good) // 2])
    cases["truncated"] = (tmp_path / "truncated.docx", "文件已损坏或不完整")
    corrupt = bytearray(good)
    corrupt[200:1200] = b"\x00" * 1000  # inside the first compressed member
    (tmp_path / "corrupt.docx").write_bytes(bytes(corrupt))
    cases["corrupt"] = (tmp_path / "corrupt.docx", "文件已损坏")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    cases["old .doc"] = (tmp_path / "old.doc", "另存为” .docx")
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b" " * (50 * 1024 * 1024))
    cases["zip bomb"] = (bomb, "压缩炸弹")
    xxe = (b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
           b'<w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>')
    cases["external entity"] = (_docx_with(tmp_path, "xxe.docx", xxe), "外部实体")
    xlsx = tmp_path / "book.docx"
    with zipfile.ZipFile(xlsx, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    cases["broken workbook"] = (xlsx, "Excel 文件已损坏")
    hostile = tmp_path / "entity.xlsx"
    with zipfile.ZipFile(hostile, "w") as zf:
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><workbook/>')
    cases["workbook with a DTD"] = (hostile, "DOCTYPE/外部实体声明")
    for name, mimetype, said in (("sheet.ods", "spreadsheet", "OpenDocument 电子表格"),
                                 ("slides.docx", "presentation", "OpenDocument 演示文稿")):
        with zipfile.ZipFile(tmp_path / name, "w") as zf:  # as LibreOffice writes it: the mimetype first, stored
            zf.writestr("mimetype", f"application/vnd.oasis.opendocument.{mimetype}", zipfile.ZIP_STORED)
            zf.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
        cases[f"OpenDocument {mimetype}"] = (tmp_path / name, said)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n")
    cases["broken pdf"] = (tmp_path / "broken.pdf", "PDF 文件已损坏")
    cases["missing"] = (tmp_path / "nowhere.docx", "文件不存在")
    return cases


def test_every_bad_input_raises_a_chinese_error_naming_the_file(tmp_path, forms):
    for what, (path, expected) in _bad_inputs(tmp_path, forms).items():
        with pytest.raises(InputFileError) as info:
            parse_file(path)
        message = str(info.value)
        assert expected in message, (what, message)
        assert str(path) in message and "处理办法" in message and "\n" not in message, what


def test_bad_inputs_through_the_cli_exit_3_with_one_line(tmp_path, forms, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no profile.toml here
    runner = CliRunner()
    for what, (path, expected) in _bad_inputs(tmp_path, forms).items():
        result = runner.invoke(main, ["parse", "--json", str(path)])
        assert result.exit_code == 3, (what, result.output)
        assert result.stdout == "", what
        lines = result.stderr.strip().split("\n")
        assert len(lines) == 1 and lines[0].startswith("错误：") and expected in lines[0], (what, result.stderr)
        assert "Traceback" not in result.stderr


@needs_soffice
def test_encrypted_pdf(tmp_path, forms):
    from pipeline._exec import soffice

    options = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
               '"DocumentOpenPassword":{"type":"string","value":"secret"}}')
    out = soffice.convert([forms["g003-dept"]], tmp_path, to=options)
    assert out, "LibreOffice did not write the encrypted PDF"
    with pytest.raises(InputFileError, match="PDF 设置了打开密码（已加密）"):
        parse_file(out[0])


@needs_soffice
def test_pdf_group_label_and_wide_gaps(tmp_path, forms):
    """A group label merged over its sub-labels (防控措施 over 前期预防 中期监控 后期处置) is read
    at every position it covers, not as the sub-label under half its height; and six typed spaces
    on a header line stay a wide gap, as the font's advance widths place them (a glyph's ink
    overhanging its advance does not narrow the gap)."""
    from pipeline._exec import soffice
    from pipeline.parse.layout import Grid
    from pipeline.parse.pdf import read_pdf

    control, problems = soffice.convert([forms["c000-person-control"], forms["q002-person-problems"]], tmp_path)
    grid = next(b for b in read_pdf(control, control.read_bytes()).blocks if isinstance(b, Grid))
    assert [(c.text, c.hmerge, c.vmerge) for c in grid.rows[0]] == [
        ("序号", False, False), ("风险点", False, False), ("风险等级", False, False),
        ("防控措施", False, False), ("防控措施", True, False), ("防控措施", True, False)]
    assert [c.text for c in grid.rows[1]] == ["序号", "风险点", "风险等级", "前期预防", "中期监控", "后期处置"]
    blocks = read_pdf(problems, problems.read_bytes()).blocks
    assert "单位：组织部 姓名：庄晓燕 职务：科员    年 月 日" in blocks


def test_scan_without_text_layer_needs_ocr(tmp_path):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(img)
    for y in range(300, 1200, 100):
        draw.line((100, y, 1140, y), fill="black", width=3)
    path = tmp_path / "scan.pdf"
    img.save(path, "PDF", resolution=150)
    form = parse_file(path)
    assert form.form_type is None and form.risks == []
    assert [p.code for p in form.problems] == ["needs_ocr"]
    assert "扫描件" in form.problems[0].message


def test_hidden_text_and_tracked_deletions_are_ignored(tmp_path):
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    row = lambda *cells: "<w:tr>" + "".join(f"<w:tc><w:p><w:r><w:t>{c}</w:t></w:r></w:p></w:tc>" for c in cells) + "</w:tr>"
    xml = (f'<w:document {w}><w:body><w:p><w:r><w:t>单位制定廉政风险防控措施表</w:t></w:r></w:p>'
           '<w:p><w:r><w:t>单位（盖章）：科研处</w:t></w:r><w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏文字</w:t></w:r></w:p>'
           "<w:tbl>" + row("序号", "廉政风险名称", "防控措施", "备注")
           + "<w:tr><w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>经费</w:t></w:r>"
           "<w:del><w:r><w:delText>删除的</w:delText></w:r></w:del><w:ins><w:r><w:t>报销不实</w:t></w:r></w:ins></w:p></w:tc>"
           "<w:tc><w:p><w:r><w:t>票据双审</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc></w:tr>"
           "</w:tbl><w:p><w:r><w:t>单位领导签字：蔡明辉</w:t></w:r></w:p></w:body></w:document>")
    form = parse_file(_docx_with(tmp_path, "tracked.docx", xml.encode()))
    assert form.form_type == "002-unit-measures"
    assert form.header.unit == "科研处"
    assert [(r.name, r.measures) for r in form.risks] == [("经费报销不实", "票据双审")]


# --- CLI contract ---------------------------------------------------------------------------------

def test_cli_json_is_exactly_one_object(tmp_path, forms, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["parse", "--json", str(forms["q002-person-basic"])])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.count("\n") == 1
    data = json.loads(out)
    assert set(data) == {"source", "sha256", "form_type", "form_title", "form_id", "levels", "header", "risks", "problems"}
    assert data["form_type"] == "002-person-assessment"
    assert data["header"] == {"unit": "组织部", "name": "郑晓东", "position": "部长", "date": "2012-06-20", "extra": {}}
    assert set(data["risks"][0]) >= {"seq", "name", "description", "category", "level", "level_label", "measures", "review", "duty"}
    assert data["risks"][1]["level"] == "medium" and data["risks"][1]["level_label"] == "二级风险"


def test_cli_levels_option(tmp_path, forms, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["parse", "--json", "--levels", "一级，二级，三级", str(forms["q002-person-basic"])])
    data = json.loads(result.stdout)
    assert data["levels"] == ["一级", "二级", "三级"]
    assert [r["level"] for r in data["risks"]] == ["low", "medium", "high"]


def test_cli_not_a_form_exits_0(tmp_path, forms, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["parse", "--json", str(forms["x-not-a-form"])])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["form_type"] is None and data["risks"] == []


def test_cli_readable_table(tmp_path, forms, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["parse", str(forms["q002-person-problems"])])
    assert result.exit_code == 0
    assert "个人廉政风险排查评估表" in result.stdout and "庄晓燕" in result.stdout
    assert "vague" in result.stdout and "level_unknown" in result.stdout
    assert "风险名称" in result.stdout and "风险内容及表现形式" in result.stdout  # the form's own labels
    assert "防控措施" not in result.stdout  # a column this form does not have is not shown


def test_cli_readable_table_keeps_brackets_people_type(tmp_path, monkeypatch):
    from pipeline.parse.show import print_parsed
    from pipeline.records import ParsedForm, RiskRecord
    from rich.console import Console

    form = ParsedForm(source="x.docx", sha256="0" * 64, form_type="002-person-assessment",
                      risks=[RiskRecord(seq=1, name="[b]采购[/b]环节", description="见[附件2]", level_label="二级")])
    console = Console(record=True, width=200)
    print_parsed(form, console)
    text = console.export_text()
    assert "[b]采购[/b]环节" in text and "见[附件2]" in text


# --- small readers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("written,place,label", [
    ("一级", "low", "一级"), ("1级", "low", "一级"), ("Ⅰ级", "low", "一级"), ("一 级", "low", "一级"),
    ("二级风险", "medium", "二级"), ("３级", "high", "三级"), ("Ⅲ", "high", "三级"), ("四级", None, None), ("", None, None),
])
def test_place_level_in_002_scheme(written, place, label):
    assert place_level(written, ["三级", "二级", "一级"])[:2] == (place, label)


def test_place_level_letters_and_words():
    assert place_level("A级", ["A", "B", "C"])[:2] == ("high", "A")
    assert place_level("b", ["A", "B", "C"])[:2] == ("medium", "B")
    assert place_level("高风险", ["高", "中", "低"])[:2] == ("high", "高")
    assert place_level("低", ["高", "中", "低"])[:2] == ("low", "低")
    assert token("无") is None
    assert place_level("□一级 ☑二级 □三级", ["一级", "二级", "三级"])[:2] == ("medium", "二级")


@pytest.mark.parametrize("written, label", [
    ("☑高 □中 □低", "三级"), ("高□ 中☑ 低□", "二级"), ("高□中□低■", "一级"), ("一级□ 二级□ 三级√", "三级"),
    ("高（ ） 中（√） 低（ ）", "二级"), ("高( )中( )低(✓)", "一级"), ("√高风险", "三级"),
])
def test_a_ticked_choice_is_the_level_whichever_side_its_box_is_printed(written, label):
    """Forms print their boxes before the words or after them, or brackets to tick in."""
    assert place_level(written, ["三级", "二级", "一级"]).label == label


def test_choices_printed_but_none_ticked_are_no_level():
    assert token("高（ ）中（ ）低（ ）") is None and token("□一级 □二级 □三级") is None
    assert place_level("三级（高）", ["三级", "二级", "一级"])[:2] == ("high", "三级")
    assert place_level("（A）", ["A", "B", "C"])[:2] == ("high", "A")


def test_scheme_from_note():
    assert scheme_from_note("风险等级：根据产生不廉洁行为的概率和影响程度，从低到高依次分为一级、二级、三级。") == ["三级", "二级", "一级"]
    assert scheme_from_note("风险级别从高到低分为一级、二级、三级，潜在风险大的定为一级") == ["一级", "二级", "三级"]
    assert scheme_from_note("具体分为A 级、B 级、C 级三个风险等级") is None


@pytest.mark.parametrize("text,day", [
    ("2012年6月20日", dt.date(2012, 6, 20)), ("2012.6.20", dt.date(2012, 6, 20)), ("2012-06-20", dt.date(2012, 6, 20)),
    ("二〇一二年六月二十日", dt.date(2012, 6, 20)), ("二〇一二年十二月三十一日", dt.date(2012, 12, 31)),
    ("填表日期：2012 年 11 月 5 日", dt.date(2012, 11, 5)), ("年    月    日", None), ("2012年2月30日", None),
])
def test_dates(text, day):
    assert find_date(clean(text)) == day


def test_text_cleanup_keeps_chinese_punctuation():
    assert clean("张 三") == "张三"
    assert clean("金额５０００元，（含）：") == "金额5000元，（含）："
    assert clean("\u2f26\u2f42\u3000管理") == "子文管理"  # Kangxi radicals folded; no space between Han
    assert clean("Word\u3000WPS") == "Word WPS"  # ideographic space → space
    assert clean("1.第一条\n\n 2.第二条 ") == "1.第一条\n2.第二条"


def test_form_id_from_text_and_unreadable_id(tmp_path):
    from pipeline.campaign.identity import FormId

    good = str(FormId("QZSY2012", "B24", "DZZB", 1))
    bad = good[:-1] + ("X" if good[-1] != "X" else "Y")
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    row = lambda *cells: "<w:tr>" + "".join(f"<w:tc><w:p><w:r><w:t>{c}</w:t></w:r></w:p></w:tc>" for c in cells) + "</w:tr>"

    def doc(form_id: str) -> bytes:
        return (f'<w:document {w}><w:body><w:p><w:r><w:t>单位制定廉政风险防控措施表</w:t></w:r></w:p>'
                '<w:p><w:r><w:t>单位（盖章）：组织部</w:t></w:r></w:p><w:tbl>' + row("序号", "廉政风险名称", "防控措施", "备注")
                + row("1", "干部考察失真", "扩大考察谈话范围", "") + "</w:tbl>"
                f'<w:p><w:r><w:t>单位领导签字：郑晓东</w:t></w:r></w:p><w:p><w:r><w:t>表单编号：{form_id}</w:t></w:r></w:p>'
                "</w:body></w:document>").encode()

    ok = parse_file(_docx_with(tmp_path, "ok.docx", doc(good.replace("-", " - ", 1))))
    assert ok.form_id == good and ok.problems == []
    damaged = parse_file(_docx_with(tmp_path, "bad.docx", doc(bad)))
    assert damaged.form_id is None
    assert [p.code for p in damaged.problems] == ["form_id_unreadable"]
    assert bad in damaged.problems[0].message


# --- pledges and header fields without a colon ----------------------------------------------------

def _pledge_files(tmp_path: Path) -> tuple[Path, "object"]:
    from conftest import make_workspace
    from pipeline.generate.forms import generate_forms

    ws = make_workspace(tmp_path, "003-gzwy")
    member = ws.roster[0]
    [path] = generate_forms(ws, person=member.staff_id, form_type="003-person-pledge", jobs=1, progress=False)
    return path, member


def test_pledge_recognised_by_id_header_read_and_unsigned(tmp_path):
    from docx import Document

    path, member = _pledge_files(tmp_path)
    form = parse_file(path)
    assert form.form_type == "003-person-pledge" and form.form_title == "个人风险岗位廉能防范承诺书"
    assert form.form_id and form.risks == []
    assert (form.header.unit, form.header.name, form.header.position) == (member.department, member.name, member.position)
    assert form.header.date is None  # the pledge date is left for the person to write, as on the seed
    assert [p.code for p in form.problems] == ["unsigned"]
    doc = Document(path)  # the person signs
    for para in doc.paragraphs:
        if para.text.startswith("承诺人"):
            para.text = f"承诺人（签名）：{member.name}"
    signed = tmp_path / "signed.docx"
    doc.save(signed)
    form = parse_file(signed)
    assert form.problems == [] and form.header.extra["pledger_signature"] == member.name


def test_pledge_recognised_by_title_without_id(tmp_path):
    from docx import Document

    doc = Document()
    for line in ["附表4", "个人风险岗位廉能防范承诺书", "科室 药剂科    姓名 刘海燕    职务（岗位） 药师",
                 "本人郑重承诺：严格遵守党纪国法。", "承诺人签名：刘海燕", "二〇二二年七月五日"]:
        doc.add_paragraph(line)
    path = tmp_path / "pledge.docx"
    doc.save(path)
    form = parse_file(path)
    assert form.form_type == "003-person-pledge" and form.form_id is None and form.risks == []
    assert (form.header.unit, form.header.name, form.header.position) == ("药剂科", "刘海燕", "药师")
    assert form.header.date == dt.date(2022, 7, 5) and form.problems == []


def test_header_fields_without_colon_and_values_below_labels(tmp_path):
    from docx import Document

    doc = Document()
    doc.add_paragraph("个人廉政风险排查评估表")
    doc.add_paragraph("单位 组织部")
    info = doc.add_table(rows=2, cols=3)  # a row of labels over a row of values
    for i, (label, value) in enumerate([("姓名", "郑晓东"), ("职务", "部长"), ("日期", "2012年6月20日")]):
        info.cell(0, i).text, info.cell(1, i).text = label, value
    table = doc.add_table(rows=2, cols=5)
    for i, label in enumerate(["序号", "风险名称", "风险内容及表现形式", "风险等级", "单位审核意见"]):
        table.cell(0, i).text = label
    for i, value in enumerate(["1", "干部考察失真", "考察结论与实际表现不符", "三级", "同意"]):
        table.cell(1, i).text = value
    path = tmp_path / "nocolon.docx"
    doc.save(path)
    form = parse_file(path)
    assert form.form_type == "002-person-assessment"
    assert (form.header.unit, form.header.name, form.header.position, form.header.date) == (
        "组织部", "郑晓东", "部长", dt.date(2012, 6, 20))
    assert [r.name for r in form.risks] == ["干部考察失真"]


@pytest.mark.parametrize("written", ["岗位职责", "岗位职责风险", "岗位职责方面的风险", " 岗位职责\n风险 "])
def test_a_category_is_named_as_the_campaign_spells_it(written) -> None:
    """Offices write a category with or without 风险 / 方面的风险; the ledger shows the profile's name."""
    from pipeline.parse.form import canonical_category

    campaign = ("岗位职责风险", "业务流程风险", "制度机制风险", "外部环境风险")  # seed 003's spelling
    assert canonical_category(written, campaign) == "岗位职责风险"
    assert canonical_category(written) == "岗位职责"  # no campaign: the vocabulary's name
    assert canonical_category("医德医风", campaign) == "医德医风"  # unknown: kept as written


def test_level_words_graded_in_their_own_order() -> None:
    """较高 / 一般 / 较低 are three levels on a three-level scheme (the three-step words read 较高 and
    一般 both as 中); words that do not make as many grades as the scheme are placed one by one."""
    from pipeline.parse.levels import graded_levels

    s002 = ["三级", "二级", "一级"]  # 002: 三级 the highest
    got = graded_levels(["较高风险", "一般", "较低", "一般"], s002)
    assert {w: (p.label, p.rank) for w, p in got.items()} == {
        "较高风险": ("三级", 1), "一般": ("二级", 2), "较低": ("一级", 3)}
    assert {w: p.label for w, p in graded_levels(["高", "中", "低"], ["A", "B", "C"]).items()} == \
        {"高": "A", "中": "B", "低": "C"}
    assert graded_levels(["较高", "较低"], s002) == {}  # two grades on three levels: each alone
    assert graded_levels(["较高", "二级", "较低"], s002) == {}  # not every level a word
    assert graded_levels([], s002) == {}


@pytest.mark.parametrize("line, name", [("部门 组织部 姓名 王 小 萍 职务 科长", "王小萍"),
                                        ("部门 组织部 姓名 王 小萍 职务 科长", "王小萍"),
                                        ("姓名：王  萍    职务：科长", "王萍")])
def test_a_name_spaced_out_is_one_name_with_or_without_colons(line, name) -> None:
    """The same spaced-name rule after a colon label and in a line of bare labels."""
    from pipeline.forms import get
    from pipeline.parse.header import read_lines

    got = read_lines(get("002-person-assessment"), [line])
    assert (got["name"], got["position"]) == (name, "科长")
