"""Who ingests which file when several ingest processes share one store.

On PostgreSQL, any number of ingest processes — on one machine or several, sharing the inbox
through a network folder — work on one store at once. Before parsing a batch, a process *claims*
each file with a session-level advisory lock keyed on the file's sha256 (``pg_try_advisory_lock``):
a file claimed by another process is left to it, so every file is parsed and stored once. The locks
live on a connection of their own; when a process dies, PostgreSQL ends its session and drops its
locks, so the files it held are taken up by the others, which look again for files still missing
from the store before they stop. Claims are held batch by batch and released after the batch's
commit, which keeps the number of locks small (the shared lock table is finite).

SQLite has one writer: a second ingest on the same workspace is refused with a clear message (a
lock file beside the database, dropped by the OS when the process dies, even by kill -9), and
every claim succeeds.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from pipeline.errors import BusyError
from pipeline.intake.scan import Incoming

#: The first of the two int4 keys of our advisory locks, so they never meet another program's.
LOCK_SPACE = 0x4C5A  # "LZ"


def _key(sha256: str) -> int:
    """A signed 32-bit key from the sha256 (a shared key only makes two files wait for each other)."""
    value = int(sha256[:8], 16)
    return value - (1 << 32) if value >= 1 << 31 else value


class Claims:
    """Claims on files for one ingest process; see the module docstring for the rule."""

    def __init__(self, connection: Connection | None):
        self._conn = connection  # None: single writer (SQLite), every claim succeeds

    def take(self, items: Sequence[Incoming]) -> tuple[list[Incoming], list[Incoming]]:
        """(claimed by this process, held by another) among ``items``: one statement for the batch."""
        if self._conn is None:
            return list(items), []
        keys = [_key(item.sha256) for item in items]
        got = dict(self._conn.execute(_TRY_LOCKS, {"space": LOCK_SPACE, "keys": keys}).all())
        mine = [item for item, key in zip(items, keys) if got[key]]
        theirs = [item for item, key in zip(items, keys) if not got[key]]
        return mine, theirs

    def release(self, items: Sequence[Incoming]) -> None:
        if self._conn is None or not items:
            return
        self._conn.execute(_UNLOCKS, {"space": LOCK_SPACE, "keys": [_key(item.sha256) for item in items]})


#: Every key of a batch tried (or released) in one round trip; a key twice in one batch (two files
#: whose sha256 share their first 32 bits) is locked once, and both wait together.
_TRY_LOCKS = text("SELECT k, pg_try_advisory_lock(:space, k) FROM (SELECT DISTINCT unnest(CAST(:keys AS int[])) AS k) AS keys")
_UNLOCKS = text("SELECT pg_advisory_unlock(:space, k) FROM (SELECT DISTINCT unnest(CAST(:keys AS int[])) AS k) AS keys")


def take_turn(s: Session, campaign: str) -> None:
    """On PostgreSQL, hold the campaign's transaction lock: concurrent ingest processes take turns
    through the transaction that calls this (syncing the profile, the department checks)."""
    if s.get_bind().dialect.name == "postgresql":
        # a stable key from the code's sha256: Python's hash() differs between processes
        key = int.from_bytes(hashlib.sha256(campaign.encode()).digest()[:8], "big", signed=True)
        s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


@contextmanager
def claims_for(engine: Engine, store_dir: Path) -> Iterator[Claims]:
    """The claims of this ingest run: advisory locks on PostgreSQL, the workspace lock on SQLite."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            try:
                yield Claims(conn)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock_all()"))
        return
    with _exclusive(store_dir / "ingest.lock"):
        yield Claims(None)


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """One ingest at a time per SQLite store; the OS drops the lock when the process dies."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as f:
        try:
            if os.name == "nt":
                import msvcrt

                msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BusyError("另一个 lianzheng ingest 正在处理这个工作区（SQLite 数据库只能由一个进程写入）",
                            hint="等它结束后再运行；多人同时收表请改用 PostgreSQL（--db postgresql://…）") from None
        yield
