"""Inbox → originals store → parse → match → validate → store, in batches.

The order of the steps is what makes an interrupted run safe to repeat. For each batch of new
files (claimed by this process, see :mod:`pipeline.intake.claims`):

1. each file's bytes are copied write-once into ``store/originals`` (or ``store/quarantine``)
   under their sha256, and the batch is flushed to disk — repeating this is harmless;
2. ONE database transaction inserts the batch's submissions, their risk points, problems and
   events, and settles resubmissions in their slots.

A kill between 1 and 2 leaves stored originals the database does not know; the next run sees the
shas unknown, copies nothing new and commits them. A kill after 2 leaves known shas, skipped next
time. Department-level checks (copied risk points, one hand for a whole department) and the
statuses they decide are then recomputed from the store as a whole, so they come out the same
whatever order files arrived in and however often the run was interrupted.

Parsing runs in worker processes, one batch ahead of the commits; only this process writes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pipeline.errors import InputFileError, UsageError
from pipeline.intake.claims import Claims, claims_for, take_turn
from pipeline.intake.commit import commit_batch
from pipeline.intake.matching import Issued, Matcher
from pipeline.intake.recheck import recheck
from pipeline.intake.scan import Incoming, Skipped, listing, scan, unchanged
from pipeline.intake.workers import FILE_SECONDS, Parsed, Parser
from pipeline.store import open_store, sync_profile, utcnow
from pipeline.store.models import Submission
from pipeline.store.originals import BATCH_FLUSH, flush, keep_original, original_path, quarantine, restore, \
    sweep_temporaries
from pipeline.store.queries import chunked, issued_forms, problems_of
from pipeline.store.status import Scope, Status
from pipeline.workspace import Workspace

#: Test hook: ``LIANZHENG_INGEST_TRACE=1`` prints ``stored <sha>`` / ``committed <sha>`` to stderr and
#: sleeps ``LIANZHENG_INGEST_PAUSE`` seconds after each, so a test can SIGKILL between any two steps.
TRACE_ENV, PAUSE_ENV = "LIANZHENG_INGEST_TRACE", "LIANZHENG_INGEST_PAUSE"
#: Files per claim and per transaction: large enough that commits cost little, small enough that a
#: kill loses little and the claims held at once stay few.
BATCH = 200
#: Batches handed to the workers ahead of the one being committed: enough that they never wait
#: while the main process commits a batch or reads the profile and the issued forms before the first.
AHEAD = 4
#: Threads copying originals: creating a file waits on the file system more than on the CPU.
COPY_THREADS = 8
#: How long to wait between looks at files another ingest process holds.
WAIT_SECONDS = 0.2


@dataclass
class FileResult:
    """What became of one file of the inbox."""

    path: str
    sha256: str
    outcome: str  # new / duplicate / skipped (not taken this run, see reason) / changed (altered while read)
    status: str | None = None
    form_type: str | None = None
    form_id: str | None = None
    department: str | None = None
    person: str | None = None
    match_method: str | None = None
    problems: list[str] = field(default_factory=list)
    reason: str | None = None


@dataclass
class IngestSummary:
    inbox: Path
    files: list[FileResult] = field(default_factory=list)
    office_flags: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, *, outcome: str | None = None, status: str | None = None) -> int:
        return sum(1 for f in self.files if (outcome is None or f.outcome == outcome)
                   and (status is None or f.status == status))

    @property
    def new(self) -> int:
        return self.count(outcome="new")

    @property
    def duplicate(self) -> int:
        return self.count(outcome="duplicate")

    @property
    def skipped(self) -> list[FileResult]:
        """Files not taken this run (unreadable, vanished, still being written, links out): tried again next run."""
        return [f for f in self.files if f.outcome in ("skipped", "changed")]

    @property
    def accepted(self) -> int:
        return self.count(outcome="new", status=Status.ACCEPTED)

    @property
    def needs_revision(self) -> int:
        return self.count(outcome="new", status=Status.NEEDS_REVISION)

    @property
    def superseded(self) -> int:
        return self.count(outcome="new", status=Status.SUPERSEDED)

    @property
    def rejected(self) -> int:
        return self.count(outcome="new", status=Status.REJECTED)

    @property
    def held(self) -> int:
        return self.count(outcome="new", status=Status.IDENTITY_HOLD)

    @property
    def faults(self) -> list[FileResult]:
        """Files this program failed on (a bug, not the file's fault): each has a log in store/logs."""
        return [f for f in self.files if f.outcome == "new" and f.status == Status.FAULT]

    def attention(self) -> list[FileResult]:
        """The new files someone must look at: anything but accepted or superseded, and skipped ones."""
        quiet = (Status.ACCEPTED, Status.SUPERSEDED)
        return [f for f in self.files if (f.outcome == "new" and f.status not in quiet)
                or f.outcome in ("skipped", "changed")]

    def as_dict(self) -> dict:
        counts = {k: getattr(self, k) for k in ("new", "duplicate", "accepted", "needs_revision", "superseded",
                                                "rejected", "held")}
        counts["skipped"], counts["faults"] = len(self.skipped), len(self.faults)
        return {"inbox": str(self.inbox), **counts, "seconds": round(self.seconds, 2),
                "office_flags": self.office_flags, "files": [asdict(f) for f in self.files]}


# --- the run ---------------------------------------------------------------------------------------

def ingest(ws: Workspace, *, inbox: Path | None = None, jobs: int | None = None,
           progress: bool = True, batch: int = BATCH, file_seconds: float = FILE_SECONDS) -> IngestSummary:
    """Read every new file under ``inbox`` (default: the workspace's) into the store.

    ``batch`` files are claimed and committed together (see :data:`BATCH`); ``file_seconds`` is the
    longest one file may take to read before it is held as hostile. The scan feeds the
    workers as it reads: the first batch parses while the rest of the inbox is still being hashed
    and the profile is synced, so no core waits for the whole inbox to be read first.
    """
    started = time.perf_counter()
    inbox = Path(inbox) if inbox is not None else ws.inbox
    if not inbox.is_dir():
        raise UsageError(f"收件目录不存在：{inbox}", hint="把收回的表格放进工作区的 inbox/ 文件夹，或用 --inbox 指定目录")
    profile = ws.profile
    ws.store_dir.mkdir(parents=True, exist_ok=True)
    summary = IngestSummary(inbox=inbox)
    factory = open_store(ws.database_url)
    campaign = profile.campaign.code
    with claims_for(factory.kw["bind"], ws.store_dir) as claims:
        sweep_temporaries(ws.originals, ws.quarantine)
        paths = listing(inbox, ws.store_dir)
        run = _Run(ws, factory, campaign, claims, summary, received=utcnow(), batch=max(1, batch))
        with _progress(progress, len(paths)) as advance, ThreadPoolExecutor(COPY_THREADS) as copier, \
                Parser(profile, jobs, ws.store_dir / "logs", file_seconds) as parser:
            run.advance = advance
            run.all(scan(inbox, skip=ws.store_dir, root=ws.root, paths=paths), parser, copier)
        run.prepare()  # the profile is synced into the store even when nothing new came
        with factory.begin() as s:
            take_turn(s, campaign)  # one recheck at a time: the last process to finish sees every commit
        summary.office_flags = recheck(factory, profile)
        _refresh_statuses(factory, campaign, run.by_sha)
        for r in run.repeats:
            r.status = run.by_sha[r.sha256].status if r.sha256 in run.by_sha \
                else _status_of(factory, campaign, r.sha256)
        summary.files += run.repeats
    summary.files.sort(key=lambda f: f.path)
    summary.seconds = time.perf_counter() - started
    return summary


def _mend(originals: Path, item: Incoming) -> bool:
    """Restore a stored original that is missing or of the wrong size from the inbox copy; whether it did.

    Only the size is compared here (a stat, cheap on every run); ``lianzheng check`` hashes them all.
    """
    stored = original_path(originals, item.sha256)
    if stored.is_file() and stored.stat().st_size == item.size:
        return False
    data = unchanged(item)
    return data is not None and restore(originals, item.sha256, data)


def _known(factory: sessionmaker[Session], campaign: str, shas: list[str]) -> dict[str, str]:
    """Status by sha of those of ``shas`` already in the store."""
    out: dict[str, str] = {}
    with factory() as s:
        for chunk in chunked(shas):
            out.update(s.execute(select(Submission.sha256, Submission.status)
                                 .where(Submission.campaign == campaign, Submission.sha256.in_(chunk))).all())
    return out


def _status_of(factory: sessionmaker[Session], campaign: str, sha: str) -> str | None:
    return _known(factory, campaign, [sha]).get(sha)


@dataclass
class _Run:
    """One process's pass over the inbox: sort out, claim, parse, copy, commit, batch by batch."""

    ws: Workspace
    factory: sessionmaker[Session]
    campaign: str
    claims: Claims
    summary: IngestSummary
    received: dt.datetime
    batch: int = BATCH
    advance: Callable[[], None] = lambda: None
    by_sha: dict[str, FileResult] = field(default_factory=dict)  # the new files this run stored
    repeats: list[FileResult] = field(default_factory=list)  # copies of a new file seen twice in this inbox
    _taken: set[str] = field(default_factory=set)  # shas this run ingests
    _matcher: Matcher | None = None

    def all(self, found: Iterator[Incoming | Skipped], parser: Parser, copier: ThreadPoolExecutor) -> None:
        """Ingest the new files among ``found``; files other processes hold are waited for, and
        taken over if they die."""
        pending = self._fresh(found)
        while True:
            held: list[Incoming] = []
            flight = deque(started for started in (self._start(next(pending, None), parser, held)
                                                   for _ in range(AHEAD)) if started is not None)
            while flight:
                mine, results, scratch = flight.popleft()
                started = self._start(next(pending, None), parser, held)  # the workers parse on while this commits
                if started is not None:
                    flight.append(started)
                try:
                    self._finish(results(), copier)
                finally:
                    self.claims.release(mine)
                    scratch.cleanup()
            known = _known(self.factory, self.campaign, [i.sha256 for i in held])
            for item in held:
                if item.sha256 in known:  # another process stored it
                    self._record(FileResult(item.rel, item.sha256, "duplicate", status=known[item.sha256]))
            left = [i for i in held if i.sha256 not in known]
            if not left:
                return
            time.sleep(WAIT_SECONDS)
            pending = iter(chunked(left, self.batch))

    def _record(self, result: FileResult) -> None:
        self.summary.files.append(result)
        self.advance()

    def _fresh(self, found: Iterator[Incoming | Skipped]) -> Iterator[list[Incoming]]:
        """The files of the scan to ingest, in batches, sorted out as the scan reads them.

        A file this program faulted on (status ``fault``) counts as new: once the program is
        mended, the next run reads it again without anyone moving files. A file already stored
        whose original has gone missing or changed in the store is put back from this inbox copy
        (its sha256 proves it is the same file). A second copy of a file taken this run waits for
        its status until the end."""
        fresh: list[Incoming] = []
        while chunk := list(itertools.islice(found, self.batch)):
            items = []
            for item in chunk:
                if isinstance(item, Skipped):
                    self._record(FileResult(item.rel, "", "skipped", reason=item.reason))
                else:
                    items.append(item)
            known = _known(self.factory, self.campaign, [i.sha256 for i in items])
            for item in items:
                status = known.get(item.sha256)
                if item.sha256 in self._taken:
                    self.repeats.append(FileResult(item.rel, item.sha256, "duplicate"))
                    self.advance()
                elif item.sha256 in known and status != Status.FAULT:
                    result = FileResult(item.rel, item.sha256, "duplicate", status=status)
                    if status != Status.REJECTED and _mend(self.ws.originals, item):
                        result.reason = "原件库中的这份原件缺失或被改动，已用收件目录中哈希相符的同一文件补回"
                    self._record(result)
                else:  # new, or read again after a fault of this program
                    self._taken.add(item.sha256)
                    fresh.append(item)
            while len(fresh) >= self.batch:
                yield fresh[:self.batch]
                fresh = fresh[self.batch:]
        if fresh:
            yield fresh

    def _start(self, batch: list[Incoming] | None, parser: Parser, held: list[Incoming]):
        if batch is None:
            return None
        mine, theirs = self.claims.take(batch)
        held += theirs
        scratch = tempfile.TemporaryDirectory(prefix="lz-batch-")
        _convert_legacy(mine, Path(scratch.name))
        return mine, parser.start(mine), scratch

    def prepare(self) -> Matcher:
        """The profile synced into the store and the issued forms read, once, before the first commit
        (after the first batch is handed to the workers, so they parse meanwhile)."""
        if self._matcher is None:
            profile, roster = self.ws.profile, self.ws.roster
            with self.factory.begin() as s:
                take_turn(s, self.campaign)
                sync_profile(s, profile, roster)
                issued = [Issued(r.form_id, r.form_type, r.subject, r.department, r.person_name, r.staff_id,
                                 r.version) for r in issued_forms(s, self.campaign)]
            self._matcher = Matcher(profile, roster, issued)
        return self._matcher

    def _finish(self, parsed: list[Parsed], copier: ThreadPoolExecutor) -> None:
        matcher = self.prepare()
        for p in parsed:
            p.reason = _unreadable(p.form, p.reason)
        copied = list(copier.map(lambda p: _keep(self.ws, p.item, p.reason), parsed))
        if BATCH_FLUSH and any(copied):
            flush(self.ws.store_dir)  # the batch's originals durable before the database names them
        ready = []
        for p, ok in zip(parsed, copied):
            if ok:
                _trace("stored", p.item.sha256)
                ready.append(p)
            else:
                self._record(FileResult(p.item.rel, p.item.sha256, "changed",
                                        reason="文件在收取过程中被改动，下次运行时再收取"))
        if not ready:
            return
        rows = commit_batch(self.factory, matcher, self.campaign, ready, received=self.received)
        for p, row in zip(ready, rows):
            _trace("committed", p.item.sha256)
            if row is None:  # another process stored the same bytes meanwhile
                result = FileResult(p.item.rel, p.item.sha256, "duplicate")
            else:
                result = _result(row)
                self.by_sha[p.item.sha256] = result
            self._record(result)


def _convert_legacy(items: list[Incoming], scratch: Path) -> None:
    """Convert the batch's .doc/.wps/.rtf/.odt files with one LibreOffice run (starting soffice costs
    seconds, so never once per file); each item then carries its .docx. An .xls (an old Word file's
    container) is not converted: the parser reads it as a workbook. Without LibreOffice, or for a
    file it cannot convert, the parser gives the file's own reason."""
    from pipeline._exec import soffice
    from pipeline.parse.legacy import convert_all
    from pipeline.parse.route import CONVERTED, sniff
    from pipeline.parse.xlsx import looks_like_workbook

    legacy = []
    for item in items:
        try:
            with open(item.path, "rb") as f:
                kind = sniff(item.path, f.read(2048))
            data = item.path.read_bytes() if kind in CONVERTED else b""
        except (OSError, InputFileError):
            continue  # the parser reports it
        if kind in CONVERTED and not (kind == "doc" and looks_like_workbook(data)):  # an .xls is read as it is
            legacy.append((item, kind, data))
    if len(legacy) < 2 or soffice.find() is None:  # one file converts as cheaply inside its worker
        return
    done = convert_all([(item.path, data, kind) for item, kind, data in legacy], scratch)
    for item, _, _ in legacy:
        item.converted = done.get(item.path)


def _trace(step: str, sha: str) -> None:
    if os.environ.get(TRACE_ENV):
        print(f"{step} {sha}", file=sys.stderr, flush=True)
        pause = float(os.environ.get(PAUSE_ENV) or 0)
        if pause:
            time.sleep(pause)


def _unreadable(parsed, reason: str | None) -> str | None:
    """Why a file goes to quarantine: the parser could not read it, or it holds no form of ours."""
    if reason is None and parsed is not None and parsed.form_type is None and not parsed.risks:
        return "文件中没有找到本次活动的附件表格（可能不是表格，或表头被改动太多）：请用下发的表格填写后重新报送"
    return reason


def _keep(ws: Workspace, item: Incoming, reason: str | None) -> bool:
    """Copy the original write-once (quarantine if unreadable); False if it changed since the scan."""
    data = unchanged(item)
    if data is None:
        return False  # still being copied into the inbox: leave it for the next run
    if reason is not None:
        quarantine(ws.quarantine, item.sha256, item.path.suffix, data, reason, item.rel, sync=not BATCH_FLUSH)
    else:
        keep_original(ws.originals, item.sha256, data, sync=not BATCH_FLUSH)
    return True


def _result(row: dict) -> FileResult:
    return FileResult(row["filename"], row["sha256"], "new", status=row["status"], form_type=row["form_type"],
                      form_id=row["form_id"], department=row["department"], person=row["person_name"],
                      match_method=row["match_method"], problems=list(row["problems"]), reason=row.get("reason"))


def _refresh_statuses(factory: sessionmaker[Session], campaign: str, by_sha: dict[str, FileResult]) -> None:
    """The summary shows each new file's final status, after resubmissions and department checks."""
    if not by_sha:
        return
    with factory() as s:
        for chunk in chunked(list(by_sha)):
            ids = {}
            for sha, status, sid in s.execute(select(Submission.sha256, Submission.status, Submission.id)
                                              .where(Submission.campaign == campaign, Submission.sha256.in_(chunk))):
                by_sha[sha].status = status
                ids[sid] = by_sha[sha]
            for sid, found in problems_of(s, ids, scopes=(Scope.DEPARTMENT.value,)).items():
                ids[sid].problems += [f"{where}：{message}" for where, message in found]


# --- process plumbing -----------------------------------------------------------------------------

@contextmanager
def _progress(enabled: bool, total: int) -> Iterator:
    if not enabled or total == 0 or not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("收取表格"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("ingest", total=total)
        yield lambda: bar.advance(task)
