"""Parsing the inbox's files in worker processes; only the main process writes to the store.

A file the parser cannot read (:class:`InputFileError`: damaged, encrypted, not a form) becomes
the reader's Chinese reason. Any other exception is a fault of this program, not of the file: it
becomes its own reason (the file waits in quarantine for the maintainer) and its traceback is
written to ``store/logs/<time>-<sha8>.log``, named in the reason, so one file never stops the batch
and the fault is never reported as a damaged file.

A file can do worse than raise: make a library in C or Rust abort the process, exhaust memory, or
keep a worker busy without end (a PDF whose few kilobytes inflate to gigabytes of drawing). So
every file is read in a worker process, never in the one that writes the store; a file gets
:data:`FILE_SECONDS` before its worker gives it up (and is ended if it cannot); and when a worker
dies, the files it may have held are read again, then one by one in a process of their own, so
the file that kills a worker is found and held as hostile while every other file is read.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import signal
import sys
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from pipeline._exec import libc
from pipeline.errors import InputFileError, LianzhengError
from pipeline.intake.scan import Incoming
from pipeline.profile import Profile
from pipeline.records import ParsedForm, Scheme

_worker_scheme: Scheme | None = None  # the campaign's levels, categories and forms, made once per worker
_worker_log_dir: Path | None = None
_worker_seconds: float = 0.0  # the time a file is given in this worker (0: no limit)

#: Longest one file may take to read (OCR of a many-page scan takes seconds a page). A file that
#: takes longer is held as hostile rather than letting it hold up the inbox.
FILE_SECONDS = 300
#: Grace after the time is up for the parser to reach Python code and give up; then the worker ends.
GRACE_SECONDS = 10
#: Office files (.docx, .xlsx: a few milliseconds each) handed to a worker at a time: enough that
#: the hand-off costs little (a worker waits a millisecond or more for its next chunk while the
#: main process takes in its result: a tenth of its time at eight files a chunk), few enough that a
#: worker's death sends only a few dozen files to be read again, one process each.
CHUNK = 32
#: Files read in milliseconds, chunked; any other (a PDF, a scan read by OCR for seconds a page, a
#: converted .doc) goes to a worker on its own, so no worker idles while another holds a queue of them.
QUICK_SUFFIXES = frozenset({".docx", ".xlsx"})
HOSTILE_HINT = "请勿打开此文件；请向发送人核实后，让其重新导出正常的表格再发送"


@dataclass
class Parsed:
    """What parsing made of one file: the form, or the reason it could not be read."""

    item: Incoming
    form: ParsedForm | None
    reason: str | None = None
    fault: bool = False  # the reason is a fault of this program, not of the file


class _TimeUp(Exception):
    """A file's time in the worker is up."""


def _init_worker(profile: Profile | None, log_dir: Path | None = None, seconds: float = 0.0,
                 parent: int | None = None) -> None:
    from pipeline.parse import scheme_of

    global _worker_scheme, _worker_log_dir, _worker_seconds
    _worker_scheme, _worker_log_dir, _worker_seconds = scheme_of(profile), log_dir, seconds
    if parent is not None:
        _die_with(parent)


def _die_with(parent: int) -> None:
    """End this worker when the ingest that started it dies (killed, even by kill -9): a worker
    left behind would keep waiting for work, holding the workspace's lock (Linux; elsewhere the
    worker ends when it next finds no work)."""
    if libc.die_with_parent() and os.getppid() != parent:  # it died before the line above
        os._exit(1)


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

    _arm()
    try:
        converted = {item.path: item.converted} if item.converted is not None else None
        return Parsed(item, parse_file(item.path, scheme=_worker_scheme, converted=converted))
    except InputFileError as e:
        return Parsed(item, None, _reason(e))
    except _TimeUp:
        return Parsed(item, None, _reason(_too_long(item.path, _worker_seconds, held=True)))
    except Exception as e:  # a parser bug must not stop the batch; the file waits in quarantine
        log = fault_log(_worker_log_dir, item, e)
        where = f"，详情见日志 {log}" if log is not None else ""
        return Parsed(item, None, f"解析程序出错（{type(e).__name__}），不是文件损坏：请把此文件发给维护人员{where}",
                      fault=True)
    finally:
        _disarm()


def _reason(e: InputFileError) -> str:
    """The reader's error as the reason kept beside the file (its path is the file's own)."""
    return e.message + (f"（处理办法：{e.hint}）" if e.hint else "")


def _too_long(path: Path, seconds: float, *, held: bool) -> InputFileError:
    """What the office is told of a file whose time ran out (``held``: and that was quarantined)."""
    return InputFileError(f"读取此文件用时超过 {seconds:.0f} 秒，已停止读取{'并隔离' if held else ''}（可能是恶意构造的文件，"
                          "例如解压后异常巨大的 PDF）", path=path, hint=HOSTILE_HINT)


def _arm() -> None:
    """Start the file's clock: when it runs out, the parser is stopped at its next Python step;
    if it is deep in a library that never returns, the worker ends after the grace."""
    if _worker_seconds > 0 and hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, _time_up)
        signal.setitimer(signal.ITIMER_REAL, _worker_seconds)


def _time_up(signum, frame) -> None:
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the next alarm ends the process
    signal.setitimer(signal.ITIMER_REAL, GRACE_SECONDS)
    raise _TimeUp


def _disarm() -> None:
    if _worker_seconds > 0 and hasattr(signal, "SIGALRM"):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def parse_chunk(items: list[Incoming]) -> list[tuple[ParsedForm | None, str | None, bool]]:
    """Parse a worker's share; each result goes back without its item, which the main process
    still holds (sending it back cost as much pickling as the form)."""
    return [_bare(parse_one(i)) for i in items]


def _bare(parsed: Parsed) -> tuple[ParsedForm | None, str | None, bool]:
    return parsed.form, parsed.reason, parsed.fault


def _lost(item: Incoming, exitcode: int | None) -> Parsed:
    """A file whose reading ended its process: held as hostile (it is tried again on no run)."""
    return Parsed(item, None, f"读取此文件时解析进程{_ended(exitcode)}：文件可能是恶意构造或严重损坏的，已隔离，未读取"
                              f"（处理办法：{HOSTILE_HINT}）")


_Work = tuple[list[Incoming], Future, ProcessPoolExecutor, bool]


def _context():
    """Workers fork where they can (they start at once and share the loaded modules)."""
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


class Parser:
    """Parses batches of files in a pool of ``jobs`` worker processes (see the module docstring).

    :meth:`start` hands a batch to the pool and returns at once, so the next batch parses while
    the caller copies and commits the previous one. Tracebacks of parser faults go to ``log_dir``
    (the workspace's ``store/logs``); ``file_seconds`` is the time one file is given.
    """

    def __init__(self, profile: Profile, jobs: int | None, log_dir: Path | None = None,
                 file_seconds: float = FILE_SECONDS):
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self._args = (profile, log_dir, file_seconds, os.getpid())
        self._seconds = file_seconds
        self._ctx = _context()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "Parser":
        # What lives now (modules, the profile, the store's machinery) lives the whole run: frozen,
        # the garbage collector no longer walks it — in this process, nor in the forked workers,
        # where walking it also wrote to every page inherited from this one (copy on write). Worth
        # a tenth of the run's CPU on a large inbox; collected first, so no garbage is frozen.
        gc.collect()
        gc.freeze()
        self._pool = self._new_pool()
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            if exc[0] is not None:  # a failed run (disk full, Ctrl-C) does not wait for the files in flight
                self._kill_workers()
            self._pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()

    def _kill_workers(self) -> None:
        """End the pool's workers now: what they were reading is read again by the next run.

        Then the pool shuts down at once and completely: left to shut down in the background
        (``wait=False``), its manager thread could close its wake-up pipe while the exiting
        interpreter wrote to it (a traceback after the run's own error message). Before Python
        3.14 (``kill_workers``) the executor offers no way to end its workers but its process table.
        """
        kill = getattr(self._pool, "kill_workers", None)
        if kill is not None:
            kill()
            return
        for process in list((getattr(self._pool, "_processes", None) or {}).values()):
            process.kill()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.jobs, mp_context=self._ctx, initializer=_init_worker, initargs=self._args)

    def start(self, items: list[Incoming]) -> Callable[[], list[Parsed]]:
        """Begin parsing ``items``; the returned function waits for and returns the results, in order."""
        groups = _groups(items, self.jobs)
        work = [(group, self._submit([items[i] for i in group])) for group in groups]

        def results() -> list[Parsed]:
            out: dict[int, Parsed] = {}
            for group, w in work:
                out.update(zip(group, self._result(w), strict=True))
            return [out[i] for i in range(len(items))]
        return results

    def _submit(self, chunk: list[Incoming], retried: bool = False) -> _Work:
        assert self._pool is not None
        return chunk, self._pool.submit(parse_chunk, chunk), self._pool, retried

    def _result(self, work: _Work) -> list[Parsed]:
        chunk, future, pool, retried = work
        try:
            return [Parsed(item, *bare) for item, bare in zip(chunk, future.result(), strict=True)]
        except BrokenProcessPool:  # a worker died: this chunk was in it, or only waiting
            if pool is self._pool:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
            if not retried:
                return self._result(self._submit(chunk, retried=True))
            return [self._alone(item) for item in chunk]

    def _alone(self, item: Incoming) -> Parsed:
        """Read one file in a process of its own: its result, or why the process did not give one."""
        answered, answer, exitcode = _run_alone(self._ctx, _alone_main, (item, self._args), self._seconds)
        return answer if answered else _lost(item, exitcode)


def _groups(items: list[Incoming], jobs: int) -> list[list[int]]:
    """The chunks a batch is handed out in, as indexes into it: quick files up to :data:`CHUNK` at
    a time but in at least two chunks a worker (a small inbox is shared by every worker), any other
    file alone."""
    quick = [i for i, item in enumerate(items) if item.path.suffix.lower() in QUICK_SUFFIXES]
    size = max(1, min(CHUNK, -(-len(quick) // (2 * jobs))))
    slow = sorted(set(range(len(items))) - set(quick))
    return [quick[i:i + size] for i in range(0, len(quick), size)] + [[i] for i in slow]


def _run_alone(ctx, target: Callable, args: tuple, seconds: float) -> tuple[bool, object, int | None]:
    """Run ``target(writer, *args)`` in a process of its own, given ``seconds`` (and the grace) to
    send its answer: (whether it answered, the answer, the exit code of a process that did not)."""
    reader, writer = ctx.Pipe(duplex=False)
    process = ctx.Process(target=target, args=(writer, *args), daemon=True)
    process.start()
    writer.close()
    try:
        if reader.poll(seconds + 2 * GRACE_SECONDS if seconds > 0 else None):
            return True, reader.recv(), None
    except EOFError:  # the process ended without a word
        pass
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        reader.close()
    return False, None, process.exitcode


def _ended(exitcode: int | None) -> str:
    """How a reading process that gave no answer ended, for the office."""
    return "用时过长被终止" if exitcode in (-signal.SIGALRM, -signal.SIGKILL) else f"异常退出（退出码 {exitcode}）"


def parse_alone(path: Path, *, scheme: Scheme, seconds: float = FILE_SECONDS) -> ParsedForm:
    """Read one file in a process of its own, as ingest reads every file: a file that aborts the
    reader, exhausts memory or never finishes ends that process, not the caller, and becomes an
    :class:`InputFileError` saying so. The reader's own errors come back as they were raised."""
    answered, answer, exitcode = _run_alone(_context(), _parse_alone_main, (path, scheme, seconds, os.getpid()),
                                            seconds)
    if not answered:
        raise InputFileError(f"读取此文件时解析进程{_ended(exitcode)}，未能读出：文件可能是恶意构造或严重损坏的",
                             path=path, hint=HOSTILE_HINT)
    kind, value = answer
    if kind == "error":
        raise value
    if kind == "fault":
        raise RuntimeError(f"解析程序出错（不是文件损坏）：{path}\n{value}")
    return value


def _parse_alone_main(writer, path: Path, scheme: Scheme, seconds: float, parent: int) -> None:
    from pipeline.parse import parse_file

    global _worker_seconds
    _worker_seconds = seconds
    _die_with(parent)
    _arm()
    try:
        writer.send(("form", parse_file(path, scheme=scheme)))
    except LianzhengError as e:
        writer.send(("error", e))
    except _TimeUp:
        writer.send(("error", _too_long(path, seconds, held=False)))
    except Exception:
        writer.send(("fault", traceback.format_exc()))
    finally:
        _disarm()
        writer.close()


def _alone_main(writer, item: Incoming, args: tuple) -> None:
    _init_worker(*args)
    writer.send(parse_one(item))
    writer.close()
