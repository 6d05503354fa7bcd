"""A printed-and-scanned form (no text layer) is identified by its QR code and read by OCR."""

from __future__ import annotations

import subprocess

import pytest

from PIL import Image, ImageFilter

from conftest import make_workspace, needs_soffice
from pipeline import api
from pipeline._exec import soffice
from pipeline.errors import InputFileError
from pipeline.forms import get


def _scan(pdf, out, angle: float = 1.5):
    """Rasterise at 150 dpi, tilt, blur and save as an image-only PDF, like an office scanner."""
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(out.with_suffix(""))], check=True)
    page = Image.open(out.with_suffix(".png")).convert("L")
    page = page.rotate(angle, expand=True, fillcolor=255).filter(ImageFilter.GaussianBlur(0.6))
    page.save(out, "PDF", resolution=150)
    return out


def _scanned_form(tmp_path, index: int, form_type: str):
    """One issued form, exported by LibreOffice and scanned; returns its person and the scan."""
    ws = make_workspace(tmp_path)
    person = ws.roster[index]
    docx = next(p for p in api.make_forms(ws, person=person.staff_id, form_type=form_type, progress=False)
                if p.suffix == ".docx")
    pdf = soffice.convert([docx], tmp_path / "pdf")[0]
    return person, _scan(pdf, tmp_path / "scan.pdf")


@needs_soffice
def test_scanned_form_is_matched_by_its_qr_code(tmp_path):
    person, scanned = _scanned_form(tmp_path, 10, "002-person-assessment")

    result = api.parse_file(scanned)
    assert result.form_id is not None and result.form_id.endswith(f"-P{person.staff_id}-1" + result.form_id[-1])
    assert result.form_type == "002-person-assessment"
    assert result.form_title == get("002-person-assessment").title
    assert result.risks == []  # issued blank: read by OCR, nothing filled in
    assert "needs_ocr" not in {p.code for p in result.problems}
    assert result.header.name == person.name


def test_blank_scan_has_no_id(tmp_path):
    page = Image.new("L", (1240, 1754), 255)
    page.save(tmp_path / "blank.pdf", "PDF", resolution=150)
    result = api.parse_file(tmp_path / "blank.pdf")
    assert result.form_id is None and result.form_type is None
    assert [p.code for p in result.problems] == ["needs_ocr"]


@needs_soffice
def test_scanned_image_files_are_identified(tmp_path):
    person, scanned = _scanned_form(tmp_path, 11, "002-person-measures")
    png = scanned.with_suffix(".png")  # the raster before it became a PDF
    photo = tmp_path / "photo.jpg"
    Image.open(png).convert("L").rotate(-90, expand=True).save(photo, quality=70)
    for image in (png, photo):
        result = api.parse_file(image)
        assert result.form_type == "002-person-measures", image
        assert f"-P{person.staff_id}-" in result.form_id
        assert "needs_ocr" not in {p.code for p in result.problems}
        assert result.meta["read_from"] == "paper" and result.header.name == person.name


def test_broken_image_is_a_clear_error(tmp_path):
    bad = tmp_path / "坏图.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(InputFileError, match="坏图.png：图片文件已损坏") as info:
        api.parse_file(bad)
    assert info.value.exit_code == 3
