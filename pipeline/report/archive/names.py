"""File names inside the package: readable in Windows Explorer and Linux unzip, years from now.

Rules, applied to every path component:

* Unicode NFC (a name typed on a Mac arrives decomposed; Windows and Linux show NFC);
* the characters Windows forbids (``<>:"/\\|?*`` and control characters) become ``_``, trailing
  dots and spaces are dropped, and the reserved device names (CON, NUL, COM1 …) get a ``_`` prefix;
* **shortening rule:** a component longer than :data:`MAX_COMPONENT` characters keeps its
  extension and the start of its stem, followed by ``~`` and the first six hex digits of the SHA-1
  of the full component — so two long names that share a start stay apart, and the same name is
  always shortened the same way; a whole path longer than :data:`MAX_PATH` has its last component
  shortened further (never below 24 characters);
* two names that differ only in letter case (one name to Windows) get ``~2``, ``~3`` … before the
  extension.

Lengths count UTF-16 code units, as Windows does. :data:`MAX_PATH` leaves about 90 of Windows'
260 for the folder the package is unpacked into.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

MAX_COMPONENT = 64
MAX_PATH = 170
MIN_COMPONENT = 24
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def units(text: str) -> int:
    """Length as Windows counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def clean(component: str) -> str:
    """One path component made safe for Windows and Linux (NFC, no forbidden characters)."""
    name = _FORBIDDEN.sub("_", unicodedata.normalize("NFC", component)).rstrip(" .")
    if name.split(".")[0].upper() in _RESERVED:
        name = "_" + name
    return name or "_"


def _split_ext(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if dot and stem and len(ext) <= 8:
        return stem, "." + ext
    return name, ""


def shorten(component: str, limit: int = MAX_COMPONENT) -> str:
    """``component`` itself if it fits in ``limit``, else stem start + ``~`` + 6 hex of its SHA-1 + extension."""
    if units(component) <= limit:
        return component
    stem, ext = _split_ext(component)
    tag = "~" + hashlib.sha1(component.encode("utf-8")).hexdigest()[:6]
    room = max(1, limit - units(ext) - len(tag))
    while units(stem) > room:
        stem = stem[:-1]
    return stem + tag + ext


def safe_path(parts: Sequence[str], prefix_units: int = 0) -> str:
    """The cleaned, shortened POSIX path of ``parts``; ``prefix_units`` is what precedes it in the zip."""
    cleaned = [shorten(clean(p)) for p in parts if p not in ("", ".", "..")]
    total = prefix_units + units("/".join(cleaned))
    if total > MAX_PATH:
        last = cleaned[-1]
        cleaned[-1] = shorten(last, max(MIN_COMPONENT, units(last) - (total - MAX_PATH)))
    return "/".join(cleaned)


class Namer:
    """Hands out unique names: a clash in letter case only (one file to Windows) gets ``~2``, ``~3`` …"""

    def __init__(self, prefix_units: int = 0) -> None:
        self.prefix_units = prefix_units
        self._taken: set[str] = set()

    def name(self, parts: Sequence[str]) -> str:
        path = safe_path(parts, self.prefix_units)
        folder, _, leaf = path.rpartition("/")
        stem, ext = _split_ext(leaf)
        candidate, n = path, 1
        while candidate.casefold() in self._taken:
            n += 1
            candidate = (folder + "/" if folder else "") + f"{stem}~{n}{ext}"
        self._taken.add(candidate.casefold())
        return candidate
