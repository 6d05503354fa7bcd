"""PDF/A-2b copies of the Word documents, stamped, converted once and kept content-addressed.

LibreOffice writes the conversion time and a fresh document id into every PDF, so converting
twice never gives the same bytes. The package stays reproducible another way: each PDF/A is
kept under ``store/archive-pdfa/<ab>/<cdef…>``, keyed by the sha256 of the stamped .docx it was
made from, and a second build takes it from there instead of converting again. Deleting that
folder only costs the conversion time (and changes the PDFs' bytes, hence the package's hash).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.store.originals import original_path, write_once


def cache_key(stamped_docx: bytes) -> str:
    return hashlib.sha256(stamped_docx).hexdigest()


def pdfa_copies(cache: Path, docs: Sequence[bytes], *, tick: Callable[[int], None] = lambda n: None) -> list[Path | None]:
    """For each stamped .docx, the path of its PDF/A (None when LibreOffice did not convert it)."""
    from pipeline._exec import soffice

    keys = [cache_key(d) for d in docs]
    todo = {k: d for k, d in zip(keys, docs) if not original_path(cache, k).exists()}
    tick(len(docs) - len(todo))
    if todo:
        chunk = soffice.CHUNK
        items = list(todo.items())
        for start in range(0, len(items), chunk):
            part = items[start:start + chunk]
            with tempfile.TemporaryDirectory(prefix="lz-pdfa-") as tmp:
                sources = []
                for key, data in part:  # unique names: soffice takes one output folder per run
                    src = Path(tmp) / f"{key}.docx"
                    src.write_bytes(data)
                    sources.append(src)
                for out in soffice.convert_pdfa(sources, Path(tmp) / "pdf"):
                    write_once(original_path(cache, out.stem), out.read_bytes())
            tick(len(part))
    return [p if (p := original_path(cache, k)).exists() else None for k in keys]


def page_count(path: Path | None = None, data: bytes | None = None) -> int | None:
    """Pages of a PDF, or None when it cannot be read (a returned PDF may be damaged or encrypted)."""
    import io

    import pikepdf

    try:
        with pikepdf.open(path if path is not None else io.BytesIO(data)) as pdf:
            return len(pdf.pages)
    except (pikepdf.PdfError, OSError, ValueError):
        return None


