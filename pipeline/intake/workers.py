"""Parsing the inbox's files in worker processes; only the main process writes to the store.

A file the parser cannot read (:class:`InputFileError`: damaged, encrypted, not a form) becomes
the reader's Chinese reason. Any other exception is a fault of this program, not of the file: it
becomes its own reason (the file waits in quarantine for the maintainer) and its traceback is
written to ``store/logs/<time>-<sha8>.log``, named in the reason, so one file never stops the batch
and the fault is never reported as a damaged file.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import InputFileError
from pipeline.intake.scan import Incoming
from pipeline.profile import Profile
from pipeline.records import ParsedForm

_worker_profile: Profile | None = None
_worker_log_dir: Path | None = None

Parsed = tuple[Incoming, ParsedForm | None, str | None]


def _init_worker(profile: Profile, log_dir: Path | None = None) -> None:
    global _worker_profile, _worker_log_dir
    _worker_profile, _worker_log_dir = profile, log_dir


def fault_log(log_dir: Path | None, item: Incoming, exc: BaseException) -> Path | None:
    """Write the traceback of a parser fault on ``item`` to ``log_dir``; the log's path, or None."""
    if log_dir is None:
        return None
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    log = log_dir / f"{stamp}-{item.sha256[:8]}.log"
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        log.write_text(f"file: {item.rel}\nsha256: {item.sha256}\n\n{text}", encoding="utf-8")
    except OSError:
        return None
    return log


def parse_one(item: Incoming) -> Parsed:
    """Parse in a worker; a file that cannot be read becomes a reason, never an exception."""
    from pipeline.parse import parse_file

    try:
        return item, parse_file(item.path, levels=None, profile=_worker_profile), None
    except InputFileError as e:
        return item, None, e.message + (f"（处理办法：{e.hint}）" if e.hint else "")
    except Exception as e:  # a parser bug must not stop the batch; the file waits in quarantine
        log = fault_log(_worker_log_dir, item, e)
        where = f"，详情见日志 {log}" if log is not None else ""
        return item, None, f"解析程序出错（{type(e).__name__}），不是文件损坏：请把此文件发给维护人员{where}"


def parse_all(items: list[Incoming], profile: Profile, jobs: int | None,
              log_dir: Path | None = None) -> Iterator[Parsed]:
    """Every item parsed, in completion order; a pool of ``jobs`` processes for larger batches.
    Tracebacks of parser faults go to ``log_dir`` (the workspace's ``store/logs``)."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or len(items) < 8:  # a pool costs more than it saves on a handful of files
        _init_worker(profile, log_dir)
        yield from map(parse_one, items)
        return
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(profile, log_dir)) as pool:
        yield from pool.imap_unordered(parse_one, items, chunksize=max(1, min(16, len(items) // (jobs * 8))))
