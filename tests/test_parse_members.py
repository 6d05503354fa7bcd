"""Package members read straight from their data must read exactly what zipfile reads, and refuse
what zipfile refuses: damaged data, a stated size the data does not inflate to, two names."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from docx import Document

from pipeline.errors import InputFileError
from pipeline.parse import parse_file
from pipeline.parse.members import first_bytes, read_member
from pipeline.parse.route import ZIP_DAMAGE


@pytest.fixture
def docx_bytes() -> bytes:
    doc = Document()
    doc.add_paragraph("个人廉政风险点排查登记表")
    table = doc.add_table(rows=2, cols=3)
    for j, label in enumerate(["序号", "风险点", "防控措施"]):
        table.cell(0, j).text = label
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _patched(data: bytes, name: str, patch) -> bytes:
    """The archive with the raw bytes of one member's local entry changed by ``patch(blob, info)``."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    info = zf.getinfo(name)
    blob = bytearray(data)
    patch(blob, info)
    return bytes(blob)


def _data_offset(blob: bytearray, info: zipfile.ZipInfo) -> int:
    fields = struct.unpack(zipfile.structFileHeader, bytes(blob[info.header_offset:info.header_offset + 30]))
    return info.header_offset + 30 + fields[zipfile._FH_FILENAME_LENGTH] + fields[zipfile._FH_EXTRA_FIELD_LENGTH]


def test_every_member_reads_as_zipfile_reads_it(docx_bytes) -> None:
    zf = zipfile.ZipFile(io.BytesIO(docx_bytes))
    for info in zf.infolist():
        assert read_member(zf, info) == zf.read(info), info.filename
        assert read_member(zf, info.filename) == zf.read(info.filename)
        assert zf.read(info).startswith(first_bytes(zf, info, 64))
    with pytest.raises(KeyError):
        read_member(zf, "word/nothing.xml")


def test_stored_members_too(docx_bytes) -> None:
    src = zipfile.ZipFile(io.BytesIO(docx_bytes))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for info in src.infolist():
            z.writestr(info.filename, src.read(info))
    zf = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    assert read_member(zf, "word/document.xml") == src.read("word/document.xml")


def test_damaged_data_is_refused_as_damage(docx_bytes, tmp_path: Path) -> None:
    def flip(blob, info):
        start = _data_offset(blob, info) + info.compress_size // 2
        blob[start:start + 8] = bytes(b ^ 0x5A for b in blob[start:start + 8])

    data = _patched(docx_bytes, "word/document.xml", flip)
    zf = zipfile.ZipFile(io.BytesIO(data))
    with pytest.raises(ZIP_DAMAGE):
        read_member(zf, "word/document.xml")
    path = tmp_path / "损坏.docx"
    path.write_bytes(data)
    with pytest.raises(InputFileError, match="损坏"):
        parse_file(path)


def test_data_inflating_past_its_stated_size_is_refused(docx_bytes) -> None:
    """The directory says 100 bytes; the stream holds the whole part: never read past the size."""
    zf = zipfile.ZipFile(io.BytesIO(docx_bytes))
    info = zf.getinfo("word/document.xml")
    info.file_size = 100
    with pytest.raises(zipfile.BadZipFile):
        read_member(zf, info)


def test_a_member_whose_local_name_differs_is_left_to_zipfile_which_refuses_it(docx_bytes) -> None:
    def rename(blob, info):
        at = info.header_offset + 30
        blob[at:at + 4] = b"WORD"

    zf = zipfile.ZipFile(io.BytesIO(_patched(docx_bytes, "word/document.xml", rename)))
    assert first_bytes(zf, zf.getinfo("word/document.xml"), 64) is None
    with pytest.raises(zipfile.BadZipFile):
        read_member(zf, "word/document.xml")


def test_crc_is_checked(docx_bytes) -> None:
    zf = zipfile.ZipFile(io.BytesIO(docx_bytes))
    info = zf.getinfo("word/styles.xml")
    info.CRC = zlib.crc32(b"another part")
    with pytest.raises(zipfile.BadZipFile):
        read_member(zf, info)
