"""Benchmark the parser against its naive baselines, in one run.

    python bench/parse.py [--forms 5000] [--jobs 2] [--no-pdf]

* .docx forms/s on one core: ``pipeline.parse.parse_file`` vs a naive python-docx walk
  (``Document(path)``, read every cell's ``text`` of every table) over the same corpus;
* wall time to parse N .docx forms (hard links to the corpus files, so the disk cache is warm for
  both) with a multiprocessing pool of ``--jobs`` workers, pool start-up included;
* PDF pages/s: ``parse_file`` vs plain pdfplumber ``extract_tables()`` on every page, over the
  corpus converted by one LibreOffice batch, beside two floors: what any pdfplumber-based reader
  stands on, parsing the page objects into characters (``page.chars``) and nothing else, and what
  ours stands on, PDFium (pypdfium2) loading each page's text page and its text, nothing else.

Floors: at least 5x the naive walk on one core; 5,000 .docx in under 10 s on 2 cores.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from pipeline.parse import parse_file  # noqa: E402


def naive_walk(path: Path) -> int:
    from docx import Document

    n = 0
    for table in Document(path).tables:
        for row in table.rows:
            for cell in row.cells:
                n += len(cell.text)
    return n


def plain_pdfplumber(path: Path) -> int:
    import pdfplumber

    pages = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_tables()
            pages += 1
    return pages


def text_floor(path: Path) -> int:
    """The floor under any PDF reader built on pdfplumber: parsing the page objects into characters
    (``page.chars``), nothing found or assembled."""
    import pdfplumber

    n = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.chars
            n += 1
    return n


def pdfium_floor(path: Path) -> int:
    """The floor under this project's PDF reader: PDFium parsing each page into its text page
    (characters with their boxes) and handing over the text, nothing found or assembled."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(path)
    try:
        for page in pdf:
            text = page.get_textpage()
            text.get_text_range(0, text.count_chars())
        return len(pdf)
    finally:
        pdf.close()


def rate(fn, paths: list[Path], min_seconds: float = 2.0) -> tuple[float, int]:
    """Items per second of ``fn`` over ``paths``, repeating the list for at least ``min_seconds``."""
    fn(paths[0])  # warm imports and caches
    done, start = 0, time.perf_counter()
    while True:
        for p in paths:
            fn(p)
        done += len(paths)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed, done


def _parse_count(path: str) -> int:
    return len(parse_file(Path(path)).risks)


def batch(paths: list[Path], jobs: int) -> float:
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for _ in pool.imap_unordered(_parse_count, map(str, paths), chunksize=64):
            pass
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--forms", type=int, default=5000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-pdf", action="store_true")
    args = ap.parse_args()
    from conftest import make_workspace
    from make_corpus import build_corpus, build_generated

    console = Console()
    with tempfile.TemporaryDirectory(prefix="lz-bench-parse-") as tmp:
        tmp = Path(tmp)
        ws = make_workspace(tmp / "ws")
        docs = build_corpus(tmp / "corpus") + build_generated(tmp / "corpus", ws.root)
        console.print(f"corpus: {len(docs)} filled .docx forms (seed layouts and generated forms)")

        ours, _ = rate(parse_file, docs)
        naive, _ = rate(naive_walk, docs)
        many = tmp / "many"
        many.mkdir()
        copies = []
        for i in range(args.forms):
            target = many / f"{i:05d}.docx"
            os.link(docs[i % len(docs)], target)
            copies.append(target)
        wall = batch(copies, args.jobs)

        table = Table(title="parse benchmark")
        for col in ("measure", "project", "baseline", "ratio"):
            table.add_column(col)
        table.add_row(".docx forms/s, 1 core", f"{ours:,.0f}", f"{naive:,.0f} (python-docx walk)", f"{ours / naive:.1f}×")
        table.add_row(f"{args.forms:,} .docx, {args.jobs} processes", f"{wall:.2f} s ({args.forms / wall:,.0f}/s)",
                      "floor 10 s", "ok" if wall < 10 else "SLOW")
        if not args.no_pdf:
            from pipeline._exec import soffice

            if soffice.find():
                pdfs = soffice.convert(docs, tmp / "pdf")
                pages = sum(plain_pdfplumber(p) for p in pdfs)
                per_file = pages / len(pdfs)
                ours_pdf, _ = rate(parse_file, pdfs)
                plain, _ = rate(plain_pdfplumber, pdfs)
                floor, _ = rate(text_floor, pdfs)
                ours_floor, _ = rate(pdfium_floor, pdfs)
                table.add_row("PDF pages/s, 1 core", f"{ours_pdf * per_file:,.1f}",
                              f"{plain * per_file:,.1f} (pdfplumber extract_tables)", f"{ours_pdf / plain:.2f}×")
                table.add_row("PDF floor: page objects parsed, 1 core", f"{floor * per_file:,.1f}",
                              "(pdfplumber page.chars alone)", f"{ours_pdf / floor:.2f}× of the floor")
                table.add_row("PDF floor of ours: PDFium text pages, 1 core", f"{ours_floor * per_file:,.1f}",
                              "(pypdfium2 text page and its text alone)", f"{ours_pdf / ours_floor:.2f}× of the floor")
            else:
                table.add_row("PDF pages/s", "skipped: LibreOffice not installed", "", "")
        console.print(table)
        console.print(f"machine: {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} "
                      "(other work on the machine lowers every figure)")


if __name__ == "__main__":
    main()
