"""Paper returns read by OCR: our own forms, filled in a brush font, printed, scanned and degraded."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import needs_soffice
from pipeline import scanlab
from pipeline._exec import ocr
from pipeline.errors import MissingProgramError
from pipeline.parse import parse_file
from pipeline.parse.layout import Cell, Grid, Layout
from pipeline.parse.paper.confidence import flag
from pipeline.parse.paper.read import PaperLayout, Reading
from pipeline.parse.settings import DEFAULT
from pipeline.records import ParsedForm

needs_ocr_engine = pytest.mark.skipif(not any(ocr._module(n).available() for n in ocr.ORDER),
                                      reason="no OCR engine installed (pip install '.[ocr]')")
#: The small fixed corpus: (profile's form number, degradation, dpi, file type).
CASES = [(0, "clean", 150, ".png"), (1, "photo", 200, ".jpg"), (0, "seal", 200, ".pdf"), (1, "skew", 150, ".tif")]


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    """Two filled forms of two layouts (004's person and unit registers), printed once."""
    root = tmp_path_factory.mktemp("paper")
    made = scanlab.make_returns(root, ["004-hfzy"], per_profile=1)
    assert len(made) >= 2
    return root, made


@needs_soffice
@needs_ocr_engine
def test_scans_of_our_forms_are_read_into_records(returns, monkeypatch):
    monkeypatch.setenv(ocr.ENV, "rapidocr")
    root, made = returns
    right = counted = 0
    for n, (form, how, dpi, ext) in enumerate(CASES):
        ret = made[form]
        pages = [scanlab.degrade(p, how, seed=n) for p in scanlab.rasterise(ret.pdf, dpi)]
        got = parse_file(scanlab.save_scan(pages, root / f"{n}-{how}{ext}", dpi), levels=ret.expected.levels)
        assert got.form_id == ret.expected.form_id, how
        assert got.form_type == ret.expected.form_type
        assert "needs_ocr" not in {p.code for p in got.problems}
        assert got.meta["read_from"] == "paper"
        r, c = scanlab.score(ret.expected, got)
        assert r / c >= 0.8, (how, scanlab.fields(got))
        assert [x.level_rank for x in got.risks if x.level_label] == \
            [x.level_rank for x in ret.expected.risks if x.level_label] or r < c
        right, counted = right + r, counted + c
    assert right / counted >= 0.93


@needs_soffice
@needs_ocr_engine
def test_a_table_continued_on_a_second_page_of_a_tiff(tmp_path, monkeypatch):
    monkeypatch.setenv(ocr.ENV, "rapidocr")
    ret = scanlab.make_returns(tmp_path, ["002-qztc"], per_profile=1, rows=14)[0]
    pages = scanlab.rasterise(ret.pdf, 150)
    assert len(pages) >= 2
    got = parse_file(scanlab.save_scan(pages, tmp_path / "two-pages.tif", 150), levels=ret.expected.levels)
    assert [r.name for r in got.risks] == [r.name for r in ret.expected.risks]
    assert [r.level_rank for r in got.risks] == [r.level_rank for r in ret.expected.risks]
    right, counted = scanlab.score(ret.expected, got)
    assert right / counted >= 0.75  # the merged 岗位职责 cell counts once per row: one slip costs 14


def test_unsure_readings_are_flagged_with_their_cell_and_column():
    grid = Grid(rows=[[Cell("序号"), Cell("风险点"), Cell("风险等级")], [Cell("1"), Cell("经费报销"), Cell("中")]],
                page=1, index=1)
    paper = PaperLayout(Layout(blocks=["个人廉政风险排查登记表", grid]), engine="test", readings=[
        Reading(1, 1, 2, 2, "经费报销", 0.99), Reading(1, 1, 2, 3, "中", 0.41), Reading(1, 0, 0, 0, "本人签字：", 0.5)])
    form = ParsedForm(source="x.png", sha256="0", form_type="004-person-register")
    flag(form, paper, DEFAULT)
    flagged = [p for p in form.problems if p.code == "low_confidence"]
    assert [p.where for p in flagged] == ["第1页 表1 第2行 第3列（风险等级）", "第1页 表格外文字"]
    assert "41%" in flagged[0].message and "“中”" in flagged[0].message
    assert form.meta["ocr_unsure"] == "2" and form.meta["ocr_pieces"] == "3"


def test_a_cell_with_writing_read_as_nothing_is_flagged():
    grid = Grid(rows=[[Cell("序号"), Cell("风险点"), Cell("风险等级")], [Cell("1"), Cell("经费报销"), Cell("")]],
                page=1, index=1)
    paper = PaperLayout(Layout(blocks=["个人廉政风险排查登记表", grid]), engine="test", readings=[
        Reading(1, 1, 2, 2, "经费报销", 0.99), Reading(1, 1, 2, 3, "", 0.0)])
    form = ParsedForm(source="x.png", sha256="0", form_type="004-person-register", levels=["高", "中", "低"])
    flag(form, paper, DEFAULT)
    [flagged] = [p for p in form.problems if p.code == "low_confidence"]
    assert flagged.where == "第1页 表1 第2行 第3列（风险等级）" and "有字迹但未能识别" in flagged.message


def test_confident_readings_that_cannot_be_right_are_flagged():
    grid = Grid(rows=[[Cell("序号"), Cell("风险点"), Cell("风险等级")], [Cell("1"), Cell("经费报销？审核"), Cell("午")],
                      [Cell("2"), Cell("物资采购OA系统"), Cell("中")], [Cell("3"), Cell("E丽华"), Cell("低")]],
                page=1, index=1)
    paper = PaperLayout(Layout(blocks=["个人廉政风险排查登记表", grid]), engine="test", readings=[
        Reading(1, 1, 2, 2, "经费报销？审核", 0.97), Reading(1, 1, 2, 3, "午", 0.95),
        Reading(1, 1, 3, 2, "物资采购OA系统", 0.97), Reading(1, 1, 3, 3, "中", 0.96),
        Reading(1, 1, 4, 2, "E丽华", 0.96), Reading(1, 1, 4, 3, "低", 0.96)])
    form = ParsedForm(source="x.png", sha256="0", form_type="004-person-register", levels=["高", "中", "低"])
    flag(form, paper, DEFAULT)
    flagged = [p for p in form.problems if p.code == "low_confidence"]
    assert [p.where for p in flagged] == ["第1页 表1 第2行 第2列（风险点）", "第1页 表1 第2行 第3列（风险等级）",
                                          "第1页 表1 第4行 第2列（风险点）"]
    assert "“？”" in flagged[0].message and "高、中、低" in flagged[1].message and "“E”" in flagged[2].message
    assert form.meta["ocr_unsure"] == "3"


def test_no_engine_says_what_to_install(tmp_path, monkeypatch):
    from PIL import Image

    for name in ocr.ORDER:
        monkeypatch.setattr(ocr._module(name), "available", lambda: False)
    ocr.engine.cache_clear()
    try:
        with pytest.raises(MissingProgramError, match="没有安装文字识别") as info:
            ocr.engine()
        assert "rapidocr-onnxruntime" in info.value.hint and "tesseract-ocr-chi-sim" in info.value.hint
        page = np.full((600, 400), 255, np.uint8)
        page[100:102, 50:350] = 0
        Image.fromarray(page).save(tmp_path / "scan.png")
        got = parse_file(tmp_path / "scan.png")
        assert [p.code for p in got.problems] == ["needs_ocr"]
        assert "pip install" in got.problems[0].message
    finally:
        ocr.engine.cache_clear()


@pytest.mark.skipif(not ocr._module("tesseract").available(), reason="tesseract-ocr-chi-sim not installed")
def test_tesseract_engine_reads_a_line():
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (420, 70), 255)
    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 36)
    ImageDraw.Draw(image).text((10, 10), "经费报销审核", fill=0, font=font)
    engine = ocr.engine("tesseract")
    [(text, confidence)] = engine.read_lines([np.asarray(image)])
    assert text == "经费报销审核" and 0 < confidence <= 1


@pytest.mark.skipif(not ocr._module("rapidocr").available(), reason="rapidocr-onnxruntime not installed")
def test_rapidocr_decodes_over_the_forms_alphabet():
    """A character no form holds ("·") gives way to the one it stands for on paper, and the line's
    confidence says how much the recogniser believed in the other."""
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.parse.paper.read import FORM_TEXT_RE

    image = Image.new("L", (420, 70), 255)
    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 36)
    ImageDraw.Draw(image).text((10, 10), "审核·报销", fill=0, font=font)
    engine = ocr.engine("rapidocr")
    [(free, _)] = engine.read_lines([np.asarray(image)])
    [(text, confidence)] = engine.read_lines([np.asarray(image)], FORM_TEXT_RE)
    assert "·" in free
    assert text == "审核，报销"  # a mid-height dot on a form is a comma that lost its tail
    assert confidence < 0.5


@needs_soffice
@needs_ocr_engine
def test_a_scan_pasted_into_a_word_file_is_read_as_the_scan(returns, monkeypatch, tmp_path):
    """Offices scan the signed paper and paste the picture into Word: the .docx holds no table,
    only the picture, and is read as the scan itself would be."""
    from docx import Document
    from docx.shared import Mm

    monkeypatch.setenv(ocr.ENV, "rapidocr")
    root, made = returns
    ret = made[0]
    pages = [scanlab.degrade(p, "clean", seed=3) for p in scanlab.rasterise(ret.pdf, 200)]
    scan = scanlab.save_scan(pages, tmp_path / "scan.png", 200)
    doc = Document()
    doc.add_paragraph("扫描件")
    doc.add_picture(str(scan), width=Mm(170))
    doc.save(tmp_path / "pasted.docx")
    alone, pasted = parse_file(scan, levels=ret.expected.levels), parse_file(tmp_path / "pasted.docx", levels=ret.expected.levels)
    assert pasted.meta["read_from"] == "paper" and pasted.form_id == ret.expected.form_id
    assert scanlab.fields(pasted) == scanlab.fields(alone)
    monkeypatch.setattr(ocr, "engine", lambda **_: (_ for _ in ()).throw(MissingProgramError("没有 OCR", hint="安装")))
    unread = parse_file(tmp_path / "pasted.docx", levels=ret.expected.levels)
    assert unread.form_id == ret.expected.form_id  # the QR code on the picture still names the form
    assert any(p.code == "needs_ocr" and p.message.startswith("Word 文件里只有图片") for p in unread.problems)


@needs_soffice
@needs_ocr_engine
def test_a_heic_photo_is_read_and_without_pillow_heif_the_message_names_it(returns, monkeypatch, tmp_path):
    """An iPhone's photo of the form, as .heic, reads like a JPEG one; without pillow-heif the
    return says which package opens it rather than calling the photo broken."""
    pillow_heif = pytest.importorskip("pillow_heif")
    from PIL import Image

    from pipeline.parse import heif

    monkeypatch.setenv(ocr.ENV, "rapidocr")
    root, made = returns
    ret = made[0]
    [page] = [scanlab.degrade(p, "photo", seed=5) for p in scanlab.rasterise(ret.pdf, 200)]
    pillow_heif.from_pillow(Image.fromarray(page)).save(tmp_path / "IMG_0001.HEIC", quality=90)
    got = parse_file(tmp_path / "IMG_0001.HEIC", levels=ret.expected.levels)
    assert got.form_id == ret.expected.form_id and got.meta["read_from"] == "paper"
    right, counted = scanlab.score(ret.expected, got)
    assert right / counted >= 0.8, scanlab.fields(got)
    monkeypatch.setattr(heif, "register", lambda: False)
    unread = parse_file(tmp_path / "IMG_0001.HEIC")
    assert [p.code for p in unread.problems] == ["needs_ocr"]
    assert "pillow-heif" in unread.problems[0].message and "HEIC" in unread.problems[0].message


@needs_soffice
@needs_ocr_engine
def test_a_standard_mode_fax_tiff_is_read_with_square_pixels(returns, monkeypatch, tmp_path):
    """A fax server's TIFF of a standard-mode fax stores every other line (200 × 100 dpi, 1-bit,
    Group 4): its pages are stretched back to square pixels before anything is read."""
    import cv2
    from PIL import Image

    from pipeline.parse.paper.pages import load

    monkeypatch.setenv(ocr.ENV, "rapidocr")
    root, made = returns
    ret = made[0]
    [page] = scanlab.rasterise(ret.pdf, 200)
    gray = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    half = cv2.resize(gray, (w, h // 2), interpolation=cv2.INTER_AREA)
    Image.fromarray(np.where(half < 170, 0, 255).astype(np.uint8)).convert("1").save(
        tmp_path / "fax.tif", compression="group4", dpi=(200, 100))
    [square] = load(tmp_path / "fax.tif", "image", (tmp_path / "fax.tif").read_bytes(), DEFAULT)
    assert square.shape[:2] == (h // 2 * 2, w)
    got = parse_file(tmp_path / "fax.tif", levels=ret.expected.levels)
    assert got.form_id == ret.expected.form_id
    right, counted = scanlab.score(ret.expected, got)
    assert right / counted >= 0.7, scanlab.fields(got)


@needs_soffice
@needs_ocr_engine
def test_a_scan_of_a_form_an_office_typed_itself_is_read(tmp_path, monkeypatch):
    """A form the project did not issue — no QR code, typed in Word in a thin Song face — is read
    by its labels; the signature line typed just under the table (本人签字：周敏) is read whole,
    not cut at the table's box."""
    from make_corpus import cases, write_case

    from pipeline._exec import soffice

    monkeypatch.setenv(ocr.ENV, "rapidocr")
    case = next(c for c in cases() if c.name == "h004-person-register")
    write_case(case, tmp_path / "typed.docx")
    expected = parse_file(tmp_path / "typed.docx")
    [pdf] = soffice.convert([tmp_path / "typed.docx"], tmp_path / "pdf")
    pages = [scanlab.degrade(p, "noise", seed=16) for p in scanlab.rasterise(pdf, 150)]
    got = parse_file(scanlab.save_scan(pages, tmp_path / "typed.png", 150), levels=expected.levels)
    assert got.form_id is None and got.form_type == expected.form_type == "004-person-register"
    assert got.header.extra["person_signature"] == "周敏"
    right, counted = scanlab.score(expected, got)
    assert right / counted >= 0.95, scanlab.fields(got)


def test_half_width_punctuation_after_han_characters_is_read_full_width():
    from pipeline._exec.ocr import TextLine
    from pipeline.parse.paper.read import _join_row

    line = TextLine("1.评委随机抽取;2.评审结果公示;联系人:李四,王五", 0.9, (0, 0, 300, 30))
    assert _join_row([line], " ") == "1.评委随机抽取；2.评审结果公示；联系人：李四，王五"
    for item in ("2，全程留痕", "2。全程留痕", "2,全程留痕", "2：全程留痕"):  # the item number's dot misread
        assert _join_row([TextLine(item, 0.9, (0, 0, 300, 30))], " ") == "2.全程留痕"
    assert _join_row([TextLine("8:30开会", 0.9, (0, 0, 300, 30))], " ") == "8:30开会"


@pytest.mark.skipif(not ocr._module("rapidocr").available(), reason="rapidocr-onnxruntime not installed")
def test_a_character_the_recogniser_drops_makes_its_line_unsure():
    """A "、" so light (grey 235) that the recogniser's best path drops it: it half saw a
    character where it decided on none, so the character is read (bench/ocr.py's noisy and
    faxed "标准接受" for "标准、接受") and the line doubted all the same."""
    import cv2
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.parse.paper.read import FORM_TEXT_RE

    font = ImageFont.truetype("/usr/share/fonts/truetype/arphic/ukai.ttc", 22)

    def line(mark: int | None) -> np.ndarray:
        image = Image.new("L", (300, 30), 255)
        draw = ImageDraw.Draw(image)
        draw.text((3, 3), "可能放宽标准", fill=60, font=font)
        if mark is not None:
            draw.text((3 + 6 * 22, 3), "、", fill=mark, font=font)
        return cv2.GaussianBlur(np.asarray(image), (0, 0), 0.8)[2:28, :150]

    [(plain, sure), (dropped, unsure)] = ocr.engine("rapidocr").read_lines([line(None), line(235)], FORM_TEXT_RE)
    assert (plain, dropped) == ("可能放宽标准", "可能放宽标准、")
    assert sure >= DEFAULT.ocr_min_confidence > unsure


def test_a_misread_label_of_a_form_the_qr_code_names_is_put_back():
    """A fax's 主要（分管）领导作核意见 is the label 003's pledge prints: put back, its reading made
    sure, so the value under it is found; a blank date with a speck read in it (年：月日), or with
    one of its characters read as another of them (年月月), is the blank the form prints; filled
    values and short words are left as read."""
    from pipeline.forms import get
    from pipeline.parse.paper.labels import snap

    grid = Grid(rows=[[Cell("廉政风险点"), Cell("风险等级"), Cell("风险防范举错")],
                      [Cell("经费报销审核"), Cell("A"), Cell("科长")],
                      [Cell("主要（分管）领导作核意见"), Cell("领导签名：年月日", hmerge=False), Cell("年：月日")],
                      [Cell("年月月"), Cell("2012年月日"), Cell("月")]],
                page=1, index=1)
    paper = PaperLayout(Layout(blocks=[grid]), engine="test", readings=[
        Reading(1, 1, 1, 3, "风险防范举错", 0.6), Reading(1, 1, 2, 1, "经费报销审核", 0.99),
        Reading(1, 1, 2, 3, "科长", 0.95), Reading(1, 1, 3, 1, "主要（分管）领导作核意见", 0.29)])
    snap(paper, get("003-dept-pledge"))
    assert [[c.text for c in row] for row in grid.rows] == [
        ["廉政风险点", "风险等级", "风险防范举措"], ["经费报销审核", "A", "科长"],
        ["主要（分管）领导审核意见", "领导签名：年月日", "年月日"], ["年月日", "2012年月日", "月"]]
    assert [(r.text, r.confidence) for r in paper.readings] == [
        ("风险防范举措", 1.0), ("经费报销审核", 0.99), ("科长", 0.95), ("主要（分管）领导审核意见", 1.0)]


def test_a_level_cell_is_read_again_over_the_level_words():
    """A cell under the level column's label read as no level word is read again over the level
    words' characters alone; the other cells are read once, over the form's alphabet."""
    import cv2
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.parse.paper.read import FORM_TEXT_RE, WordColumn, read_pages

    page = np.full((500, 700), 255, np.uint8)
    for y in (100, 160, 220):
        cv2.line(page, (100, y), (600, y), 0, 2)
    for x in (100, 400, 600):
        cv2.line(page, (x, 100), (x, 220), 0, 2)
    image = Image.fromarray(page)
    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 28)
    for xy, text in (((150, 112), "风险点"), ((440, 112), "风险等级"), ((120, 172), "经费报销审核"), ((490, 172), "C")):
        ImageDraw.Draw(image).text(xy, text, fill=0, font=font)

    class Engine:
        """Reads each line by its width (the header words, 经费报销审核, and the narrow level cell
        as "(") over the form's alphabet, and as "C" over any other."""

        name = "stub"

        def __init__(self) -> None:
            self.asked: list[str] = []

        def read(self, region, alphabet=None):
            return []

        def read_lines(self, lines, alphabet=None):
            self.asked.append(alphabet.pattern)
            if alphabet is not FORM_TEXT_RE:
                return [("C", 0.6) for _ in lines]
            return [("(" if w < 60 else "风险点" if w < 100 else "风险等级" if w < 140 else "经费报销审核", 0.9)
                    for w in (x.shape[1] for x in lines)]

    engine = Engine()
    paper = read_pages([np.asarray(image)], engine, DEFAULT, columns=[WordColumn(frozenset({"风险等级"}), ("A", "B", "C"))])
    [grid] = [b for b in paper.layout.blocks if isinstance(b, Grid)]
    assert [c.text for c in grid.rows[1]] == ["经费报销审核", "C"]
    assert engine.asked == [FORM_TEXT_RE.pattern, "[ABC]"]
    assert any(r.text == "C" and r.confidence == 0.6 for r in paper.readings)


@needs_soffice
@needs_ocr_engine
def test_a_light_final_full_stop_on_a_photo_is_read(tmp_path, monkeypatch):
    """A phone photo's blur leaves the final "。" of 001's duty lighter than ink, beyond the line's
    crop: the crop is cut wider over it, and the duty is read with its full stop."""
    monkeypatch.setenv(ocr.ENV, "rapidocr")
    ret = scanlab.make_returns(tmp_path, ["001-zcjt"], per_profile=1)[0]
    assert ret.expected.form_type == "001-middle-control"
    pages = [scanlab.degrade(p, "photo", seed=18) for p in scanlab.rasterise(ret.pdf, 150)]
    got = parse_file(scanlab.save_scan(pages, tmp_path / "photo.tif", 150), levels=ret.expected.levels)
    want = scanlab.fields(ret.expected)["header.duty"]
    assert want.endswith("。") and scanlab.fields(got)["header.duty"] == want


def test_a_truncated_heic_photo_is_refused_as_damaged(tmp_path):
    """A HEIC cut short in transfer is a damaged photo (pillow-heif's own error), not a fault."""
    pillow_heif = pytest.importorskip("pillow_heif")
    from PIL import Image

    from pipeline.errors import InputFileError

    image = Image.fromarray(np.random.default_rng(1).integers(0, 255, (200, 300, 3), dtype=np.uint8))
    pillow_heif.from_pillow(image).save(tmp_path / "whole.heic", quality=50)
    data = (tmp_path / "whole.heic").read_bytes()
    (tmp_path / "cut.heic").write_bytes(data[:len(data) // 2])
    with pytest.raises(InputFileError, match="图片文件已损坏"):
        parse_file(tmp_path / "cut.heic")


def test_a_tiff_claiming_pixels_no_scanner_makes_is_not_blown_up(tmp_path):
    """Pixels 1000 times wider than tall are no fax's: the page is read as stored, not stretched."""
    from PIL import Image

    from pipeline.parse.paper.pages import load

    Image.new("1", (400, 300), 1).save(tmp_path / "odd.tif", dpi=(1000, 1))
    Image.new("1", (400, 300), 1).save(tmp_path / "fax.tif", dpi=(204, 98))
    [odd] = load(tmp_path / "odd.tif", "image", (tmp_path / "odd.tif").read_bytes(), DEFAULT)
    [fax] = load(tmp_path / "fax.tif", "image", (tmp_path / "fax.tif").read_bytes(), DEFAULT)
    assert odd.shape[:2] == (300, 400) and fax.shape[:2] == (624, 400)


@needs_soffice
@needs_ocr_engine
def test_a_fax_is_made_at_t4_resolution_and_its_pdf_read_from_the_image_it_holds(returns, monkeypatch, tmp_path):
    """scanlab's fax is sent at ITU-T T.4's resolution whatever the scanner's dpi (204 pels an
    inch across, 98 or 196 lines an inch down), and a fax server's PDF of it — one 1-bit CCITT
    image a page — is read from that image, squared, not from pdfium's smoothed drawing of it."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    from pipeline.parse.paper.pages import load

    monkeypatch.setenv(ocr.ENV, "rapidocr")
    root, made = returns
    ret = made[0]
    standard, res = scanlab.scan(ret.pdf, "fax", 150, seed=2)  # even seeds standard mode, odd fine
    fine, fine_res = scanlab.scan(ret.pdf, "fax", 150, seed=3)
    assert (res, fine_res) == ((204, 98), (204, 196))
    at_204 = scanlab.rasterise(ret.pdf, 204)[0].shape[:2]  # the pels across, and as many lines a page
    assert standard[0].shape[:2] == (round(at_204[0] * 98 / 204), at_204[1]) and np.isin(standard[0], (0, 255)).all()
    assert fine[0].shape[:2] == (round(at_204[0] * 196 / 204), at_204[1])
    pdf = scanlab.save_scan(standard, tmp_path / "fax.pdf", res)
    doc = pypdfium2.PdfDocument(str(pdf))
    [image] = doc[0].get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,))
    assert image.get_metadata().bits_per_pixel == 1 and image.get_filters() == ["CCITTFaxDecode"]
    doc.close()
    [page] = load(pdf, "pdf", pdf.read_bytes(), DEFAULT)
    h, w = standard[0].shape[:2]
    assert page.shape == (round(h * 204 / 98), w) and np.isin(page, (0, 255)).all()
    got = parse_file(pdf, levels=ret.expected.levels)
    assert got.form_id == ret.expected.form_id
    right, counted = scanlab.score(ret.expected, got)
    assert right / counted >= 0.7, scanlab.fields(got)
    with pytest.raises(ValueError, match="scanlab.scan"):
        scanlab.degrade(standard[0], "fax", seed=1)


def test_a_1_bit_page_loses_its_lone_specks_before_it_is_softened():
    """A one-pel speck on a 1-bit page is wiped while it is black; softened first it would be a
    light grey dot (lighter than any ink threshold) that the recogniser reads as a full stop."""
    from pipeline.parse.paper import clean

    page = np.full((60, 120), 255, np.uint8)
    page[20:30, 10:40] = 0  # a stroke
    page[25, 60] = 0  # a speck
    page[24:26, 90] = 0  # a one-pel speck of a standard-mode fax, squared: two lines tall
    soft = clean.soften(page, DEFAULT.ocr_speck_px)
    assert soft[25, 60] == 255 and soft[24:26, 90].min() == 255
    assert soft[25, 25] < 50
    assert clean.soften(page)[25, 60] < 255  # without a bound nothing is wiped


def _ruled_page() -> np.ndarray:
    """A page at a fax's 204 pels an inch with one table of 4 × 3 cells ruled in one-pel lines."""
    page = np.full((900, 1400, 3), 255, np.uint8)
    for y in np.linspace(150, 750, 5).astype(int):
        page[y, 150:1251] = 0
    for x in np.linspace(150, 1250, 4).astype(int):
        page[150:751, x] = 0
    return page


@pytest.mark.parametrize("seed", [4, 6, 10, 12, 16])
def test_a_table_faxed_crooked_in_standard_mode_keeps_its_cells(seed):
    """A thin rule fed into a standard-mode fax a little crooked comes out as level dashes a scan
    line apart, gone where it straddles two lines: the page is levelled by its rows (each dash is
    level, so Hough segments said 0°) and the dashes are joined, and every cell of the table is
    found (each of these feeds, -0.53° to 0.59°, lost the table or a column before)."""
    import cv2

    from pipeline.parse.paper import clean
    from pipeline.parse.paper.grid import find_tables
    from pipeline.parse.paper.pages import _square

    [fax] = scanlab.fax([_ruled_page()], "standard", seed)
    gray = _square(cv2.cvtColor(fax, cv2.COLOR_RGB2GRAY), scanlab.FAX_DPI["standard"])
    assert clean.bilevel(gray)
    gray = clean.straighten(clean.deskew(clean.flatten(clean.soften(gray)), stepped=True), DEFAULT)
    tables, _ = find_tables(gray, DEFAULT, broken=True)
    assert [(t.n_rows, t.n_cols, len(t.cells)) for t in tables] == [(4, 3, 12)]


def test_a_row_of_dots_is_read_as_an_ellipsis_not_guessed():
    """The "……" a template prints in its last row is six dots in a crop a few pixels tall, which
    the recogniser blew up and read as "+....." — no placeholder, so the 编号 column it stood in
    stopped numbering the rows and "编号：1" was added to every risk's name. A line of dots alone
    is "……"; a line with a character among the dots is not."""
    from pipeline.parse.paper.grid import Box
    from pipeline.parse.paper.read import _dotted

    binary = np.zeros((40, 200), np.uint8)
    for x in range(20, 140, 20):
        binary[18:22, x:x + 4] = 255
    line = Box(20, 18, 144, 22)
    assert _dotted(binary, line, typical=24)
    binary[10:30, 150:153] = 255  # a "1" after the dots
    assert not _dotted(binary, Box(20, 10, 153, 30), typical=24)
    assert not _dotted(binary, line, typical=6)  # dots as large as the table's characters


def test_a_table_continued_under_a_misread_header_label_keeps_its_rows():
    """A form typed by an office repeats its header on every page; a fax read one label of a later
    page's as another word (岗位职员 for 岗位职责). That page's header still names every other
    column where the first page has it, in a table as wide: its rows continue the table, and were
    dropped (three risks of a six-page fax)."""
    from pipeline.parse.form import build
    from pipeline.records import Scheme

    head = ["岗位职责", "序号", "风险名称", "风险内容及表现形式", "风险等级", "单位审核意见"]

    def row(*texts: str) -> list[Cell]:
        return [Cell(t) for t in texts]

    first = Grid(rows=[row(*head), row("负责国有资产管理", "1", "物资采购暗箱操作", "采购中不按规定公开招标", "三级", "同意")],
                 page=1, index=1)
    second = Grid(rows=[row("岗位职员", *head[1:]), row("负责国有资产管理", "2", "公务用车私用", "节假日私自使用公务用车办私事", "二级", "同意")],
                  page=2, index=2)
    other = Grid(rows=[row("岗位职员", "序号", "风险名称", "整改时限说明", "风险等级", "单位审核意见"),
                       row("负责国有资产管理", "3", "干部考察失真", "考察结论与实际表现不符", "一级", "同意")], page=3, index=3)
    layout = Layout(has_text=True)
    layout.blocks = ["个人廉政风险排查评估表", "单位：资产管理处    姓名：李秀英    职务：处长", first, second]
    form = build("fax.pdf", "0" * 64, layout, scheme=Scheme(levels=("一级", "二级", "三级")))
    assert [(r.name, r.level_label) for r in form.risks] == [("物资采购暗箱操作", "三级"), ("公务用车私用", "二级")]
    layout.blocks = [*layout.blocks[:3], other]  # two labels it does not name: another table
    assert [r.name for r in build("fax.pdf", "0" * 64, layout, scheme=Scheme(levels=("一级", "二级", "三级"))).risks] \
        == ["物资采购暗箱操作"]


def test_a_standard_mode_fax_is_told_and_its_near_sure_readings_checked(returns):
    """A standard-mode fax (98 lines an inch, squared by repeating each line) is told from a
    fine-mode one by its repeated rows, and there a reading the recogniser is 85% sure of is sent
    to be checked: the strokes lost between its lines leave other characters it is nearly sure of
    (审 read as 中 at 0.80 and 0.87). On any other page 85% is sure enough."""
    import cv2

    from pipeline.parse.paper import clean
    from pipeline.parse.paper.pages import _square

    root, made = returns
    for seed, mode in ((2, "standard"), (3, "fine")):
        pages, dpi = scanlab.scan(made[0].pdf, "fax", 150, seed=seed)
        page = _square(cv2.cvtColor(pages[0], cv2.COLOR_RGB2GRAY), dpi)
        assert clean.half_lines(page) == (mode == "standard")
    clean_scan = scanlab.rasterise(made[0].pdf, 150)[0]
    assert not clean.half_lines(cv2.cvtColor(clean_scan, cv2.COLOR_RGB2GRAY))
    grid = Grid(rows=[[Cell("序号"), Cell("风险点")], [Cell("1"), Cell("经费报销中核")]], page=1, index=1)
    for half, flagged in ((True, ["第1页 表1 第2行 第2列（风险点）"]), (False, [])):
        paper = PaperLayout(Layout(blocks=["个人廉政风险排查登记表", grid]), engine="test",
                            readings=[Reading(1, 1, 2, 2, "经费报销中核", 0.85, half_lines=half)])
        form = ParsedForm(source="x.tif", sha256="0", form_type="004-person-register")
        flag(form, paper, DEFAULT)
        assert [p.where for p in form.problems if p.code == "low_confidence"] == flagged


def test_a_misread_column_label_of_a_form_an_office_typed_is_put_back():
    """With no QR code to name the form, a cell read as nearly a column label some form knows is
    that label (a fax's 岗位职员 and 岗位职费 are 岗位职责 — 岗位职能, as near, names the same
    column); its reading keeps its confidence, as the office typed the label. Filled values are
    left as read."""
    from pipeline.parse.paper.labels import snap_columns

    grid = Grid(rows=[[Cell("岗位职员"), Cell("风险内容及衣现形式"), Cell("风险等级")],
                      [Cell("负责国有资产管理"), Cell("基建I程变更中核不严"), Cell("三级")],
                      [Cell("岗位职费"), Cell(""), Cell("")]], page=1, index=1)
    paper = PaperLayout(Layout(blocks=[grid]), engine="test", readings=[
        Reading(1, 1, 1, 1, "岗位职员", 0.7), Reading(1, 1, 2, 1, "负责国有资产管理", 0.99),
        Reading(1, 1, 2, 2, "基建I程变更中核不严", 0.4)])
    snap_columns(paper)
    assert [[c.text for c in row] for row in grid.rows] == [
        ["岗位职责", "风险内容及表现形式", "风险等级"], ["负责国有资产管理", "基建I程变更中核不严", "三级"],
        ["岗位职责", "", ""]]
    assert [(r.text, r.confidence) for r in paper.readings] == [
        ("岗位职责", 0.7), ("负责国有资产管理", 0.99), ("基建I程变更中核不严", 0.4)]
