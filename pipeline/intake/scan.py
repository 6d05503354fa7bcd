"""Finding the files of an inbox: every regular file, in a stable order, with its sha256.

Skipped: Word's ``~$`` lock files, hidden files, and the store itself (an inbox given as the
workspace folder must not ingest its own originals).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Incoming:
    """One file found in the inbox, as it was when scanned."""

    path: Path
    rel: str
    sha256: str
    size: int
    modified: dt.datetime


def scan(inbox: Path, skip: Path) -> Iterator[Incoming]:
    """Every file under ``inbox`` (``skip`` and what lies under it excluded), sorted by path."""
    skip = skip.resolve()
    for path in sorted(p for p in inbox.rglob("*") if p.is_file()):
        if path.name.startswith((".", "~$")) or path.resolve().is_relative_to(skip):
            continue
        data = path.read_bytes()
        st = path.stat()
        modified = dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).replace(tzinfo=None)
        yield Incoming(path, path.relative_to(inbox).as_posix(), hashlib.sha256(data).hexdigest(), len(data), modified)


def unchanged(item: Incoming) -> bytes | None:
    """The file's bytes if they still hash as scanned, else None (it is still being written)."""
    data = item.path.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == item.sha256 else None
