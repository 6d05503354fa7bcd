"""Reading a package zip without extracting it, after refusing hostile ones.

Refused before a byte is read: member names that would leave the target folder (``..``
components, absolute paths, drive letters, backslashes, NUL), symbolic links, encrypted members,
more than :data:`MAX_MEMBERS` members, a declared total above :data:`MAX_TOTAL`, a member
compressed more than :data:`MAX_RATIO` to one (a zip bomb), and members whose data overlap (the
overlapping-entry bomb). While reading, a member that inflates past its declared size is refused.
"""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path

from pipeline.errors import InputFileError

MAX_MEMBERS = 500_000
MAX_TOTAL = 64 * 2**30
MAX_RATIO = 200
_DRIVE = re.compile(r"^[A-Za-z]:")
BLOCK = 1 << 20


def _name_problem(name: str) -> str | None:
    if "\x00" in name:
        return "含有空字符"
    if "\\" in name:
        return "含有反斜杠（Windows 路径分隔符）"
    if name.startswith("/"):
        return "是绝对路径"
    if _DRIVE.match(name):
        return "带有盘符"
    if ".." in name.split("/"):
        return "含有 ..，会跳出解压目录"
    return None


def _refuse(path: Path, what: str) -> InputFileError:
    return InputFileError(f"拒绝处理该压缩包：{what}。包内文件未被解压", path=path,
                        hint="这不是本程序生成的归档包，或已被改动；请向移交方索取原始归档包")


def open_checked(path: Path) -> zipfile.ZipFile:
    """The zip at ``path``, opened only after every rule above holds; raises :class:`InputFileError`."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise InputFileError(f"无法作为 zip 打开：{e}", path=path, hint="检查文件是否完整复制") from None
    infos = zf.infolist()
    try:
        if len(infos) > MAX_MEMBERS:
            raise _refuse(path, f"成员多达 {len(infos)} 个")
        total = 0
        for info in infos:
            problem = _name_problem(info.filename)
            if problem:
                raise _refuse(path, f"成员名“{info.filename}”{problem}")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise _refuse(path, f"成员“{info.filename}”是符号链接")
            if info.flag_bits & 0x1:
                raise _refuse(path, f"成员“{info.filename}”已加密")
            if info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > BLOCK:
                raise _refuse(path, f"成员“{info.filename}”压缩比超过 {MAX_RATIO}:1，疑为压缩炸弹")
            total += info.file_size
        if total > MAX_TOTAL:
            raise _refuse(path, f"解压后共 {total} 字节，超过上限，疑为压缩炸弹")
        ordered = sorted(infos, key=lambda i: i.header_offset)
        for a, b in zip(ordered, ordered[1:]):
            # the local header is at least 30 bytes plus the name; its data follows it
            if a.header_offset + 30 + len(a.filename.encode("utf-8")) + a.compress_size > b.header_offset:
                raise _refuse(path, f"成员“{a.filename}”与“{b.filename}”的数据重叠，疑为压缩炸弹")
    except BaseException:
        zf.close()
        raise
    return zf


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    """A member's bytes, refusing one that inflates past its declared size."""
    chunks, size = [], 0
    with zf.open(info) as f:
        while block := f.read(BLOCK):
            size += len(block)
            if size > info.file_size:
                raise _refuse(path, f"成员“{info.filename}”解压后超过其声明的大小，疑为压缩炸弹")
            chunks.append(block)
    return b"".join(chunks)
