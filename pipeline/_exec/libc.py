"""The C library, for the Linux calls Python's os module does not wrap.

* ``syncfs``: flush one filesystem at once (a batch of originals made durable in one call);
* ``prctl(PR_SET_PDEATHSIG)``: a worker ends when the process that started it dies;
* glibc's ``malloc_trim``: memory freed by a page's OCR handed back to the system.

Each is a no-op answer (False) where the platform or the C library lacks it, and the caller
falls back to what works everywhere.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The process's own C library on Linux (its symbols are in the process); None elsewhere."""
    return ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def syncfs(folder: os.PathLike | str) -> bool:
    """Flush every write to ``folder``'s filesystem to disk; whether it could."""
    libc = _libc()
    if libc is None:
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        return libc.syncfs(fd) == 0
    finally:
        os.close(fd)


def die_with_parent() -> bool:
    """Have the kernel kill this process (SIGKILL) when its parent dies; whether it could."""
    libc = _libc()
    return libc is not None and libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) == 0


def malloc_trim() -> bool:
    """Return the heap's free pages to the system (glibc); whether the library has the call."""
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
    if trim is None:
        return False
    trim(0)
    return True
