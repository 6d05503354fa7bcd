"""pdftoppm (poppler-utils): PDF pages to PNG images, for looking at documents and for OCR of scans."""

from __future__ import annotations

from pathlib import Path

from pipeline._exec.program import Program

PDFTOPPM = Program(("pdftoppm",), package="poppler-utils", purpose="把 PDF 页面转成图片", version_args=("-v",))


def find() -> str | None:
    return PDFTOPPM.find()


def render(pdf: Path, out_prefix: Path, *, dpi: int = 100, first: int | None = None, last: int | None = None,
           timeout: float = 300) -> list[Path]:
    """Render pages ``first``..``last`` (1-based, default all) of ``pdf`` to ``<out_prefix>-N.png``."""
    args = ["-png", "-r", str(dpi)]
    if first is not None:
        args += ["-f", str(first)]
    if last is not None:
        args += ["-l", str(last)]
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    PDFTOPPM.run([*args, str(pdf), str(out_prefix)], timeout=timeout, doing=f"转换 {pdf.name} 的页面")
    return sorted(out_prefix.parent.glob(out_prefix.name + "-*.png"),
                  key=lambda p: int(p.stem.rsplit("-", 1)[1]))
