"""Benchmark: paper returns read back by each OCR engine — field accuracy, time and memory per page.

    python bench/ocr.py [--profiles 000-ccmc,...] [--departments 1] [--engines rapidocr,tesseract]
                        [--dpi 150,200] [--limit N] [--ways fax,photo] [--keep DIR] [--foreign]

One corpus per run (pipeline.scanlab): in each bundled profile one form of every type with a risk
table for ``--departments`` departments, filled in a brush font in blue or black ink, printed by
LibreOffice in one batch, rasterised at each ``--dpi`` and degraded the ways of
:data:`pipeline.scanlab.DEGRADATIONS` (each form gets three of them in turn, so every degradation
meets every layout), saved as PNG, JPEG, TIFF or image-only PDF (a form of two pages as TIFF or
PDF). A fax has no dpi of the scanner's: it is sent at ITU-T T.4's 204 × 98 dpi (standard mode)
or 204 × 196 (fine), the two in turn, and comes as a 1-bit TIFF or a PDF at that resolution. Each engine then reads the whole corpus in a child process of its own (so its peak memory is
its own, models included) with one thread, as an ingest worker does. Printed per engine and
degradation: field accuracy (non-empty fields of the record the parser reads from the filled .docx,
read exactly; an extra field is an error), wrong fields no ``low_confidence`` problem points at
(the failure: a flagged one the office checks), seconds per page (wall, and CPU of the child and
its own children) and the peak RSS of the child or its largest child, beside the floors to reach on
scans of our own forms (0.98 field accuracy, under 3 s a page on one core, peak under 600 MB).

``--foreign`` reads forms this project did not issue instead (:func:`make_foreign`: no QR code,
labels offices chose), against a floor of 0.95.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROFILES = ("000-ccmc", "001-zcjt", "002-qztc", "003-gzwy", "004-hfzy")
FORMATS = (".png", ".jpg", ".tif", ".pdf")
MULTI_PAGE = (".tif", ".pdf")
FLOOR = {"accuracy": 0.98, "s_per_page": 3.0, "mb": 600}
FOREIGN_FLOOR = 0.95  # field accuracy on scans of forms offices typed themselves (--foreign)


def make_corpus(root: Path, profiles: list[str], departments: int, dpis: list[int]) -> list[dict]:
    from pipeline import scanlab

    returns = scanlab.make_returns(root / "forms", profiles, per_profile=departments)
    items = []
    n = 0
    for r_i, ret in enumerate(returns):
        for k in range(3):
            how = scanlab.DEGRADATIONS[(r_i * 3 + k) % len(scanlab.DEGRADATIONS)]
            dst, pages, res = save(root / "scans", n, how, dpis[(r_i + k) % len(dpis)], ret.pdf)
            items.append({"scan": str(dst), "how": how, "dpi": res, "pages": pages,
                          "expected": ret.expected, "levels": ret.expected.levels})
            n += 1
    return items


def save(folder: Path, n: int, how: str, dpi: int, pdf: Path, name: str = "") -> tuple[Path, int, str]:
    """Scan ``n`` of ``pdf`` degraded ``how`` at ``dpi`` saved in ``folder``, its number of pages
    and its resolution as the bench reports it (150, or 204x98 for a standard-mode fax).

    A multi-page form goes into a multi-page file (TIFF or image-only PDF): a PNG or JPEG holds
    one page, and a form cut to its first page would be scored on fields not sent. A fax comes as
    a fax server delivers it, a TIFF or a PDF at the fax's resolution (scanlab.FAX_DPI)."""
    from pipeline import scanlab

    pages, (x, y) = scanlab.scan(pdf, how, dpi, seed=n)
    if how == "fax":
        ext = MULTI_PAGE[(n // 2) % len(MULTI_PAGE)]
    else:
        ext = FORMATS[n % len(FORMATS)] if len(pages) == 1 else MULTI_PAGE[n % len(MULTI_PAGE)]
    res = str(x) if x == y else f"{x}x{y}"
    dst = folder / f"{n:03d}-{how}-{res}{'-' + name if name else ''}{ext}"
    dst.parent.mkdir(parents=True, exist_ok=True)
    scanlab.save_scan(pages, dst, (x, y))
    return dst, len(pages), res


def make_foreign(root: Path, dpis: list[int]) -> list[dict]:
    """Forms this project did not issue (no QR code): the layouts offices type in Word with labels
    of their own, from tests/make_corpus.py and tests/office_variants.py, printed by LibreOffice in
    one batch, each rasterised and degraded the next way in turn. Borderless tables are left out
    (the paper reader reads ruled tables). Expected is what the parser reads from the .docx."""
    sys.path.insert(0, str(ROOT / "tests"))
    from make_corpus import build_corpus
    from office_variants import build_office_variants

    from pipeline import scanlab
    from pipeline._exec import soffice
    from pipeline.parse import parse_file

    typed = [p for p in build_corpus(root / "typed") + build_office_variants(root / "typed")
             if not p.stem.endswith("-nb")]
    expected = {p: parse_file(p) for p in typed}
    typed = [p for p in typed if expected[p].form_type and expected[p].risks]
    items = []
    for n, (docx, pdf) in enumerate(zip(typed, soffice.convert(typed, root / "pdf"))):
        how = scanlab.DEGRADATIONS[n % len(scanlab.DEGRADATIONS)]
        dst, pages, res = save(root / "scans", n, how, dpis[n % len(dpis)], pdf, docx.stem)
        items.append({"scan": str(dst), "how": how, "dpi": res, "pages": pages,
                      "expected": expected[docx], "levels": expected[docx].levels})
    return items


def read_all(corpus: Path, engine: str) -> None:
    """Child process: read every scan with ``engine``, print one JSON result per line."""
    os.environ["LIANZHENG_OCR"] = engine
    from pipeline import scanlab
    from pipeline.parse import parse_file

    items = pickle.loads(corpus.read_bytes())
    def cpu_now() -> float:  # this process and its children (tesseract runs as one per line)
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    for it in items:
        t0, c0 = time.perf_counter(), cpu_now()
        got = parse_file(Path(it["scan"]), levels=it["levels"] or None)
        wall, cpu = time.perf_counter() - t0, cpu_now() - c0
        right, counted = scanlab.score(it["expected"], got)
        flagged = sum(p.code == "low_confidence" for p in got.problems)
        unflagged = scanlab.unflagged(it["expected"], got)
        print(json.dumps({"scan": it["scan"], "how": it["how"], "dpi": it["dpi"], "pages": it["pages"],
                          "right": right, "counted": counted, "wall": wall, "cpu": cpu, "flagged": flagged,
                          "unflagged": unflagged, "id": got.form_id is not None}), flush=True)
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    print(json.dumps({"peak_mb": peak / 1024}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--profiles", default=",".join(PROFILES))
    ap.add_argument("--departments", type=int, default=1)
    ap.add_argument("--engines", default="rapidocr,tesseract")
    ap.add_argument("--dpi", default="150,200")
    ap.add_argument("--limit", type=int, default=None, help="read only the first N scans")
    ap.add_argument("--ways", default=None, help="read only scans degraded these ways (e.g. fax,photo)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the corpus in this folder (and reuse it)")
    ap.add_argument("--foreign", action="store_true",
                    help="scans of forms typed by offices (no QR code, labels of their own) instead of our own")
    ap.add_argument("--read", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--engine", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.read:
        return read_all(args.read, args.engine)
    root = args.keep or Path(tempfile.mkdtemp(prefix="lianzheng-ocr-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    dpis = [int(d) for d in args.dpi.split(",")]
    kind = "foreign" if args.foreign else "corpus"
    corpus = root / f"{kind}.pickle"
    if corpus.exists():  # a kept corpus is read again as it is, so engines compare on the same pages
        items = pickle.loads(corpus.read_bytes())
    else:
        items = make_foreign(root / "foreign", dpis) if args.foreign else \
            make_corpus(root, args.profiles.split(","), args.departments, dpis)
        corpus.write_bytes(pickle.dumps(items))
    if args.ways is not None or args.limit is not None:  # a subset, read from a corpus file of its own
        ways = set(args.ways.split(",")) if args.ways else None
        items = [it for it in items if ways is None or it["how"] in ways][:args.limit]
        corpus = root / f"{kind}-{args.ways or 'all'}-{args.limit}.pickle"
        corpus.write_bytes(pickle.dumps(items))
    print(f"corpus: {len(items)} scans, {sum(i['pages'] for i in items)} pages in {root}")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for engine in args.engines.split(","):
        done = subprocess.run([sys.executable, __file__, "--read", str(corpus), "--engine", engine],
                              capture_output=True, text=True, env=env, check=False)
        rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        results = [r for r in rows if "scan" in r]
        peak = next((r["peak_mb"] for r in rows if "peak_mb" in r), float("nan"))
        if done.returncode != 0:
            print(f"{engine}: failed\n{done.stderr[-2000:]}")
            continue
        by: dict[str, list[dict]] = defaultdict(list)
        for r in results:
            by[r["how"]].append(r)
            by[f"{r['dpi']} dpi"].append(r)
        pages = sum(r["pages"] for r in results)
        right = sum(r["right"] for r in results)
        counted = sum(r["counted"] for r in results)
        print(f"\n== {engine}: {len(results)} scans, {pages} pages ==")
        print(f"{'':10} {'accuracy':>9} {'s/page':>7} {'cpu s/page':>10} {'QR':>5} {'flagged':>7} {'wrong unflagged':>15}")
        for key in (*sorted(k for k in by if "dpi" not in k), *sorted(k for k in by if "dpi" in k)):
            rs = by[key]
            p = sum(r["pages"] for r in rs)
            print(f"{key:10} {sum(r['right'] for r in rs) / max(1, sum(r['counted'] for r in rs)):9.3f} "
                  f"{sum(r['wall'] for r in rs) / p:7.2f} {sum(r['cpu'] for r in rs) / p:10.2f} "
                  f"{sum(r['id'] for r in rs)}/{len(rs):<3} {sum(r['flagged'] for r in rs):7d} "
                  f"{sum(r['unflagged'] for r in rs):15d}")
        print(f"{'all':10} {right / max(1, counted):9.3f} {sum(r['wall'] for r in results) / max(1, pages):7.2f} "
              f"{sum(r['cpu'] for r in results) / max(1, pages):10.2f}   peak {peak:.0f} MB")
        floor = FOREIGN_FLOOR if args.foreign else FLOOR["accuracy"]
        print(f"{'floor':10} {floor:9.3f} {FLOOR['s_per_page']:7.2f} {'':10}   peak {FLOOR['mb']} MB")


if __name__ == "__main__":
    main()
