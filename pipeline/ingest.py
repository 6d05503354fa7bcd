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

import datetime as dt
import hashlib
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from pipeline.errors import InputFileError, UsageError
from pipeline.matching import Issued, Match, Matcher
from pipeline.profile import Profile
from pipeline.records import ParsedForm, Problem
from pipeline.store import actor, open_store, sync_profile
from pipeline.store.models import Event, IssuedForm, ProblemRow, RiskPoint, Submission
from pipeline.store.originals import keep_original, quarantine, sweep_temporaries
from pipeline.validate import FormView, department_findings, enforced, form_problems
from pipeline.workspace import Workspace

ACCEPTED, NEEDS_REVISION, SUPERSEDED, REJECTED = "accepted", "needs_revision", "superseded", "rejected"
STATUS_ZH = {ACCEPTED: "合格", NEEDS_REVISION: "需退回重查", SUPERSEDED: "已被新版替代", REJECTED: "无法读取"}

#: Test hook: ``LIANZHENG_INGEST_TRACE=1`` prints ``stored <sha>`` / ``committed <sha>`` to stderr and
#: sleeps ``LIANZHENG_INGEST_PAUSE`` seconds after each, so a test can SIGKILL between any two steps.
TRACE_ENV, PAUSE_ENV = "LIANZHENG_INGEST_TRACE", "LIANZHENG_INGEST_PAUSE"
_INSERT_SUBMISSION = insert(Submission.__table__)
_INSERT_RISK = insert(RiskPoint.__table__)
_INSERT_PROBLEM = insert(ProblemRow.__table__)
_INSERT_EVENT = insert(Event.__table__)
#: Originals copied ahead of the commits, and by how many threads.
COPY_AHEAD, COPY_THREADS = 32, 8


@dataclass
class FileResult:
    """What became of one file of the inbox."""

    path: str
    sha256: str
    outcome: str  # new / duplicate
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
    def accepted(self) -> int:
        return self.count(outcome="new", status=ACCEPTED)

    @property
    def needs_revision(self) -> int:
        return self.count(outcome="new", status=NEEDS_REVISION)

    @property
    def superseded(self) -> int:
        return self.count(outcome="new", status=SUPERSEDED)

    @property
    def rejected(self) -> int:
        return self.count(outcome="new", status=REJECTED)

    def as_dict(self) -> dict:
        counts = {k: getattr(self, k) for k in ("new", "duplicate", "accepted", "needs_revision", "superseded", "rejected")}
        return {"inbox": str(self.inbox), **counts, "seconds": round(self.seconds, 2),
                "office_flags": self.office_flags, "files": [asdict(f) for f in self.files]}


@dataclass
class _Incoming:
    path: Path
    rel: str
    sha256: str
    size: int
    modified: dt.datetime


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
        fresh: list[_Incoming] = []
        batch: set[str] = set()
        repeats: list[FileResult] = []  # the same bytes twice in this inbox: status known at the end
        for item in _scan(inbox, skip=ws.store_dir):
            if item.sha256 in known:
                summary.files.append(FileResult(item.rel, item.sha256, "duplicate", status=known[item.sha256]))
            elif item.sha256 in batch:
                repeats.append(FileResult(item.rel, item.sha256, "duplicate"))
            else:
                batch.add(item.sha256)
                fresh.append(item)
        by_sha: dict[str, FileResult] = {}

        def commit(job: tuple[_Incoming, ParsedForm | None, str | None, Future]) -> None:
            item, parsed, error, copied = job
            if not copied.result():
                summary.files.append(FileResult(item.rel, item.sha256, "changed",
                                                reason="文件在收取过程中被改动，下次运行时再收取"))
                return
            _trace("stored", item.sha256)
            result = _commit(factory, matcher, campaign, item, parsed, error)
            _trace("committed", item.sha256)
            by_sha[item.sha256] = result
            summary.files.append(result)
            advance()

        # Originals are copied (and fsynced) by threads a few files ahead of the commits: fsync waits
        # on the disk, not the CPU, and a file is committed only once its own copy is on disk.
        with _progress(progress, len(fresh)) as advance, ThreadPoolExecutor(COPY_THREADS) as copier:
            pending: deque = deque()
            for item, parsed, error in _parse_all(fresh, profile, jobs):
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


def _scan(inbox: Path, skip: Path) -> Iterator[_Incoming]:
    """Every regular file under the inbox, in a stable order.

    Skipped: Word's ``~$`` lock files, hidden files, and the store itself (an inbox given as the
    workspace folder must not ingest its own originals).
    """
    skip = skip.resolve()
    for path in sorted(p for p in inbox.rglob("*") if p.is_file()):
        if path.name.startswith((".", "~$")) or path.resolve().is_relative_to(skip):
            continue
        data = path.read_bytes()
        st = path.stat()
        modified = dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).replace(tzinfo=None)
        yield _Incoming(path, path.relative_to(inbox).as_posix(), hashlib.sha256(data).hexdigest(), len(data), modified)


# --- parsing in workers ---------------------------------------------------------------------------

_worker_profile: Profile | None = None


def _init_worker(profile: Profile) -> None:
    global _worker_profile
    _worker_profile = profile


def _parse_one(item: _Incoming) -> tuple[_Incoming, ParsedForm | None, str | None]:
    """Parse in a worker; a file that cannot be read becomes a reason, never an exception."""
    from pipeline.parse import parse_file

    try:
        return item, parse_file(item.path, levels=None, profile=_worker_profile), None
    except InputFileError as e:
        return item, None, e.message + (f"（处理办法：{e.hint}）" if e.hint else "")
    except Exception as e:  # a parser bug must not stop the batch; the file waits in quarantine
        return item, None, f"解析程序出错（{type(e).__name__}），请把此文件发给维护人员"


def _parse_all(items: list[_Incoming], profile: Profile, jobs: int | None):
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or len(items) < 8:  # a pool costs more than it saves on a handful of files
        _init_worker(profile)
        yield from map(_parse_one, items)
        return
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(profile,)) as pool:
        yield from pool.imap_unordered(_parse_one, items, chunksize=max(1, min(16, len(items) // (jobs * 8))))


# --- writing: one transaction per file ------------------------------------------------------------

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


def _keep(ws: Workspace, item: _Incoming, error: str | None) -> bool:
    """Copy the original write-once (quarantine if unreadable); False if it changed since the scan."""
    data = item.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != item.sha256:
        return False  # still being copied into the inbox: leave it for the next run
    if error is not None:
        quarantine(ws.quarantine, item.sha256, item.path.suffix, data, error, item.rel)
    else:
        keep_original(ws.originals, item.sha256, data)
    return True


def _commit(factory: sessionmaker[Session], matcher: Matcher, campaign: str, item: _Incoming,
            parsed: ParsedForm | None, error: str | None) -> FileResult:
    """The file's one transaction: submission, risk points, problems, event, and its slot settled.

    Core inserts on the tables rather than ORM objects: this runs once per file, and the unit of
    work's bookkeeping (and the ORM bulk path's per-row coercion) cost more than the inserts.
    """
    result = FileResult(item.rel, item.sha256, "new")
    row = dict(campaign=campaign, sha256=item.sha256, filename=item.rel, size=item.size,
               file_modified=item.modified, received_at=_now(), meta={})
    with factory.begin() as s:
        if error is not None:
            sid = s.execute(_INSERT_SUBMISSION, {**row, "status": REJECTED, "reason": error}).inserted_primary_key[0]
            _event(s, "reject", item.sha256, file=item.rel, submission=sid, reason=error)
            result.status, result.reason = REJECTED, error
            return result
        match = matcher.match(parsed)
        problems = [*form_problems(parsed, matcher.profile.rules), *match.problems]
        row.update(_fields(parsed, match, problems))
        row["file_modified"] = saved_time(parsed.meta) or item.modified
        sid = s.execute(_INSERT_SUBMISSION, row).inserted_primary_key[0]
        if parsed.risks:
            s.execute(_INSERT_RISK, _risk_rows(sid, parsed))
        if problems:
            s.execute(_INSERT_PROBLEM, [dict(submission_id=sid, code=p.code, message=p.message, where=p.where,
                                             scope="form") for p in problems])
        _event(s, "ingest", item.sha256, file=item.rel, submission=sid, form_id=row["form_id"],
               form_type=row["form_type"], match=row["match_method"], status=row["status"], problems=len(problems))
        _settle_slot(s, campaign, row["slot"])
    result.status = row["status"]
    result.form_type, result.form_id, result.match_method = row["form_type"], row["form_id"], row["match_method"]
    result.department, result.person = row["department"], row["person_name"]
    result.problems = [f"{p.where}：{p.message}" if p.where else p.message for p in problems]
    return result


def saved_time(meta: dict[str, str]) -> dt.datetime | None:
    """When the document says it was last saved (UTC, naive), from docx core or PDF info.

    Preferred over the file's mtime to decide which return is newer: mail attachments, USB sticks
    and git checkouts reset mtimes, while Word, WPS and LibreOffice stamp the save time inside.
    """
    text = (meta.get("modified") or "").strip()
    if text.startswith("D:"):  # PDF date: D:YYYYMMDDHHmmSS[+HH'mm']
        digits = text[2:16]
        try:
            return dt.datetime.strptime(digits.ljust(14, "0"), "%Y%m%d%H%M%S")
        except ValueError:
            return None
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return stamp


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _event(s: Session, action: str, subject: str, **detail) -> None:
    s.execute(_INSERT_EVENT, dict(at=_now(), actor=actor(), action=action, subject=subject, detail=detail))


def _fields(parsed: ParsedForm, match: Match, problems: list[Problem]) -> dict:
    return dict(status=NEEDS_REVISION if problems else ACCEPTED, form_id=match.form_id, form_type=match.form_type,
                match_method=match.method, slot=match.slot, department=match.department or parsed.header.unit,
                person_name=match.person_name or parsed.header.name, staff_id=match.staff_id, meta=dict(parsed.meta),
                parsed=parsed.model_dump(mode="json", exclude={"meta"}))


def _risk_rows(submission_id: int, parsed: ParsedForm) -> list[dict]:
    return [dict(submission_id=submission_id, seq=r.seq, name=r.name, description=r.description,
                 category=r.category, level=r.level, level_label=r.level_label, measures=r.measures,
                 review=r.review, duty=r.duty, extra=r.extra) for r in parsed.risks]


def _settle_slot(s: Session, campaign: str, slot: str | None) -> None:
    """Within one slot the newest readable return is current; the others are superseded by it.

    Newest is the later save time (see :func:`saved_time`), equal times broken by the sha, so every
    run picks the same one.
    """
    if slot is None:
        return
    rows = s.execute(select(Submission.id, Submission.sha256, Submission.status, Submission.superseded_by,
                            Submission.file_modified)
                     .where(Submission.campaign == campaign, Submission.slot == slot,
                            Submission.status != REJECTED)).all()
    if len(rows) < 2:
        return
    rows.sort(key=lambda r: (r.file_modified or dt.datetime.min, r.sha256))
    newest = rows[-1]
    if newest.status == SUPERSEDED:  # an older copy arrived after a newer one was superseded: restore it
        s.execute(update(Submission).where(Submission.id == newest.id)
                  .values(status=_own_status(s, newest.id), superseded_by=None))
    for older in rows[:-1]:
        if older.status != SUPERSEDED or older.superseded_by != newest.id:
            s.execute(update(Submission).where(Submission.id == older.id)
                      .values(status=SUPERSEDED, superseded_by=newest.id))
            _event(s, "supersede", older.sha256, submission=older.id, by=newest.id, slot=slot)


def _own_status(s: Session, submission_id: int) -> str:
    has = s.scalar(select(ProblemRow.id).where(ProblemRow.submission_id == submission_id,
                                               ProblemRow.scope.in_(("form", "department"))).limit(1))
    return NEEDS_REVISION if has is not None else ACCEPTED


# --- department checks over the whole store -------------------------------------------------------

def recheck(factory: sessionmaker[Session], profile: Profile) -> list[str]:
    """Recompute department-level problems and the statuses they decide; returns the office's flags.

    One transaction: department-scope problems of the campaign are dropped and found again from the
    current forms, so the result depends on the store's content only.
    """
    campaign = profile.campaign.code
    with factory.begin() as s:
        current = s.execute(
            select(Submission.id, Submission.status, Submission.department, Submission.form_type,
                   Submission.staff_id, Submission.person_name, Submission.meta)
            .where(Submission.campaign == campaign, Submission.status.in_((ACCEPTED, NEEDS_REVISION)),
                   Submission.form_type.is_not(None), Submission.department.is_not(None))).all()
        risks: dict[int, list[tuple[int, str, str, str]]] = {}
        ids = [r.id for r in current]
        for chunk in _chunks(ids, 900):
            for sid, seq, name, description, measures in s.execute(
                    select(RiskPoint.submission_id, RiskPoint.seq, RiskPoint.name, RiskPoint.description,
                           RiskPoint.measures)
                    .where(RiskPoint.submission_id.in_(chunk)).order_by(RiskPoint.submission_id, RiskPoint.seq)):
                risks.setdefault(sid, []).append((seq, name or "", description or "", measures or ""))
        views = [FormView(r.id, r.department, r.form_type, r.staff_id or r.person_name or str(r.id),
                          r.person_name or "", r.meta or {}, risks.get(r.id, [])) for r in current]
        findings = department_findings(views)
        campaign_ids = select(Submission.id).where(Submission.campaign == campaign).scalar_subquery()
        s.execute(delete(ProblemRow).where(ProblemRow.scope.in_(("department", "office")),
                                           ProblemRow.submission_id.in_(campaign_ids)))
        flags = []
        for finding in findings:
            scope = "department" if enforced(finding, profile.rules) else "office"
            flags.append(finding.message + ("" if scope == "department" else "（提请办公室注意）"))
            for sid, problems in finding.per_form.items():
                s.add_all(ProblemRow(submission_id=sid, code=p.code, message=p.message, where=p.where, scope=scope)
                          for p in problems)
        s.flush()
        sent_back = {sid for f in findings if enforced(f, profile.rules) for sid in f.per_form}
        with_form_problems = set(s.scalars(
            select(ProblemRow.submission_id).where(ProblemRow.scope == "form",
                                                   ProblemRow.submission_id.in_(campaign_ids))))
        for want in (ACCEPTED, NEEDS_REVISION):
            changed = [r.id for r in current if r.status != want and
                       (want == NEEDS_REVISION) == (r.id in sent_back or r.id in with_form_problems)]
            for chunk in _chunks(changed, 900):
                s.execute(update(Submission).where(Submission.id.in_(chunk)).values(status=want))
        if findings:
            _event(s, "recheck", campaign, findings=[f.message for f in findings])
    return flags


def _refresh_statuses(factory: sessionmaker[Session], campaign: str, by_sha: dict[str, FileResult]) -> None:
    """The summary shows each new file's final status, after resubmissions and department checks."""
    if not by_sha:
        return
    with factory() as s:
        for chunk in _chunks(list(by_sha), 900):
            ids = {}
            for sha, status, sid in s.execute(select(Submission.sha256, Submission.status, Submission.id)
                                              .where(Submission.campaign == campaign, Submission.sha256.in_(chunk))):
                by_sha[sha].status = status
                ids[sid] = by_sha[sha]
            for sid, where, message in s.execute(
                    select(ProblemRow.submission_id, ProblemRow.where, ProblemRow.message)
                    .where(ProblemRow.submission_id.in_(list(ids)), ProblemRow.scope == "department")
                    .order_by(ProblemRow.id)):
                ids[sid].problems.append(f"{where}：{message}")


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


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
