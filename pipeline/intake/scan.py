"""Finding the files of an inbox: every regular file, in a stable order, with its sha256.

One file that cannot be handled never stops the scan. A file is *skipped* with a Chinese reason
(and tried again on the next run) when it cannot be read (no permission), vanished between listing
and reading (moved or deleted while ingest runs), is still being written (its size or time changed
while it was read, or it carries a download tool's partial-file suffix), or is a symbolic link
pointing outside the workspace (never followed out: the inbox is a shared folder anyone may drop a
link into).

Names are kept losslessly. A name that is not valid UTF-8 — GBK bytes left by unzipping an archive
made on Chinese Windows — is shown decoded as GB18030 when that reads, else with the bad bytes as
``\\xNN``; its raw bytes travel with it (``raw_name``) so the store can keep them.

Also skipped silently, since they are never returns: Word's ``~$`` lock files, hidden files (which
include LibreOffice's ``.~lock.*#``), and the store itself (an inbox given as the workspace folder
must not ingest its own originals).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Suffixes of files a browser, sync client or copy tool is still writing.
PARTIAL_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".!ut", ".filepart")


@dataclass
class Incoming:
    """One file found in the inbox, as it was when scanned."""

    path: Path
    rel: str  # readable relative name (always valid Unicode)
    sha256: str
    size: int
    modified: dt.datetime
    raw_name: bytes | None = None  # the name's bytes when they are not valid UTF-8
    converted: Path | None = None  # for a .doc/.wps/.rtf/.odt: LibreOffice's .docx of it, made for its batch


@dataclass
class Skipped:
    """A file the scan could not take this time, and why (in Chinese, for the summary)."""

    rel: str
    reason: str
    raw_name: bytes | None = None


def readable_name(name: str) -> tuple[str, bytes | None]:
    """A file name as a person should read it, and its raw bytes when it is not valid UTF-8.

    Python hands undecodable bytes over as lone surrogates; those cannot be stored or printed. The
    bytes are tried as GB18030 (a superset of GBK, what Chinese Windows writes), else shown as \\xNN.
    """
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), raw
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), raw


@dataclass(frozen=True)
class Listed:
    """A name found under the inbox, before its bytes are read."""

    path: Path
    rel: str  # relative to the inbox, with / between folders
    link: bool  # a symbolic link (to a file, a folder or nowhere)


def scan(inbox: Path, skip: Path, *, root: Path | None = None,
         paths: list[Listed] | None = None) -> Iterator[Incoming | Skipped]:
    """Every file under ``inbox`` (``skip`` and what lies under it excluded), sorted by path, read
    one by one as the caller asks for the next.

    ``root`` is the folder symbolic links may point into (default: the inbox's parent, the
    workspace); ``paths`` is the inbox's :func:`listing` (made with the same ``skip``) when the
    caller already has it.
    """
    skip = skip.resolve()
    root = (root or inbox.parent).resolve()
    for found in listing(inbox, skip) if paths is None else paths:
        rel, raw = readable_name(found.rel)
        if found.link:  # the walk follows no link, so only a link needs resolving (a stat per path component)
            try:
                resolved = found.path.resolve()
            except OSError:  # a link loop
                yield Skipped(rel, "符号链接无法解析（可能循环指向自身），未收取：请放入文件本身", raw)
                continue
            if resolved.is_relative_to(skip):
                continue
            if not resolved.is_relative_to(root):
                yield Skipped(rel, "这是指向工作区以外的符号链接，未收取：请把文件本身复制到 inbox", raw)
                continue
        if found.path.name.lower().endswith(PARTIAL_SUFFIXES):
            yield Skipped(rel, "文件名表明它还在下载或复制中，本次未收取：完成后重新运行", raw)
            continue
        yield _read(found.path, rel, raw)


def listing(inbox: Path, skip: Path | None = None) -> list[Listed]:
    """Files under ``inbox`` in a stable order (what :func:`scan` reads, and how many: a progress
    bar's total), the folder ``skip`` not entered; folders that cannot be listed are passed over.

    Hidden names (which include LibreOffice's ``.~lock.*#``) and Word's ``~$`` lock files are left
    out. A symbolic link is listed, never followed: :func:`scan` decides where it may point.
    """
    skip = skip.resolve() if skip is not None else None
    found: list[Listed] = []
    folders = [(inbox, "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith((".", "~$")):
                continue
            rel = prefix + name
            try:
                link = entry.is_symlink()
                if not link and entry.is_dir():
                    if skip is None or Path(entry.path).resolve() != skip:
                        folders.append((Path(entry.path), rel + "/"))
                    continue
                if link or entry.is_file():
                    found.append(Listed(Path(entry.path), rel, link))
            except OSError:  # vanished while listed
                continue
    return sorted(found, key=lambda f: f.rel.split("/"))


def _read(path: Path, rel: str, raw: bytes | None) -> Incoming | Skipped:
    """The file's bytes and hash: the size and time it had before it was read must be what it
    has once read, or it is still being written. Only a regular file is opened (a link to a pipe
    would block the run)."""
    try:
        before = os.stat(path)
        if not stat.S_ISREG(before.st_mode):
            return Skipped(rel, "这不是普通文件（可能是指向文件夹的链接），未收取", raw)
        data = path.read_bytes()
        after = os.stat(path)
    except PermissionError:
        return Skipped(rel, "没有读取这个文件的权限，未收取：请检查文件权限或让发送人重新发送", raw)
    except FileNotFoundError:
        return Skipped(rel, "文件在收取过程中被移走或删除，未收取：如仍需收取，放回 inbox 后重新运行", raw)
    except OSError as e:
        return Skipped(rel, f"读取文件时系统出错（{e.strerror or type(e).__name__}），未收取：稍后重新运行", raw)
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or len(data) != after.st_size:
        return Skipped(rel, "文件正在被写入（读取时大小或时间在变），本次未收取：写完后重新运行", raw)
    modified = dt.datetime.fromtimestamp(after.st_mtime, dt.timezone.utc).replace(tzinfo=None)
    return Incoming(path, rel, hashlib.sha256(data).hexdigest(), len(data), modified, raw)


def unchanged(item: Incoming) -> bytes | None:
    """The file's bytes if they still hash as scanned, else None (changed, moved or unreadable since)."""
    try:
        data = item.path.read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == item.sha256 else None
