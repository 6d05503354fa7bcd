"""Reproducible zip files: the same files give the same bytes, so two packages compare by hash.

Members are written in sorted order with one fixed timestamp (the campaign's bagging date),
fixed permissions and no extra fields; Python's zipfile sets the UTF-8 flag (bit 11) on every
non-ASCII name, which Linux unzip, 7-Zip and Windows Explorer (Windows 10 and later) read.

:func:`normalise_ooxml` does the same to an .xlsx or .docx made by a library that stamps the
current time into its zip entries and ``docProps/core.xml`` (openpyxl does both).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from pathlib import Path

_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _info(name: str, when: dt.date) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(when.year, when.month, when.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix: the permission bits below mean what they say
    info.external_attr = 0o100644 << 16
    return info


def write_tree(target: Path, root: Path, top: str, when: dt.date) -> None:
    """Zip every file under ``root`` as ``top/<relative path>``, sorted; written to a temp file, then renamed."""
    files = sorted((p for p in root.rglob("*") if p.is_file()), key=lambda p: p.relative_to(root).as_posix())
    tmp = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(tmp, "w") as zf:
        for path in files:
            zf.writestr(_info(f"{top}/{path.relative_to(root).as_posix()}", when), path.read_bytes(),
                        compresslevel=9)
    os.replace(tmp, target)


def normalise_ooxml(data: bytes, when: dt.date) -> bytes:
    """An Office file's bytes with every zip timestamp and the core properties' dates set to ``when``."""
    stamp = f"{when.isoformat()}T00:00:00Z".encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "docProps/core.xml":
                body = _CORE_TIMES.sub(lambda m: m.group(1) + stamp + m.group(2), body)
            dst.writestr(_info(item.filename, when), body, compresslevel=9)
    return out.getvalue()
