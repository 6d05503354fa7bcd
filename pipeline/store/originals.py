"""The content-addressed originals store and the quarantine: returned bytes kept for years, never changed.

``store/originals/ab/cdef…`` holds a file under its sha256 (two hex characters of fan-out keep
folders small); the name it arrived with lives in the database. A write goes to a temporary file
in the same folder and is renamed into place, so a kill leaves either no file or the whole file —
never a torn one; it is made durable (fsynced, or flushed with its batch) before the database
names it, and an existing file is never rewritten unless its bytes no longer hash as its name. That makes
"copy the original" safe to repeat, which is what lets an interrupted ingest simply run again.

Unreadable files go to ``store/quarantine/<sha>.<ext>`` beside ``<sha>.txt`` saying why.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

from pipeline._exec import libc

TEMP_PREFIX = ".incoming-"


def original_path(originals: Path, sha256: str) -> Path:
    return originals / sha256[:2] / sha256[2:]


def quarantine_path(quarantine: Path, sha256: str, suffix: str) -> Path:
    return quarantine / f"{sha256}{suffix.lower()}"


def write_once(target: Path, data: bytes, *, sync: bool = True) -> bool:
    """Write ``data`` to ``target`` atomically unless it exists; returns whether it wrote.

    With ``sync=False`` the bytes and the rename are left for the caller to make durable with
    :func:`flush` (a batch of files, one flush): a kill loses nothing either way (the page cache
    survives a process), only a power cut before the flush can tear a file.
    """
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sync:
        _fsync_dir(target.parent)
    return True


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is; Windows cannot open a directory.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: Whether :func:`flush` can make a batch of unsynced writes durable at once (not on Windows,
#: which has no whole-disk flush: write with ``sync=True`` there).
BATCH_FLUSH = hasattr(os, "sync")


def flush(folder: Path) -> None:
    """Make every write so far to ``folder``'s filesystem durable: data, new names and renames.

    One flush for a batch of files instead of two fsyncs each (the file, its folder), which cost
    the disk's journal a commit apiece, more CPU than writing the file. Linux flushes only that
    filesystem (syncfs); elsewhere ``os.sync`` flushes them all.
    """
    if not libc.syncfs(folder):
        os.sync()


def restore(originals: Path, sha256: str, data: bytes) -> bool:
    """Put back a stored original that went missing or was altered, from bytes whose hash is its own.

    The one case where a stored file is rewritten: what is written is, byte for byte, what was
    received (the hash proves it), so nothing the store promised is changed. Returns whether it wrote.
    """
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError("restore() takes only the original's own bytes")
    path = original_path(originals, sha256)
    if path.is_file() and path.stat().st_size == len(data) and sha256_of(path) == sha256:
        return False
    path.unlink(missing_ok=True)
    return write_once(path, data)


def sha256_of(path: Path) -> str:
    """The file's sha256, read in blocks (an original may be a large scan)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def keep_original(originals: Path, sha256: str, data: bytes, *, sync: bool = True) -> Path:
    """Store ``data`` (whose sha256 is ``sha256``) write-once. A file already there is kept only if
    it hashes as its name says: a power cut before a batch's :func:`flush` can leave one torn,
    and the next run, seeing the sha unknown to the database, writes it again."""
    path = original_path(originals, sha256)
    _write_hashed(path, sha256, data, sync)
    return path


def _write_hashed(path: Path, sha256: str, data: bytes, sync: bool) -> None:
    """Write-once ``data`` to ``path``, a name its sha256 decides; a file there that no longer
    hashes as ``sha256`` (torn by a power cut before its batch's flush) is written again."""
    if path.is_file() and sha256_of(path) != sha256:
        path.unlink()
    write_once(path, data, sync=sync)


def quarantine(quarantine_dir: Path, sha256: str, suffix: str, data: bytes, reason: str, filename: str,
               *, sync: bool = True) -> Path:
    """Keep an unreadable file and a note saying what it was and why it was not read."""
    path = quarantine_path(quarantine_dir, sha256, suffix)
    _write_hashed(path, sha256, data, sync)
    note = f"原文件：{filename}\nSHA-256：{sha256}\n原因：{reason}\n"
    write_once(quarantine_dir / f"{sha256}.txt", note.encode("utf-8"), sync=sync)
    return path


#: A temporary file older than this was left by a killed run; a younger one may be another live
#: ingest's write in progress (several processes may share one workspace on PostgreSQL).
STALE_SECONDS = 600


def sweep_temporaries(*roots: Path, older_than: float = STALE_SECONDS) -> int:
    """Remove temporary files killed runs left behind; they were never renamed, so nothing refers to them."""
    removed = 0
    cutoff = time.time() - older_than
    for root in roots:
        if root.is_dir():
            for tmp in root.rglob(f"{TEMP_PREFIX}*"):
                try:
                    if tmp.stat().st_mtime < cutoff:
                        tmp.unlink()
                        removed += 1
                except FileNotFoundError:  # its writer renamed or removed it meanwhile
                    pass
    return removed
