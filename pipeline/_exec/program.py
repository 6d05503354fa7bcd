"""One external program: find it, ask its version once, run it, and turn failures into our errors.

Each wrapper module of :mod:`pipeline._exec` (soffice, pdftoppm, and the OCR engines to come)
declares one :class:`Program`. The rules they share live here:

* a missing program is a :class:`~pipeline.errors.MissingProgramError` naming the Debian package
  that installs it, never a ``FileNotFoundError``;
* its version is asked once per process (``--version`` or the like) and logged with the path, so a
  log shows which build produced a file;
* whatever it writes to stderr goes to the ``lianzheng.exec`` logger, not to the user's terminal;
* a time-out or a crash (killed by a signal, or an exit status the caller does not accept) is a
  :class:`~pipeline.errors.ConversionError` saying what was being done.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipeline.errors import ConversionError, MissingProgramError

log = logging.getLogger("lianzheng.exec")


@dataclass(frozen=True)
class Program:
    """An external program the project runs, and how to get it."""

    names: tuple[str, ...]
    package: str  # the Debian package that installs it, for the hint
    purpose: str  # what it is needed for, in Chinese: "生成 PDF"
    version_args: tuple[str, ...] = ("--version",)

    def find(self) -> str | None:
        """The program's path, or None when none of its names is on PATH."""
        for name in self.names:
            path = shutil.which(name)
            if path:
                return path
        return None

    def require(self) -> str:
        """The program's path; a missing program is a MissingProgramError with the install hint."""
        path = self.find()
        if path is None:
            raise MissingProgramError(f"没有找到 {self.names[0]}，无法{self.purpose}",
                                      hint=f"安装它（Debian/Ubuntu：apt-get install {self.package}）后重试")
        _log_version(path, self.version_args)
        return path

    def run(self, args: Sequence[str], *, timeout: float, doing: str, env: Mapping[str, str] | None = None,
            ok_codes: Sequence[int] = (0,)) -> subprocess.CompletedProcess:
        """Run the program with ``args``; ``doing`` says in Chinese what for (it names the files)."""
        path = self.require()
        try:
            done = subprocess.run([path, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=timeout, env=dict(env) if env is not None else None, check=False)
        except subprocess.TimeoutExpired:
            raise ConversionError(f"{self.names[0]} 在 {timeout:.0f} 秒内没有完成{doing}",
                                  hint="文件可能过大或已损坏；单独处理这个文件，或稍后重试") from None
        if done.stderr:
            log.info("%s stderr (%s): %s", self.names[0], doing, done.stderr.decode(errors="replace").strip())
        if done.returncode not in ok_codes:
            how = f"被信号 {-done.returncode} 终止" if done.returncode < 0 else f"返回 {done.returncode}"
            raise ConversionError(f"{self.names[0]} {how}，{doing}失败",
                                  hint="检查文件能否用常规软件打开；详情在日志中（lianzheng.exec）")
        return done


@functools.cache
def _log_version(path: str, version_args: tuple[str, ...]) -> str:
    try:
        done = subprocess.run([path, *version_args], capture_output=True, timeout=60, check=False)
        text = (done.stdout or done.stderr).decode(errors="replace").strip().splitlines()
        version = text[0] if text else "unknown"
    except (OSError, subprocess.TimeoutExpired):
        version = "unknown"
    log.info("using %s: %s", path, version)
    return version
