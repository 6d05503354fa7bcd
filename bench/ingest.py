"""Benchmark: ingesting returned forms, beside one transaction per file and the plain parse rate.

    python bench/ingest.py [--people 5000] [--jobs 2] [--sizes 1000,5000,10000] [--db URL]

A synthetic roster over the 002 profile (two personal forms each: 2,500 people give 5,000
returned .docx) gets its forms generated and recorded as issued, then every personal form is
filled with python-docx as a person would (three risk rows) and dropped in the inbox. The corpus
is cached under bench/out/ so reruns skip that setup. Measured, on the same files:

* plain parse: ``parse_file`` over every file in a pool of ``--jobs`` processes, nothing else;
* ingest: ``pipeline.intake.ingest.ingest`` as the CLI runs it on a store holding only the issued forms —
  hashing, write-once originals (fsync), parsing in workers, matching, validation, commits in
  batches of 200, the department checks at the end — at each of ``--sizes`` (the first N files), to
  show the cost per file stays flat;
* the baseline it replaces: the same ingest with one transaction per file (``batch=1``), on the
  largest size;
* the rerun: the same inbox again, every file known (the no-op path).

Floors: 10,000 returned .docx in under 20 s into SQLite and under 25 s into PostgreSQL on this
2-core machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.forms import get  # noqa: E402
from pipeline.generate.forms import generate_forms  # noqa: E402
from pipeline.intake.ingest import BATCH, ingest  # noqa: E402
from pipeline.parse import parse_file  # noqa: E402
from pipeline.rosterbook import synthetic_roster, write_roster  # noqa: E402
from pipeline.testing import fill_form, sample_rows  # noqa: E402
from pipeline.workspace import Workspace  # noqa: E402

PROFILE = ROOT / "profiles" / "002-qztc"
OUT = ROOT / "bench" / "out"
FLOOR_FILES = 10_000
FLOOR_SECONDS = {"SQLite": 20.0, "PostgreSQL": 25.0}


def _fill_one(task: tuple[str, str, str, str]) -> None:
    """Type three risk rows into one issued form, saved under the person's own name."""
    src, dst, form_type, person = task
    definition = get(form_type)
    signed = {h.label: "单位领导" for h in definition.header if h.signature}
    fill_form(Path(src), Path(dst), definition, sample_rows(person, definition, ["三级", "二级", "一级"]),
              author=person, last_modified_by=person, signatures=signed)


def corpus(people: int, jobs: int) -> Workspace:
    """The cached workspace: profile, synthetic roster, issued forms in the store, filled inbox."""
    root = OUT / f"ingest-{people}"
    done = root / ".complete"
    if done.is_file():
        return Workspace(root)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    shutil.copy(PROFILE / "profile.toml", root / "profile.toml")
    ws = Workspace(root)
    roster = synthetic_roster(ws.profile, people)
    write_roster(root / "roster.xlsx", roster, [d.name for d in ws.profile.departments])
    t = time.perf_counter()
    generate_forms(ws, jobs=jobs, progress=False)
    print(f"setup: forms generated in {time.perf_counter() - t:.1f} s")
    _backup(ws.store_dir / "lianzheng.sqlite3", root / "issued.sqlite3")
    from pipeline.campaign.obligations import plan_issues

    tasks = [(str(i.path), str(ws.inbox / i.path.relative_to(ws.outbox / "forms")), i.form_type, i.person.name)
             for i in plan_issues(ws) if i.person is not None]
    t = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for _ in pool.imap_unordered(_fill_one, tasks, chunksize=32):
            pass
    print(f"setup: {len(tasks)} forms filled in {time.perf_counter() - t:.1f} s")
    done.write_text("ok")
    return ws


def _backup(src: Path, dst: Path) -> None:
    # The store runs in WAL mode: copying the file alone can miss committed pages still in the -wal file.
    import sqlite3

    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)


def _reset_store(ws: Workspace, db_url: str | None) -> Workspace:
    """A store holding only the issued forms: the SQLite copy, or a fresh PostgreSQL database filled from it."""
    shutil.rmtree(ws.store_dir, ignore_errors=True)
    ws.store_dir.mkdir()
    shutil.copy(ws.root / "issued.sqlite3", ws.store_dir / "lianzheng.sqlite3")
    if db_url is None:
        return ws
    from sqlalchemy import create_engine, insert, select
    from sqlalchemy.engine import make_url

    from pipeline.store import open_store, sync_profile
    from pipeline.store.models import IssuedForm

    url = make_url(db_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    admin.dispose()
    with open_store(ws.database_url)() as s:
        rows = [{c.name: getattr(r, c.name) for c in IssuedForm.__table__.columns} for r in s.scalars(select(IssuedForm))]
    pg = Workspace(ws.root, db_url=url.render_as_string(hide_password=False))
    with open_store(pg.database_url).begin() as s:
        sync_profile(s, pg.profile, pg.roster)
        s.flush()
        assert rows, "the issued forms are in the SQLite copy"
        s.execute(insert(IssuedForm.__table__), rows)
    return pg


_profile = None


def _init(profile) -> None:
    global _profile
    _profile = profile


def _parse(path: Path) -> int:
    return len(parse_file(path, profile=_profile).risks)


def plain_parse(ws: Workspace, jobs: int) -> tuple[int, float]:
    files = sorted(p for p in ws.inbox.rglob("*.docx"))
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_init, initargs=(ws.profile,)) as pool:
        risks = sum(pool.imap_unordered(_parse, files, chunksize=16))
    seconds = time.perf_counter() - start
    assert risks == 3 * len(files), risks
    return len(files), seconds


def subset(ws: Workspace, count: int) -> Path:
    """An inbox of the first ``count`` returns: hard links into the full inbox, inside the workspace
    — regular files, as an office's inbox holds (a symbolic link costs the scan a resolve)."""
    folder = ws.root / f"inbox-{count}"
    if folder.is_dir() and any(p.is_symlink() for p in folder.iterdir()):
        shutil.rmtree(folder)  # made by an older bench
    if not folder.is_dir():
        folder.mkdir()
        for i, path in enumerate(sorted(ws.inbox.rglob("*.docx"))[:count]):
            os.link(path, folder / f"{i:06d}.docx")
    return folder


def timed_ingest(ws: Workspace, db: str | None, inbox: Path, jobs: int, batch: int):
    ws = _reset_store(ws, db)
    summary = ingest(ws, inbox=inbox, jobs=jobs, progress=False, batch=batch)
    assert summary.rejected == 0 and not summary.faults, (summary.rejected, summary.faults)
    assert all(f.match_method == "form_id" for f in summary.files), "every file matched to its issued form"
    return ws, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sizes", default="1000,5000,10000", help="ingest the first N returns, for each N")
    parser.add_argument("--db", metavar="URL", help="ingest into this PostgreSQL database instead of SQLite; it is "
                        "DROPPED and recreated, e.g. postgresql+psycopg2://postgres@127.0.0.1:55432/lz_bench")
    args = parser.parse_args()
    ws = corpus(args.people, args.jobs)
    total = len(list(ws.inbox.rglob("*.docx")))
    sizes = [n for n in (int(x) for x in args.sizes.split(",")) if n <= total] or [total]
    backend = "PostgreSQL" if args.db else "SQLite"

    n_parse, parse_s = plain_parse(ws, args.jobs)
    rows = []
    for n in sizes:
        done_ws, summary = timed_ingest(ws, args.db, subset(ws, n), args.jobs, BATCH)
        assert summary.new == n, (summary.new, n)
        rows.append((f"ingest {n}", n, summary.seconds))
    largest = sizes[-1]
    again = ingest(done_ws, inbox=subset(ws, largest), jobs=args.jobs, progress=False)
    assert again.new == 0 and again.duplicate == largest
    _, naive = timed_ingest(ws, args.db, subset(ws, largest), args.jobs, 1)
    rows += [(f"baseline {largest}, batch=1", largest, naive.seconds), (f"ingest {largest} again (known)",
             largest, again.seconds), (f"plain parse {n_parse} (pool)", n_parse, parse_s)]

    print(f"\n{backend} store, {args.jobs} worker processes")
    print(f"{'':34}{'files':>8}{'seconds':>10}{'ms/file':>10}")
    for name, count, seconds in rows:
        print(f"{name:34}{count:>8}{seconds:>10.2f}{1000 * seconds / count:>10.2f}")
    ours = rows[len(sizes) - 1][2]
    print(f"batched ingest is {naive.seconds / ours:.2f}× one transaction per file on {largest} files; "
          f"ingest costs {ours / largest / (parse_s / n_parse):.2f}× the plain parse per file")
    scaled = ours * FLOOR_FILES / largest
    verdict = "PASS" if scaled < FLOOR_SECONDS[backend] else "FAIL"
    print(f"floor: {FLOOR_FILES} files < {FLOOR_SECONDS[backend]:.0f} s → {scaled:.1f} s for {FLOOR_FILES}: {verdict}")


if __name__ == "__main__":
    main()
