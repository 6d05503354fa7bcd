"""The README's exit-code tables say what ``ExitCode`` says, and every error class uses the enum."""

from __future__ import annotations

import re

from conftest import REPO

from pipeline import errors
from pipeline.errors import ExitCode


def _readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def test_chinese_table_matches_the_enum() -> None:
    line = next(ln for ln in _readme().splitlines() if ln.startswith("退出码："))
    pairs = dict(re.findall(r"(\d+) ([^；。]+)", line.removeprefix("退出码：")))
    assert {int(k): v for k, v in pairs.items()} == {c.value: c.zh for c in ExitCode}


def test_english_table_names_every_code() -> None:
    text = _readme()
    block = text[text.index("Exit codes ("):]
    block = block[:block.index("\n\n")]
    assert sorted(int(n) for n in re.findall(r"(?:^|; |: |\n)(\d+) ", block)) == sorted(c.value for c in ExitCode)


def test_every_error_class_exits_with_an_enum_member() -> None:
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.LianzhengError)]
    assert len(classes) >= 9
    for cls in classes:
        assert isinstance(cls.exit_code, ExitCode), cls
