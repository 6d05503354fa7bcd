"""Inbox → originals store → parse → match → validate → store, one transaction per file.

The order of the steps is what makes an interrupted run safe to repeat. For each new file:

1. its bytes are copied write-once into ``store/originals`` (or ``store/quarantine``) under their
   sha256 — repeating this is harmless;
2. ONE database transaction inserts the submission, its risk points, problems and an event, and
   settles resubmissions in its slot.

A kill between 1 and 2 leaves a stored original the database does not know; the next run sees the
sha unknown, copies nothing new and commits. A kill after 2 leaves a known sha, skipped next time.
Department-level checks (copied risk points, one hand for a whole department) and the statuses
they decide are then recomputed from the store as a whole, so they come out the same whatever order
files arrived in and however often the run was interrupted.

Parsing runs in worker processes; only this process writes (SQLite has one writer, and one writer
keeps the transactions simple on PostgreSQL too).
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pipeline.errors import UsageError
from pipeline.intake.commit import commit_file
from pipeline.intake.matching import Issued, Matcher
from pipeline.intake.recheck import recheck
from pipeline.intake.scan import Incoming, Skipped, scan, unchanged
from pipeline.intake.workers import parse_all
from pipeline.records import ParsedForm
from pipeline.store import open_store, sync_profile, utcnow
from pipeline.store.models import IssuedForm, ProblemRow, Submission
from pipeline.store.originals import keep_original, quarantine, sweep_temporaries
from pipeline.store.queries import chunked
from pipeline.store.status import Scope, Status
from pipeline.workspace import Workspace

#: Test hook: ``LIANZHENG_INGEST_TRACE=1`` prints ``stored <sha>`` / ``committed <sha>`` to stderr and
#: sleeps ``LIANZHENG_INGEST_PAUSE`` seconds after each, so a test can SIGKILL between any two steps.
TRACE_ENV, PAUSE_ENV = "LIANZHENG_INGEST_TRACE", "LIANZHENG_INGEST_PAUSE"
#: Originals copied ahead of the commits, and by how many threads.
COPY_AHEAD, COPY_THREADS = 32, 8


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

    def as_dict(self) -> dict:
        counts = {k: getattr(self, k) for k in ("new", "duplicate", "accepted", "needs_revision", "superseded", "rejected")}
        counts["skipped"] = len(self.skipped)
        return {"inbox": str(self.inbox), **counts, "seconds": round(self.seconds, 2),
                "office_flags": self.office_flags, "files": [asdict(f) for f in self.files]}


# --- the run --------------------------------------------------------------------------------------

def ingest(ws: Workspace, *, inbox: Path | None = None, jobs: int | None = None,
           progress: bool = True) -> IngestSummary:
    """Read every new file under ``inbox`` (default: the workspace's) into the store."""
    started = time.perf_counter()
    inbox = Path(inbox) if inbox is not None else ws.inbox
    if not inbox.is_dir():
        raise UsageError(f"收件目录不存在：{inbox}", hint="把收回的表格放进工作区的 inbox/ 文件夹，或用 --inbox 指定目录")
    profile, roster = ws.profile, ws.roster
    ws.store_dir.mkdir(parents=True, exist_ok=True)
    summary = IngestSummary(inbox=inbox)
    with _exclusive(ws.store_dir / "ingest.lock"):
        sweep_temporaries(ws.originals, ws.quarantine)
        factory = open_store(ws.database_url)
        campaign = profile.campaign.code
        with factory.begin() as s:
            sync_profile(s, profile, roster)
            known = dict(s.execute(select(Submission.sha256, Submission.status)
                                   .where(Submission.campaign == campaign)).all())
            issued = [Issued(r.form_id, r.form_type, r.subject, r.department, r.person_name, r.staff_id, r.version)
                      for r in s.scalars(select(IssuedForm).where(IssuedForm.campaign == campaign))]
        matcher = Matcher(profile, roster, issued)
        fresh: list[Incoming] = []
        batch: set[str] = set()
        repeats: list[FileResult] = []  # the same bytes twice in this inbox: status known at the end
        received = utcnow()  # one arrival time for the whole run: files of one run arrived together
        for item in scan(inbox, skip=ws.store_dir, root=ws.root):
            if isinstance(item, Skipped):
                summary.files.append(FileResult(item.rel, "", "skipped", reason=item.reason))
            elif item.sha256 in known:
                summary.files.append(FileResult(item.rel, item.sha256, "duplicate", status=known[item.sha256]))
            elif item.sha256 in batch:
                repeats.append(FileResult(item.rel, item.sha256, "duplicate"))
            else:
                batch.add(item.sha256)
                fresh.append(item)
        by_sha: dict[str, FileResult] = {}

        def commit(job: tuple[Incoming, ParsedForm | None, str | None, Future]) -> None:
            item, parsed, error, copied = job
            if not copied.result():
                summary.files.append(FileResult(item.rel, item.sha256, "changed",
                                                reason="文件在收取过程中被改动，下次运行时再收取"))
                return
            _trace("stored", item.sha256)
            result = _result(commit_file(factory, matcher, campaign, item, parsed, error, received=received))
            _trace("committed", item.sha256)
            by_sha[item.sha256] = result
            summary.files.append(result)
            advance()

        # Originals are copied (and fsynced) by threads a few files ahead of the commits: fsync waits
        # on the disk, not the CPU, and a file is committed only once its own copy is on disk.
        with _progress(progress, len(fresh)) as advance, ThreadPoolExecutor(COPY_THREADS) as copier:
            pending: deque = deque()
            for item, parsed, error in parse_all(fresh, profile, jobs, log_dir=ws.store_dir / "logs"):
                error = _unreadable(parsed, error)
                pending.append((item, parsed, error, copier.submit(_keep, ws, item, error)))
                while len(pending) > COPY_AHEAD or (pending and pending[0][3].done()):
                    commit(pending.popleft())
            while pending:
                commit(pending.popleft())
        summary.office_flags = recheck(factory, profile)
        _refresh_statuses(factory, campaign, by_sha)
        for r in repeats:
            r.status = by_sha[r.sha256].status
        summary.files += repeats
    summary.files.sort(key=lambda f: f.path)
    summary.seconds = time.perf_counter() - started
    return summary


def _trace(step: str, sha: str) -> None:
    if os.environ.get(TRACE_ENV):
        print(f"{step} {sha}", file=sys.stderr, flush=True)
        pause = float(os.environ.get(PAUSE_ENV) or 0)
        if pause:
            time.sleep(pause)


def _unreadable(parsed: ParsedForm | None, error: str | None) -> str | None:
    """Why a file goes to quarantine: the parser could not read it, or it holds no form of ours."""
    if error is None and parsed is not None and parsed.form_type is None and not parsed.risks:
        return "文件中没有找到本次活动的附件表格（可能不是表格，或表头被改动太多）：请用下发的表格填写后重新报送"
    return error


def _keep(ws: Workspace, item: Incoming, error: str | None) -> bool:
    """Copy the original write-once (quarantine if unreadable); False if it changed since the scan."""
    data = unchanged(item)
    if data is None:
        return False  # still being copied into the inbox: leave it for the next run
    if error is not None:
        quarantine(ws.quarantine, item.sha256, item.path.suffix, data, error, item.rel)
    else:
        keep_original(ws.originals, item.sha256, data)
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
            for sid, where, message in s.execute(
                    select(ProblemRow.submission_id, ProblemRow.where, ProblemRow.message)
                    .where(ProblemRow.submission_id.in_(list(ids)), ProblemRow.scope == Scope.DEPARTMENT.value)
                    .order_by(ProblemRow.id)):
                ids[sid].problems.append(f"{where}：{message}")


# --- process plumbing -----------------------------------------------------------------------------

@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """One ingest at a time per workspace; the OS drops the lock when the process dies, even by kill -9."""
    with open(lock_path, "a+b") as f:
        try:
            if os.name == "nt":
                import msvcrt

                msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UsageError("另一个 lianzheng ingest 正在处理这个工作区",
                             hint="等它结束后再运行；若确认没有在运行，删除 store/ingest.lock 后重试") from None
        yield


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
