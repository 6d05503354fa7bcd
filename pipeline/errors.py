"""One error class per failure kind, each with the exit code a batch script can rely on.

Every message is Chinese, names the file (and key or row) and says what to do, because the
people reading it run the office, not the program. The CLI prints ``str(error)`` and exits with
``error.exit_code``; nothing else reaches the user, never a traceback.
"""

from __future__ import annotations

import errno
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """The one table of exit codes; a batch script may rely on each staying what it is."""

    OK = 0
    USAGE = 2  # bad profile, roster or command-line choice
    INPUT_FILE = 3  # an input file cannot be read
    MISSING_PROGRAM = 4  # an external program is not installed
    STORE = 5  # the store cannot be opened, or is damaged
    CONVERSION = 6  # some files did not convert (the rest are kept)
    BUSY = 7  # another command is writing to the same store
    RESOURCE = 8  # disk full, or a folder that must be written is read-only
    CHECK_FAILED = 9  # a check or verification found faults (each one named)
    INTERNAL = 70  # a program fault: details in a log file
    INTERRUPTED = 130  # stopped by Ctrl-C; what was finished is kept

    @property
    def zh(self) -> str:
        return _EXIT_ZH[self]


_EXIT_ZH = {
    ExitCode.OK: "成功",
    ExitCode.USAGE: "配置、名册或命令参数有误",
    ExitCode.INPUT_FILE: "输入文件无法读取",
    ExitCode.MISSING_PROGRAM: "缺少外部程序",
    ExitCode.STORE: "数据库无法打开或已损坏",
    ExitCode.CONVERSION: "部分文件未能转换（其余已保留）",
    ExitCode.BUSY: "另一个命令正在写入同一个数据库",
    ExitCode.RESOURCE: "磁盘已满或目录只读",
    ExitCode.CHECK_FAILED: "检查发现问题（逐项列出）",
    ExitCode.INTERNAL: "程序内部错误（详情写入日志文件）",
    ExitCode.INTERRUPTED: "被中断（已完成的部分已保存）",
}


class LianzhengError(Exception):
    """Base class: a failure the user can fix. ``exit_code`` is stable across releases."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, path: Path | str | None = None, hint: str | None = None):
        self.path = Path(path) if path is not None else None
        self.hint = hint
        self.message = message
        super().__init__(self.render())

    def __reduce__(self):
        # Sent whole from a worker process: by default only the rendered text would cross.
        return _rebuilt, (type(self), self.message, self.path, self.hint)

    def render(self) -> str:
        parts = []
        if self.path is not None:
            parts.append(f"{self.path}：")
        parts.append(self.message)
        if self.hint:
            parts.append(f"（处理办法：{self.hint}）")
        return "".join(parts)


def _rebuilt(cls: type[LianzhengError], message: str, path: Path | None, hint: str | None) -> LianzhengError:
    return cls(message, path=path, hint=hint)


class ProfileError(LianzhengError):
    """The profile or roster is wrong: missing key, wrong type, unknown department..."""

    exit_code = ExitCode.USAGE


class UsageError(LianzhengError):
    """A command-line choice does not exist (unknown department, person or form type)."""

    exit_code = ExitCode.USAGE


class InputFileError(LianzhengError):
    """A returned file cannot be read: corrupt, encrypted, old .doc, zip bomb, hostile XML."""

    exit_code = ExitCode.INPUT_FILE


class MissingProgramError(LianzhengError):
    """An external program (LibreOffice, pdftoppm) is not installed."""

    exit_code = ExitCode.MISSING_PROGRAM


class StoreError(LianzhengError):
    """The workspace store cannot be opened or migrated."""

    exit_code = ExitCode.STORE


class ConversionError(LianzhengError):
    """LibreOffice ran but did not produce some outputs; what did convert is kept."""

    exit_code = ExitCode.CONVERSION


class BusyError(LianzhengError):
    """Another command holds the store for writing; waiting a moment and running again is enough."""

    exit_code = ExitCode.BUSY


class ResourceError(LianzhengError):
    """The disk is full or a folder that must be written is read-only; nothing was half-written."""

    exit_code = ExitCode.RESOURCE


class CheckFailed(LianzhengError):
    """A check of the store or an archive found faults; the message lists each."""

    exit_code = ExitCode.CHECK_FAILED


#: errno values that mean "no room": disk full, file too large for the limit, quota exceeded.
_NO_SPACE = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def resource_error(exc: BaseException) -> LianzhengError | None:
    """Our own error for a resource fault (disk full, read-only folder, store busy), else None.

    Raised deep inside a library (sqlite3, zipfile, openpyxl) these reach the top as OSError or a
    database error; saying "internal error" for a full disk would blame the program for the
    machine, and a traceback would hide what to do.
    """
    text = str(getattr(exc, "orig", None) or exc).lower()
    filename = getattr(exc, "filename", None)
    where = f"（{filename}）" if filename else ""
    if isinstance(exc, OSError) and exc.errno in _NO_SPACE or "disk is full" in text or "database or disk is full" in text:
        return ResourceError(f"磁盘空间不足，文件没有写完{where}；已写入的部分保持原样，数据库未改动",
                             hint="清理磁盘或换到空间足够的位置后重新运行，会从中断处继续")
    if isinstance(exc, OSError) and exc.errno in _READ_ONLY or "readonly database" in text or "read-only" in text:
        return ResourceError(f"需要写入的文件夹或数据库是只读的{where}",
                             hint="检查工作区（特别是 store/）的写权限，或把工作区复制到可写的位置")
    if "database is locked" in text or "could not obtain lock" in text:
        return BusyError("数据库正被另一个命令写入（例如正在生成表格或收表）",
                         hint="等那个命令结束后再运行；多人同时使用请改用 PostgreSQL（--db postgresql://…）")
    return None
