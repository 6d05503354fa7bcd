"""Graphviz ``dot`` (Debian package graphviz): lays out and draws the 权力运行流程图.

A graph layout tool rather than hand-placed boxes: boxes keep their distances whatever the length
of a step's text, and arrows never cross a box. ``dot`` finds its fonts through fontconfig; the
run points FONTCONFIG_FILE at :data:`pipeline._exec.soffice.FONTS_CONF`, so a chart asking for
宋体 or 黑体 gets the same free CJK stand-ins as the PDFs, never boxes of missing glyphs.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pipeline._exec.program import Program
from pipeline._exec.soffice import FONTS_CONF

DOT = Program(("dot",), package="graphviz", purpose="绘制权力运行流程图", version_args=("-V",))


def find() -> str | None:
    return DOT.find()


def render(source: str, fmt: str, *, dpi: int = 300, timeout: float = 60) -> bytes:
    """The drawing of the dot ``source`` as ``fmt`` (``png`` at ``dpi``, ``svg``)."""
    with tempfile.TemporaryDirectory(prefix="lz-dot-") as tmp:
        src, out = Path(tmp) / "chart.dot", Path(tmp) / f"chart.{fmt}"
        src.write_text(source, encoding="utf-8")
        env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF))
        DOT.run([f"-T{fmt}", f"-Gdpi={dpi}", "-o", str(out), str(src)], timeout=timeout,
                doing="绘制流程图", env=env)
        return out.read_bytes()
