"""User text on a terminal: shown as it is written, never read as markup or as terminal commands.

File names, typed risk text and reasons come from other people's files. Before they reach a rich
console they lose terminal control sequences (ESC sequences could recolour, retitle or clear the
terminal; other C0/C1 control characters garble the line) and have rich's markup escaped, so a
name such as ``附件[/]张三.docx`` prints exactly so instead of raising a markup error. Characters
that cannot be encoded (lone surrogates left by undecodable file names) are shown as ``\\xNN``.
"""

from __future__ import annotations

import re

from rich.markup import escape

# CSI / OSC / other ESC sequences first (so their parameters go with them), then any C0/C1 control
# character except tab and newline.
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: object) -> str:
    """``text`` without terminal control sequences, safe to print with click or print()."""
    s = str(text if text is not None else "")
    s = s.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates → \udcxx text
    s = _ESCAPES.sub("", s)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", s)


def shown(text: object) -> str:
    """``text`` safe to print through rich: control sequences removed, markup escaped."""
    return escape(plain(text))
