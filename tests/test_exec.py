"""External programs behind one wrapper: missing, timed out, crashed, stderr to the log, pages rendered."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pikepdf
import pytest

from pipeline._exec import pdftoppm
from pipeline._exec.program import Program
from pipeline.errors import ConversionError, MissingProgramError

SH = Program(("sh",), package="dash", purpose="运行测试脚本")


def test_missing_program_names_the_package() -> None:
    ghost = Program(("lianzheng-no-such-program",), package="no-such-package", purpose="做测试")
    assert ghost.find() is None
    with pytest.raises(MissingProgramError) as e:
        ghost.require()
    assert "no-such-package" in str(e.value) and "做测试" in str(e.value)


def test_timeout_is_a_conversion_error() -> None:
    with pytest.raises(ConversionError) as e:
        SH.run(["-c", "sleep 5"], timeout=0.3, doing="等待")
    assert "没有完成等待" in str(e.value)


def test_crash_and_failure_are_conversion_errors() -> None:
    with pytest.raises(ConversionError, match="返回 3"):
        SH.run(["-c", "exit 3"], timeout=10, doing="测试退出码")
    with pytest.raises(ConversionError, match="被信号 9 终止"):
        SH.run(["-c", "kill -9 $$"], timeout=10, doing="测试信号")
    assert SH.run(["-c", "exit 3"], timeout=10, doing="可接受的退出码", ok_codes=(0, 3)).returncode == 3


def test_stderr_goes_to_the_log_not_the_terminal(caplog, capfd) -> None:
    with caplog.at_level(logging.INFO, logger="lianzheng.exec"):
        SH.run(["-c", "echo 字体缺失 >&2"], timeout=10, doing="写标准错误")
    assert "字体缺失" in caplog.text
    assert "字体缺失" not in capfd.readouterr().err


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_pdftoppm_renders_each_page_in_order(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    for _ in range(3):
        pdf.add_blank_page(page_size=(595, 842))
    pdf.save(tmp_path / "three.pdf")
    pages = pdftoppm.render(tmp_path / "three.pdf", tmp_path / "png" / "page", dpi=20)
    assert [p.name for p in pages] == ["page-1.png", "page-2.png", "page-3.png"]
    assert pdftoppm.render(tmp_path / "three.pdf", tmp_path / "one" / "p", dpi=20, first=2, last=2)[0].name == "p-2.png"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_soffice_timeout_costs_its_chunk_not_the_run(tmp_path: Path, caplog) -> None:
    from docx import Document

    from pipeline._exec import soffice

    doc = Document()
    doc.add_paragraph("测试")
    doc.save(str(tmp_path / "a.docx"))
    with caplog.at_level(logging.INFO, logger="lianzheng.exec"):
        assert soffice.convert([tmp_path / "a.docx"], tmp_path / "out", timeout=0.01) == []
    assert "没有完成转换 1 个文件" in caplog.text
    assert soffice.convert([tmp_path / "a.docx"], tmp_path / "out") == [tmp_path / "out" / "a.pdf"]


def test_the_c_library_calls_work_here_or_say_they_cannot(tmp_path) -> None:
    """syncfs, the parent-death signal and malloc_trim: done on Linux with glibc (CI), a False
    answer elsewhere — never an error."""
    import sys

    from pipeline._exec import libc

    (tmp_path / "f").write_bytes(b"x")
    linux = sys.platform.startswith("linux")
    assert libc.syncfs(tmp_path) is linux
    assert isinstance(libc.malloc_trim(), bool)
