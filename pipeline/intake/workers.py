"""Parsing the inbox's files in worker processes; only the main process writes to the store.

A file the parser cannot read becomes a Chinese reason; a parser bug becomes a reason too (the
file waits in quarantine for the maintainer), so one file never stops the batch.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator

from pipeline.errors import InputFileError
from pipeline.intake.scan import Incoming
from pipeline.profile import Profile
from pipeline.records import ParsedForm

_worker_profile: Profile | None = None

Parsed = tuple[Incoming, ParsedForm | None, str | None]


def _init_worker(profile: Profile) -> None:
    global _worker_profile
    _worker_profile = profile


def parse_one(item: Incoming) -> Parsed:
    """Parse in a worker; a file that cannot be read becomes a reason, never an exception."""
    from pipeline.parse import parse_file

    try:
        return item, parse_file(item.path, levels=None, profile=_worker_profile), None
    except InputFileError as e:
        return item, None, e.message + (f"（处理办法：{e.hint}）" if e.hint else "")
    except Exception as e:  # a parser bug must not stop the batch; the file waits in quarantine
        return item, None, f"解析程序出错（{type(e).__name__}），请把此文件发给维护人员"


def parse_all(items: list[Incoming], profile: Profile, jobs: int | None) -> Iterator[Parsed]:
    """Every item parsed, in completion order; a pool of ``jobs`` processes for larger batches."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or len(items) < 8:  # a pool costs more than it saves on a handful of files
        _init_worker(profile)
        yield from map(parse_one, items)
        return
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(profile,)) as pool:
        yield from pool.imap_unordered(parse_one, items, chunksize=max(1, min(16, len(items) // (jobs * 8))))
