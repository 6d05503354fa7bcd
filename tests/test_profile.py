"""Bundled profiles load with their rosters; broken profiles and rosters stop with exit code 2 and
a Chinese message naming the file, the key or row, and the fix."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.errors import ProfileError
from pipeline.forms import registry
from pipeline.workspace import Workspace

from tests.conftest import PROFILES, bundled_profiles, make_workspace

EXPECTED = {
    "000-ccmc": ("长春医学高等专科学校", 120, ["一级", "二级", "三级"]),
    "001-zcjt": ("淄川区教体系统", 300, ["一级", "二级", "三级"]),
    "002-qztc": ("泉州师范学院", 84, ["三级", "二级", "一级"]),
    "003-gzwy": ("赣州市第五人民医院", 150, ["A", "B", "C"]),
    "004-hfzy": ("合肥职业技术学院", 60, ["高", "中", "低"]),
}


def test_five_bundled_profiles() -> None:
    assert bundled_profiles() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bundled_profile_loads_with_roster(name: str) -> None:
    ws = Workspace(PROFILES / name)
    profile, roster = ws.profile, ws.roster
    institution, count, levels = EXPECTED[name]
    assert profile.institution.name == institution
    assert profile.levels.labels == levels
    assert 30 <= len(roster) <= 300 and len(roster) == count
    assert int((PROFILES / name / "roster.count").read_text()) == count
    per_department = Counter(p.department for p in roster)
    assert set(per_department) == {d.name for d in profile.departments}
    assert 8 <= len(profile.departments) <= 15 or name == "002-qztc"
    assert len({p.staff_id for p in roster}) == len(roster)
    # Every annex form of the seed is listed, and every task's form is one of the annexes.
    seed = name[:3]
    assert sorted(profile.annexes.forms) == sorted(f for f in registry() if f.startswith(seed))
    for phase in profile.phases:
        for task in phase.tasks:
            assert set(task.forms) <= set(profile.annexes.forms)
    assert all(p.start <= p.end for p in profile.phases)
    assert [p.start for p in profile.phases] == sorted(p.start for p in profile.phases)
    due = {f for p in profile.phases for t in p.tasks for f in t.forms}
    assert due == set(profile.annexes.forms), "every form has a deadline"


def test_seed_specifics() -> None:
    zcjt = Workspace(PROFILES / "001-zcjt")
    assert zcjt.profile.institution.kind == "education_bureau"
    assert zcjt.profile.levels.post_labels == ["A", "B", "C"] and zcjt.profile.levels.post_rule
    tiers = Counter(p.tier for p in zcjt.roster)
    assert tiers["领导班子"] >= 1 and tiers["中层"] >= 1 and tiers["一般工作人员"] >= 1
    gzwy = Workspace(PROFILES / "003-gzwy").profile
    assert gzwy.institution.kind == "hospital"
    assert set(gzwy.levels.supervision) == {"A", "B", "C"}
    assert "一级" in gzwy.levels.definitions["A"] and "分管领导" in gzwy.levels.supervision["A"]
    assert gzwy.categories == ["岗位职责风险", "业务流程风险", "制度机制风险", "外部环境风险"]
    ccmc = Workspace(PROFILES / "000-ccmc").profile
    assert ccmc.document.number == "长医专纪〔2016〕3号"
    assert len(ccmc.categories) == 6 and "工作效率" in ccmc.categories
    assert "same_hand" in Workspace(PROFILES / "004-hfzy").profile.rules


# --- broken profiles -------------------------------------------------------------------------

def _broken(tmp_path: Path, old: str, new: str) -> Workspace:
    ws = make_workspace(tmp_path)
    text = ws.profile_path.read_text(encoding="utf-8")
    assert old in text
    ws.profile_path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return ws


@pytest.mark.parametrize(("old", "new", "expected"), [
    # missing key
    ('scope = "试点单位', 'remark = "试点单位', ["键 scope", "缺少此项", "不认识此项"]),
    # wrong type
    ("year = 2012", 'year = "二〇一二年"', ["键 campaign.year", "应为整数", "二〇一二年"]),
    # bad date: a string that is no date, and a day that does not exist
    ("issue_date = 2012-05-26", 'issue_date = "2012年5月26日"', ["键 document.issue_date", "2024-05-01"]),
    ("end = 2012-06-10", "end = 2012-06-31", ["第 ", " 行", "日期无效", "end = 2012-06-31"]),
    # phase ending before it starts
    ("end = 2012-06-10", "end = 2012-05-01", ["phases（第 1 个）", "早于开始日期"]),
    # unknown form type, with a suggestion
    ('forms = ["002-person-assessment"] }', 'forms = ["002-person-assesment"] }',
     ["phases（第 2 个阶段“排查廉政风险”）.tasks（第 1 项）.forms", "002-person-assesment", "是不是 002-person-assessment"]),
    ('forms = ["002-person-assessment", "002-unit', 'forms = ["002-personal", "002-unit', ["annexes.forms", "002-personal"]),
    # wrong document number, duplicate department code, unknown level in a definition
    ('number = "泉师院监〔2012〕5号"', 'number = "泉师院监2012-5"', ["document.number", "六角括号"]),
    ('code = "RSC"', 'code = "ZZB"', ["部门代码重复", "ZZB"]),
    ('"二级" = "产生', '"2级" = "产生', ["levels.definitions", "2级"]),
    # a rule the program does not have
    ('rules = ["same_hand", "copied_risk", "vague_risk"]', 'rules = ["same_hand", "vauge_risk"]',
     ["键 rules", "vague_risk"]),
    # broken TOML
    ("year = 2012", "year = 2012 年", ["TOML 格式错误", "第 ", "year = 2012 年"]),
])
def test_broken_profile(tmp_path: Path, old: str, new: str, expected: list[str]) -> None:
    ws = _broken(tmp_path, old, new)
    with pytest.raises(ProfileError) as info:
        ws.profile
    message = str(info.value)
    assert info.value.exit_code == 2
    assert str(ws.profile_path) in message and "处理办法" in message
    for fragment in expected[:2]:
        assert fragment in message, message
    assert any(fragment in message for fragment in expected[2:]) or len(expected) <= 2, message


def test_missing_profile(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="lianzheng init") as info:
        Workspace(tmp_path).profile
    assert info.value.exit_code == 2


# --- broken rosters --------------------------------------------------------------------------

def _edit_roster(ws: Workspace, edit) -> None:
    wb = load_workbook(ws.root / "roster.xlsx")
    edit(wb.worksheets[0])
    wb.save(ws.root / "roster.xlsx")


def test_roster_missing_column(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    _edit_roster(ws, lambda sheet: sheet.delete_cols(5))  # 岗位
    with pytest.raises(ProfileError) as info:
        ws.roster
    message = str(info.value)
    assert info.value.exit_code == 2
    assert "roster.xlsx" in message and "缺少列：岗位" in message and "第一行应为表头" in message


def test_roster_unknown_department(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    _edit_roster(ws, lambda sheet: sheet.cell(7, 3, "图书馆"))
    with pytest.raises(ProfileError) as info:
        ws.roster
    message = str(info.value)
    assert info.value.exit_code == 2
    assert "roster.xlsx" in message and "第 7 行" in message and "图书馆" in message
    assert "组织部" in message  # the fix lists the valid departments


def test_roster_duplicate_staff_id(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    first = {}

    def duplicate(sheet) -> None:
        first["id"] = sheet.cell(2, 1).value
        sheet.cell(9, 1, first["id"])

    _edit_roster(ws, duplicate)
    with pytest.raises(ProfileError) as info:
        ws.roster
    message = str(info.value)
    assert info.value.exit_code == 2
    assert f"工号 {first['id']}" in message and "第 9 行" in message and "第 2 行重复" in message


def test_roster_bad_tier_names_column(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    _edit_roster(ws, lambda sheet: sheet.cell(4, 6, "处级"))
    with pytest.raises(ProfileError) as info:
        ws.roster
    message = str(info.value)
    assert "第 4 行" in message and "“层级”列" in message and "处级" in message and "领导班子" in message


def test_roster_missing_file(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    (ws.root / "roster.xlsx").unlink()
    with pytest.raises(ProfileError, match="找不到人员名册") as info:
        ws.roster
    assert info.value.exit_code == 2


def test_profile_error_through_cli(tmp_path: Path) -> None:
    """A command that loads the profile exits with 2 and prints the Chinese message, no traceback."""
    from click.testing import CliRunner

    from pipeline.cli import main

    ws = _broken(tmp_path, "year = 2012", 'year = "二〇一二年"')
    result = CliRunner().invoke(main, ["plan", "-w", str(ws.root), "--no-pdf"])
    assert result.exit_code == 2, result.output
    assert "campaign.year" in result.output and "Traceback" not in result.output
    assert not (ws.outbox / "plan").exists() or not any((ws.outbox / "plan").iterdir())
