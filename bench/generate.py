"""Benchmark: annex form generation against a naive docxtpl loop, and batch PDF conversion.

    python bench/generate.py [--people 5000] [--naive 200] [--pdf 10]

One run, one synthetic roster (pipeline.rosterbook.synthetic_roster over the 002 profile: two
person forms each, so 5,000 people give 10,000 forms plus the department forms). Measures:

* the project, all cores and one core: wall time of ``generate_forms`` as the CLI runs it —
  roster read from roster.xlsx, store sync and records, every file written (progress bar off);
* the naive loop on the first ``--naive`` forms of the same batch: for each form load the
  template, render with docxtpl, swap the QR picture, save — the rate extrapolates; it does not
  fill docProps/custom.xml, so it does less work than the project and the ratio is a lower bound;
* peak memory: ru_maxrss of this process and of the largest worker process (RSS, so pages shared
  with the parent after fork are counted in both: the sum over-states the real peak);
* PDF: N files converted by one soffice process against one soffice process per file.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.generate import qr  # noqa: E402
from pipeline.campaign.obligations import plan_issues  # noqa: E402
from pipeline.generate.forms import _static_context, generate_forms  # noqa: E402
from pipeline.generate.templates import template_name  # noqa: E402
from pipeline.forms import get  # noqa: E402
from pipeline.rosterbook import synthetic_roster, write_roster  # noqa: E402
from pipeline.workspace import Workspace  # noqa: E402

PROFILE = ROOT / "profiles" / "002-qztc"


def workspace(root: Path, people: int) -> Workspace:
    root.mkdir(parents=True)
    shutil.copy(PROFILE / "profile.toml", root / "profile.toml")
    ws = Workspace(root)
    roster = synthetic_roster(ws.profile, people)
    write_roster(root / "roster.xlsx", roster, [d.name for d in ws.profile.departments])
    return ws


def project(root: Path, people: int, jobs: int) -> tuple[int, float]:
    ws = workspace(root, people)
    start = time.perf_counter()
    paths = generate_forms(ws, jobs=jobs, progress=False)
    return len(paths), time.perf_counter() - start


def naive(root: Path, count: int) -> tuple[int, float]:
    """Load, render, swap QR, save — per form, as docxtpl's documentation shows it."""
    from docxtpl import DocxTemplate

    ws = Workspace(root)
    issues = plan_issues(ws)[:count]
    placeholder = qr.png("LZ-TEMPLATE-0")
    static = {t: _static_context(ws, get(t)) for t in {i.form_type for i in issues}}
    out = root / "naive"
    start = time.perf_counter()
    for n, issue in enumerate(issues):
        form_id = f"LZ-{ws.profile.campaign.code}-{get(issue.form_type).code}-{issue.subject}-1X"
        context = {**static[issue.form_type], **issue.values, "form_id": form_id, "subject": issue.subject,
                   "version": 1}
        tpl = DocxTemplate(str(ws.template(template_name(get(issue.form_type)))))
        tpl.render(context, autoescape=True)
        tpl.replace_media(io.BytesIO(placeholder), io.BytesIO(qr.png(form_id)))
        target = out / f"{n:05d}.docx"
        target.parent.mkdir(parents=True, exist_ok=True)
        tpl.save(target)
    return len(issues), time.perf_counter() - start


def pdf(root: Path, count: int) -> tuple[float, float]:
    from pipeline._exec import soffice

    files = sorted((root / "naive").glob("*.docx"))[:count]
    start = time.perf_counter()
    soffice.convert(files, root / "pdf-batch")
    batch = time.perf_counter() - start
    start = time.perf_counter()
    for f in files:
        soffice.convert([f], root / "pdf-single")
    single = time.perf_counter() - start
    return batch, single


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--naive", type=int, default=200)
    parser.add_argument("--pdf", type=int, default=10)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="lz-bench-") as tmp:
        tmp = Path(tmp)
        n_all, t_all = project(tmp / "all", args.people, cores)
        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        n_one, t_one = project(tmp / "one", args.people, 1)
        n_naive, t_naive = naive(tmp / "one", args.naive)
        batch, single = pdf(tmp / "one", args.pdf) if args.pdf else (float("nan"), float("nan"))
    rate_all, rate_one, rate_naive = n_all / t_all, n_one / t_one, n_naive / t_naive
    rows = [
        ("roster", f"{args.people} people (synthetic, 002 profile)", ""),
        (f"project, {cores} cores", f"{n_all} forms in {t_all:.1f} s", f"{rate_all:.0f} forms/s"),
        ("project, 1 core", f"{n_one} forms in {t_one:.1f} s", f"{rate_one:.0f} forms/s"),
        ("naive docxtpl loop, 1 core", f"{n_naive} forms in {t_naive:.1f} s "
         f"(→ {n_one / rate_naive:.0f} s for {n_one})", f"{rate_naive:.1f} forms/s"),
        ("ratio project/naive, 1 core", "", f"{rate_one / rate_naive:.1f}×"),
        ("ratio project/naive, all cores", "", f"{rate_all / rate_naive:.1f}×"),
        ("peak RSS, main process", "ru_maxrss RUSAGE_SELF, all-cores run", f"{peak_self:.0f} MB"),
        ("peak RSS, largest worker", "ru_maxrss RUSAGE_CHILDREN", f"{peak_child:.0f} MB"),
        (f"PDF, {args.pdf} files, one soffice", f"{batch:.1f} s", f"{args.pdf / batch:.2f} files/s"),
        (f"PDF, {args.pdf} files, soffice per file", f"{single:.1f} s", f"{args.pdf / single:.2f} files/s"),
        ("ratio batch/per-file PDF", "", f"{single / batch:.1f}×"),
    ]
    width = max(len(r[0]) for r in rows)
    mid = max(len(r[1]) for r in rows)
    for name, detail, figure in rows:
        print(f"{name:<{width}}  {detail:<{mid}}  {figure}")


if __name__ == "__main__":
    main()
