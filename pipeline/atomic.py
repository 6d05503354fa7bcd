"""Writing generated files so that a reader never sees half of one.

Every file the program writes into the outbox is written beside its final name under a hidden
temporary name and renamed into place when complete: a killed run, a full disk or a crash leaves
the previous version or no file, never a truncated form that Word calls damaged. (The store's
originals go further and are fsynced, see :mod:`pipeline.store.originals`; outbox files can be
regenerated, so a rename suffices.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(path: Path | str) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed over ``path`` if the block succeeds."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: Path | str, data: bytes) -> None:
    """``Path.write_bytes``, atomically."""
    with replacing(path) as tmp:
        tmp.write_bytes(data)
