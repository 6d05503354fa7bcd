"""User text prints as written: no markup read, no terminal sequences passed through."""

from __future__ import annotations

import io

from rich.console import Console

from pipeline.terminal import plain, shown


def _printed(text: str) -> str:
    out = io.StringIO()
    Console(file=out, force_terminal=False, width=200).print(shown(text))
    return out.getvalue().rstrip("\n")


def test_markup_in_a_file_name_prints_as_written() -> None:
    assert _printed("附件[/]张三.docx") == "附件[/]张三.docx"
    assert _printed("[bold red]假冒[/]通知.docx") == "[bold red]假冒[/]通知.docx"


def test_escape_sequences_are_removed_and_controls_shown() -> None:
    hostile = "a\x1b[2J\x1b]0;owned\x07b\x1b[31mc\x00d\x9be"
    assert plain(hostile) == "abc\\x00d"  # the 8-bit CSI "\x9be" is a whole sequence too
    assert "\x1b" not in plain(hostile) and "\x00" not in plain(hostile)
    assert plain("第一行\n\t第二行") == "第一行\n\t第二行"


def test_undecodable_name_is_shown_not_raised() -> None:
    name = b"\xd5\xc5\xc8\xfd.docx".decode("utf-8", "surrogateescape")  # GBK bytes of 张三
    text = plain(name)
    text.encode("utf-8")  # printable
    assert text.endswith(".docx") and "\\udcd5" in text
