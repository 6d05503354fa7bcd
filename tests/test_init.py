"""``lianzheng init``: a new workspace that loads as-is, a copy of a bundled profile, no overwrites."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.forms import registry
from pipeline.init import template_profile_text
from pipeline.profile import ROSTER_COLUMNS
from pipeline.workspace import Workspace
from tests.conftest import PROFILES


def _init(*args: str):
    return CliRunner().invoke(main, ["init", *args])


def test_init_template_workspace(tmp_path: Path) -> None:
    target = tmp_path / "新工作区"
    result = _init(str(target))
    assert result.exit_code == 0, result.output
    assert "已建立工作区" in result.output
    assert (target / "inbox").is_dir() and (target / "outbox").is_dir()

    ws = Workspace(target)
    profile = ws.profile  # the commented template validates as written
    assert profile.institution.name == "示例职业技术学院"
    assert ws.roster == []
    text = ws.profile_path.read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert len(comments) > 40 and all(re.search(r"[\u4e00-\u9fff]|^#\s*[=-]*$", c) for c in comments)
    for form_id in registry():  # the list of form types the clerk can choose from
        assert f"#   {form_id}" in text

    wb = load_workbook(target / "roster.xlsx")
    sheet = wb.worksheets[0]
    assert [c.value for c in sheet[1]] == list(ROSTER_COLUMNS)
    assert sheet.max_row == 1
    lists = wb["选项"]
    assert [lists.cell(i + 1, 1).value for i in range(len(profile.departments))] == [d.name for d in profile.departments]
    formulas = sorted(dv.formula1 for dv in sheet.data_validations.dataValidation)
    assert any("选项!$A$1" in f for f in formulas) and any("选项!$B$1" in f for f in formulas)


def test_template_dates_follow_the_year() -> None:
    text = template_profile_text(2031)
    assert 'number = "示院党〔2031〕1号"' in text and "start = 2031-03-01" in text and "$" not in text


def test_init_from_bundled_profile(tmp_path: Path) -> None:
    target = tmp_path / "ws"
    source = PROFILES / "001-zcjt" / "profile.toml"
    result = _init(str(target), "--from", str(source))
    assert result.exit_code == 0, result.output
    assert (target / "profile.toml").read_text(encoding="utf-8") == source.read_text(encoding="utf-8")
    ws = Workspace(target)
    assert ws.profile.institution.name == "淄川区教体系统"
    assert len(ws.roster) == 300
    assert (target / "roster.xlsx").read_bytes() == (PROFILES / "001-zcjt" / "roster.xlsx").read_bytes()


def test_init_from_profile_without_roster(tmp_path: Path) -> None:
    """A profile whose roster is not beside it gets an empty roster with its own departments."""
    source_dir = tmp_path / "src"
    source_dir.mkdir()
    (source_dir / "profile.toml").write_text((PROFILES / "004-hfzy" / "profile.toml").read_text(encoding="utf-8"),
                                             encoding="utf-8")
    result = _init(str(tmp_path / "ws"), "--from", str(source_dir / "profile.toml"))
    assert result.exit_code == 0, result.output
    ws = Workspace(tmp_path / "ws")
    assert ws.roster == []
    lists = load_workbook(ws.root / "roster.xlsx")["选项"]
    assert lists.cell(1, 1).value == ws.profile.departments[0].name


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "ws"
    assert _init(str(target)).exit_code == 0
    (target / "profile.toml").write_text("# 我改过的配置\n", encoding="utf-8")
    result = _init(str(target), "--from", str(PROFILES / "002-qztc" / "profile.toml"))
    assert result.exit_code == 2
    assert "profile.toml" in result.output and "没有做任何改动" in result.output
    assert (target / "profile.toml").read_text(encoding="utf-8") == "# 我改过的配置\n"


def test_init_keeps_an_existing_roster(tmp_path: Path) -> None:
    target = tmp_path / "ws"
    target.mkdir()
    (target / "roster.xlsx").write_bytes(b"mine")
    result = _init(str(target))
    assert result.exit_code == 2 and "roster.xlsx" in result.output
    assert (target / "roster.xlsx").read_bytes() == b"mine"
    assert not (target / "profile.toml").exists()


def test_init_from_broken_profile_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "bad.toml"
    source.write_text((PROFILES / "002-qztc" / "profile.toml").read_text(encoding="utf-8")
                      .replace("year = 2012", 'year = "2012年"'), encoding="utf-8")
    target = tmp_path / "ws"
    result = _init(str(target), "--from", str(source))
    assert result.exit_code == 2
    assert "bad.toml" in result.output and "campaign.year" in result.output
    assert not target.exists()


@pytest.mark.parametrize("name", ["000-ccmc", "003-gzwy"])
def test_api_init_returns_workspace(tmp_path: Path, name: str) -> None:
    from pipeline import api

    ws = api.init_workspace(tmp_path / name, PROFILES / name / "profile.toml")
    assert isinstance(ws, Workspace) and ws.root == (tmp_path / name).absolute()
    assert len(ws.roster) == int((PROFILES / name / "roster.count").read_text())
