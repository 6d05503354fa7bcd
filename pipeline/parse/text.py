"""Text cleanup for what users type into Word/WPS and what PDF text layers give back.

Blanket NFKC would turn the full-width punctuation Chinese readers expect (，：（）) into ASCII,
so only the code points that are *never* wanted as typed are folded: full-width letters and
digits, Kangxi radicals and CJK compatibility ideographs (PDF fonts emit them for ordinary
characters such as ⾦ for 金), the ideographic space and no-break spaces. Spaces between two
Han characters are removed ("张 三" → "张三", "一 级" → "一级"); other spaces collapse to one.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_HAN = r"\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_SPACE_RE = re.compile(rf"(?<=[{_HAN}])[ \t]+(?=[{_HAN}])")
_SPACES_RE = re.compile(r"[ \t]+")
#: "1. 严格…" and Word's list number "1.<tab>严格…" read the same: "1.严格…".
_MARKER_SPACE_RE = re.compile(rf"^((?:\d{{1,2}}[.．、]|[（(]\d{{1,2}}[)）]|[①-⑳])) +(?=[{_HAN}])")
_BLANK_LINES_RE = re.compile(r"\n\s*\n+")


def _fold_table() -> dict[int, str]:
    """Code point → replacement for the ranges folded with NFKC; built once."""
    table: dict[int, str] = {}
    ranges = [
        (0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A),  # full-width digits and letters
        (0x2F00, 0x2FDF), (0x2E80, 0x2EFF),  # Kangxi radicals, CJK radicals supplement
        (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),  # CJK compatibility ideographs
    ]
    for lo, hi in ranges:
        for cp in range(lo, hi + 1):
            folded = unicodedata.normalize("NFKC", chr(cp))
            if folded != chr(cp):
                table[cp] = folded
    for cp in (0x3000, 0x00A0, 0x2002, 0x2003, 0x2009, 0x200A, 0x202F):
        table[cp] = " "
    for cp in (0x200B, 0x200C, 0x200D, 0xFEFF, 0x00AD):  # zero-width and soft hyphen
        table[cp] = ""
    table[0x0D] = "\n"
    table[0x0B] = "\n"  # Word's vertical tab line break in pasted text
    return table


_FOLD = _fold_table()


@functools.lru_cache(maxsize=1 << 13)
def clean(text: str | None) -> str:
    """Fold, trim every line, drop blank lines, remove spaces between Han characters (remembered:
    a form's printed labels and notes are cleaned in every return)."""
    if not text:
        return ""
    text = text.translate(_FOLD)
    lines = []
    for line in text.split("\n"):
        if " " in line or not line.isprintable():  # else no space of any kind: nothing to trim or join
            line = _MARKER_SPACE_RE.sub(r"\1", _SPACES_RE.sub(" ", _HAN_SPACE_RE.sub("", line)).strip())
        if line:
            lines.append(line)
    return "\n".join(lines)


@functools.lru_cache(maxsize=1 << 14)
def squash(text: str | None) -> str:
    """Cleaned text with every whitespace removed: the key labels are compared by. Remembered:
    titles and notes are squashed for every definition they are compared with."""
    if not text:
        return ""
    return _WHITESPACE_RE.sub("", text.translate(_FOLD))


_WHITESPACE_RE = re.compile(r"\s+")


_LABEL_PUNCT_RE = re.compile(r"[\s:：()（）\[\]【】〔〕<>《》\"'“”‘’、,，.。*＊_—\-]")


def label_key(text: str | None) -> str:
    """A header label reduced for matching: no whitespace, brackets or colons ("职 务：" → "职务")."""
    if not text:
        return ""
    return _LABEL_PUNCT_RE.sub("", text.translate(_FOLD))


_PLACEHOLDER_RE = re.compile(r"^[\s.。…·\-—_/／\\、,，]*$")


def is_placeholder(text: str | None) -> bool:
    """Blank, or only dots/ellipses/dashes: the "……" rows templates print for "and so on"."""
    return not text or bool(_PLACEHOLDER_RE.match(text))
