"""Returns in older or other word-processor formats (.doc, .wps, .rtf, .odt), read through LibreOffice.

Offices still save as Word 97–2003 (.doc), WPS's own .wps, RTF from mail clients, or OpenDocument
(.odt) from LibreOffice and 永中. LibreOffice converts each to .docx headless, and the .docx reader
reads the conversion; the original stays the file that was returned (its bytes and hash are what
ingest keeps). Starting soffice costs seconds, so :func:`convert_all` converts a whole batch in one
run, and :func:`parse_file <pipeline.parse.parse_file>` converts a single file only when it is
given one alone.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import InputFileError
from pipeline.parse.route import SAVE_AS

#: What each sniffed format is saved as for LibreOffice (it picks its import filter by content, the
#: extension only helps), and how it is named to the user.
SUFFIX = {"doc": ".doc", "rtf": ".rtf", "odt": ".odt"}
NAMES = {"doc": "旧版 Word（.doc）或 WPS（.wps）", "rtf": "RTF", "odt": "OpenDocument（.odt）"}


def convert_all(files: Sequence[tuple[Path, bytes, str]], outdir: Path) -> dict[Path, Path]:
    """Convert every (path, bytes, format) to .docx in ``outdir`` with one LibreOffice run; returns
    original path → converted .docx for the files LibreOffice could convert (an encrypted or
    damaged file gives none)."""
    from pipeline._exec import soffice

    outdir.mkdir(parents=True, exist_ok=True)
    staged: dict[Path, Path] = {}
    for n, (path, data, fmt) in enumerate(files):
        copy = outdir / "in" / f"{n:06d}{SUFFIX[fmt]}"  # unique, ASCII names: soffice names its output by them
        copy.parent.mkdir(exist_ok=True)
        copy.write_bytes(data)
        staged[copy] = path
    done = soffice.convert(list(staged), outdir / "out", to="docx")
    by_stem = {p.stem: p for p in done}
    return {original: by_stem[copy.stem] for copy, original in staged.items() if copy.stem in by_stem}


def converted_one(path: Path, data: bytes, fmt: str, workdir: Path | None = None) -> Path:
    """The .docx LibreOffice makes of one returned file, in ``workdir`` (a temporary folder if None);
    an :class:`InputFileError` when it cannot convert it (a password, or damage)."""
    from pipeline._exec import soffice

    if soffice.find() is None:
        raise InputFileError(f"这是{NAMES[fmt]}文件，本机没有 LibreOffice，无法转换读取", path=path,
                             hint=SAVE_AS + "；或在本机安装 LibreOffice 后重新收表")
    outdir = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="lz-legacy-"))
    out = convert_all([(path, data, fmt)], outdir).get(path)
    if out is None:
        raise InputFileError(f"这是{NAMES[fmt]}文件，但 LibreOffice 无法转换它（可能设了打开密码或已损坏）", path=path,
                             hint=SAVE_AS + "；如文件设了打开密码，请先去掉密码")
    return out
