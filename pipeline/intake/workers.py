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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import InputFileError
from pipeline.intake.scan import Incoming
from pipeline.profile import Profile
from pipeline.records import ParsedForm, Scheme

_worker_scheme: Scheme | None = None  # the campaign's levels, categories and forms, made once per worker
_worker_log_dir: Path | None = None


@dataclass
class Parsed:
    """What parsing made of one file: the form, or the reason it could not be read."""

    item: Incoming
    form: ParsedForm | None
    reason: str | None = None
    fault: bool = False  # the reason is a fault of this program, not of the file


def _init_worker(profile: Profile, log_dir: Path | None = None) -> None:
    from pipeline.parse import scheme_of

    global _worker_scheme, _worker_log_dir
    _worker_scheme, _worker_log_dir = scheme_of(profile), log_dir


def fault_log(log_dir: Path | None, item: Incoming, exc: BaseException) -> Path | None:
    """Write the traceback of a parser fault on ``item`` to ``log_dir``; the log's path, or None."""
    if log_dir is None:
        return None
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        for n in range(1, 100):  # the same file failing twice in one second keeps both logs
            log = log_dir / f"{stamp}-{item.sha256[:8]}{'' if n == 1 else f'-{n}'}.log"
            try:
                with open(log, "x", encoding="utf-8") as f:
                    f.write(f"file: {item.rel}\nsha256: {item.sha256}\n\n{text}")
                return log
            except FileExistsError:
                continue
    except OSError:
        pass
    return None


def parse_one(item: Incoming) -> Parsed:
    """Parse in a worker; a file that cannot be read becomes a reason, never an exception."""
    from pipeline.parse import parse_file

    try:
        converted = {item.path: item.converted} if item.converted is not None else None
        return Parsed(item, parse_file(item.path, scheme=_worker_scheme, converted=converted))
    except InputFileError as e:
        return Parsed(item, None, e.message + (f"（处理办法：{e.hint}）" if e.hint else ""))
    except Exception as e:  # a parser bug must not stop the batch; the file waits in quarantine
        log = fault_log(_worker_log_dir, item, e)
        where = f"，详情见日志 {log}" if log is not None else ""
        return Parsed(item, None, f"解析程序出错（{type(e).__name__}），不是文件损坏：请把此文件发给维护人员{where}",
                      fault=True)


class Parser:
    """Parses batches of files: in a pool of ``jobs`` processes, or in this process for ``jobs`` = 1.

    :meth:`start` hands a batch to the pool and returns at once, so the next batch parses while
    the caller copies and commits the previous one. Tracebacks of parser faults go to ``log_dir``
    (the workspace's ``store/logs``).
    """

    def __init__(self, profile: Profile, jobs: int | None, log_dir: Path | None = None):
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self._args = (profile, log_dir)
        self._pool = None

    def __enter__(self) -> "Parser":
        if self.jobs == 1:
            _init_worker(*self._args)
        else:
            ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
            self._pool = ctx.Pool(self.jobs, initializer=_init_worker, initargs=self._args)
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.terminate() if exc[0] is not None else self._pool.close()
            self._pool.join()

    def start(self, items: list[Incoming]) -> Callable[[], list[Parsed]]:
        """Begin parsing ``items``; the returned function waits for and returns the results."""
        if self._pool is None or len(items) < 4:  # a hand-off costs more than it saves on a handful
            return lambda: [parse_one(i) for i in items]
        chunk = max(1, min(16, len(items) // (self.jobs * 4)))
        pending = self._pool.map_async(parse_one, items, chunksize=chunk)
        return pending.get
