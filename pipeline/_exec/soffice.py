"""LibreOffice, headless, in batch: one soffice process converts many files.

Starting soffice costs seconds, so never start one per file. Each call gets its own user profile
directory (``-env:UserInstallation``): two conversions running at once would otherwise fight over
the default profile's lock and one of them silently converts nothing. It runs on the shared
:class:`~pipeline._exec.program.Program` wrapper (version logged once, stderr to the log); a chunk
whose soffice times out or crashes is logged and the next chunk goes on, so one hostile file costs
only its chunk — the callers name every file that did not convert.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from pipeline._exec.program import Program
from pipeline.errors import ConversionError, MissingProgramError

SOFFICE = Program(("soffice", "libreoffice"), package="libreoffice-writer", purpose="生成 PDF")
log = logging.getLogger("lianzheng.exec")
FONTS_CONF = Path(__file__).with_name("fonts.conf")
#: Files per soffice process: large enough to amortise the start, small enough that a crash
#: on one hostile file loses little and the command line stays short.
CHUNK = 200


def find() -> str | None:
    return SOFFICE.find()


def require() -> str:
    path = find()
    if path is None:
        raise MissingProgramError(
            "没有找到 LibreOffice（soffice），无法生成 PDF",
            hint="安装 LibreOffice（Debian/Ubuntu：apt-get install libreoffice-writer），或加 --no-pdf 只生成 Word 文件")
    return path


def _chunks(items: Sequence[Path], size: int) -> Iterable[Sequence[Path]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def convert(paths: Sequence[Path], outdir: Path | None = None, *, to: str = "pdf", timeout: int = 900) -> list[Path]:
    """Convert ``paths`` with as few soffice starts as possible; returns the outputs that exist.

    With ``outdir`` None each output lands beside its source (one soffice run per source folder,
    since soffice takes a single ``--outdir``).
    """
    require()
    groups: dict[Path, list[Path]] = {}
    for p in paths:
        groups.setdefault(Path(outdir) if outdir else Path(p).parent, []).append(Path(p))
    outputs: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="lz-soffice-") as profile:
        # soffice also writes to $HOME/.config; FONTCONFIG_FILE maps the official fonts to free ones.
        env = dict(os.environ, HOME=profile, FONTCONFIG_FILE=str(FONTS_CONF))
        for target, members in groups.items():
            target.mkdir(parents=True, exist_ok=True)
            for chunk in _chunks(members, CHUNK):
                try:
                    SOFFICE.run([f"-env:UserInstallation=file://{profile}/user", "--headless", "--norestore",
                                 "--nolockcheck", "--convert-to", to, "--outdir", str(target), *map(str, chunk)],
                                timeout=timeout, doing=f"转换 {len(chunk)} 个文件", env=env, ok_codes=range(256))
                except ConversionError as e:  # this chunk's outputs that exist are kept; the rest are reported
                    log.warning("%s (%s)", e.message, ", ".join(p.name for p in chunk[:5]))
                outputs += [out for p in chunk if (out := target / (p.stem + "." + to.split(":")[0])).exists()]
    return outputs


#: writer_pdf_Export with SelectPdfVersion 2: PDF/A-2b, every font embedded (PDF/A requires it).
#: The JSON filter-option syntax needs LibreOffice 7.4 or newer.
PDFA2_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'


def convert_pdfa(paths: Sequence[Path], outdir: Path, *, timeout: int = 900) -> list[Path]:
    """Convert Word files to PDF/A-2b in ``outdir`` (one soffice run per chunk); returns the PDFs made."""
    return convert(paths, outdir, to=PDFA2_FILTER, timeout=timeout)
