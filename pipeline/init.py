"""``lianzheng init``: make a new workspace folder an office clerk can start editing at once.

A workspace holds profile.toml, the roster workbook, inbox/ and outbox/. Without ``--from`` the
profile is a template for a small fictional institution that is valid as written and explains
every key in Chinese comments, so the clerk edits a working file instead of writing one from a
manual; the roster is an empty workbook with the headers, drop-down lists and text-formatted 工号.
With ``--from`` an existing profile and its roster are copied (checked first, so a broken source
leaves nothing behind). An existing profile.toml or roster is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path
from string import Template

from pipeline.errors import UsageError
from pipeline.forms import registry
from pipeline.profile import Profile, load_profile, load_roster
from pipeline.rosterbook import write_roster
from pipeline.workspace import Workspace

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# string.Template ($name) rather than str.format: TOML's inline tables are full of braces.
PROFILE_TEMPLATE = Template('''\
# ===========================================================================================
# 廉政风险防控工作 配置文件（profile.toml）
#
# 这是 lianzheng init 生成的配置骨架：一所虚构的“示例职业技术学院”。它可以直接运行，
# 请把其中的单位名称、人员、部门、日期和表格逐项改成本单位的实际情况，把“【……】”换成方案原文。
#
# 写法要点（TOML 格式）：
#   · 以 # 开头的行是说明，程序不读；
#   · 文字要加英文双引号，如 name = "教务处"；
#   · 日期写成 2024-05-01，不加引号；
#   · 列表写成 ["甲", "乙"]；[[departments]] 这样的双方括号表示“再加一项”。
# 改完后运行 lianzheng plan -w 本目录 检查：配置有误时会指出是哪一项、应当怎样改。
# ===========================================================================================

# 实施范围：写进实施方案“实施范围”一节。
scope = "学院各部门、各单位的全体工作人员，重点是人、财、物管理和招生、采购、基建等关键岗位。"

# 风险类别：查找风险的几个方面。表格按类别分行时（如“个人岗位廉政风险自查表”）每类一行。
categories = ["思想道德", "岗位职责", "业务流程", "制度机制", "外部环境"]

# 启用的校验规则（收回表格时检查）：
#   same_hand   一个部门的个人表格全由同一人填写；
#   copied_risk 同一部门三人以上的风险点一字不差；
#   vague_risk  风险点空泛、不具体，需退回重查。
rules = ["same_hand", "copied_risk", "vague_risk"]

# ---- 活动 ------------------------------------------------------------------------------------
[campaign]
code = "SLXY$year"                 # 活动代码：大写字母和数字，印在每张表格的编号里
year = $year
name = "廉政风险防控工作"

# ---- 机构 ------------------------------------------------------------------------------------
[institution]
name = "示例职业技术学院"          # 全称，写进标题和表格
short_name = "示例学院"            # 简称，用于文件名
kind = "college"                   # university 大学 / college 学院 / hospital 医院 / education_bureau 教育局 / other 其他

# ---- 公文格式（实施方案按 GB/T 9704-2012 排版）------------------------------------------------
[document]
kind = "plan"                      # plan 方案；issued_plan 印发通知加方案（有版头）；notice 通知
issuers = ["中共示例职业技术学院委员会", "示例职业技术学院"]   # 发文机关（红头），联合发文写多个
number = "示院党〔$year〕1号"       # 发文字号：年份用六角括号〔〕
issue_date = $year-03-01           # 成文日期
title = "示例职业技术学院廉政风险防控工作实施方案"
signature = ["中共示例职业技术学院委员会", "示例职业技术学院"]   # 落款
# 用印发通知加版头发文时，改 kind = "issued_plan"，并写出下面几项（去掉行首 #）：
# notice_title = "关于印发《示例职业技术学院廉政风险防控工作实施方案》的通知"
# addressees = "各部门、各单位"       # 主送机关
# cc = ["学院领导"]                   # 抄送
# printer = "示例职业技术学院党政办公室"   # 印发机关；写了才印版记
# print_date = $year-03-02           # 印发日期
# subject_words = []                 # 主题词：GB/T 9704-2012 已不用，旧格式的文件才写

# ---- 领导小组（组长、副组长、成员；title 是职务）------------------------------------------------
[leadership]
leaders = [{ name = "赵明远", title = "党委书记" }]
deputies = [{ name = "钱丽华", title = "院长" }, { name = "孙建国", title = "纪委书记" }]
members = [
  { name = "李晓东", title = "党政办公室主任" },
  { name = "周文静", title = "教务处处长" },
  { name = "吴海涛", title = "财务处处长" },
  { name = "郑春燕", title = "后勤处处长" },
]

# ---- 领导小组办公室 -------------------------------------------------------------------------
[office]
location = "纪委办公室"            # 办公室设在何处
director = { name = "冯志刚", title = "纪委办公室主任" }
members = [{ name = "陈雪梅", title = "纪委办公室干事" }]
phone = "0000-1234567"             # 联系电话，可删

# ---- 部门：每个部门一段 [[departments]] ----------------------------------------------------
# code 是部门代码（大写字母和数字，印在表格编号里）；name 要与名册“部门”一列完全一致；
# head 负责人，supervisor 分管领导，都会预填进表格。
[[departments]]
code = "DZB"
name = "党政办公室"
head = "李晓东"
supervisor = "赵明远"

[[departments]]
code = "JWC"
name = "教务处"
head = "周文静"
supervisor = "钱丽华"

[[departments]]
code = "CWC"
name = "财务处"
head = "吴海涛"
supervisor = "钱丽华"

[[departments]]
code = "HQC"
name = "后勤处"
head = "郑春燕"
supervisor = "孙建国"

# ---- 人员名册 -------------------------------------------------------------------------------
# 名册是本目录下的 Excel 文件，第一行表头：工号、姓名、部门、职务、岗位、层级、岗位职责。
# 层级只能是 领导班子、中层、一般工作人员（有的表格只发给某一层级）。
[roster]
file = "roster.xlsx"

# ---- 风险等级 -------------------------------------------------------------------------------
# labels 按“从高到低”写（最高的在前）。各地叫法不同：一级最高、三级最高、A/B/C、高/中/低都可以。
# definitions 写每一级的含义，写进实施方案；supervision（可删）写每一级由谁落实、谁监督。
# 岗位风险等级另有一套时，加 post_labels = ["A", "B", "C"] 和 post_rule = "……"。
[levels]
labels = ["一级", "二级", "三级"]
order_note = "根据风险发生的几率和危害程度，从高到低分为一级、二级、三级。"
[levels.definitions]
"一级" = "发生几率高，若发生可能触犯法律、构成犯罪的风险。"
"二级" = "发生几率较高，若发生可能违反党纪政纪、受到纪律处分的风险。"
"三级" = "发生几率较小，若发生可能造成不良影响或一定经济损失的风险。"
[levels.supervision]
"一级" = "由分管领导直接负责管理落实，主要领导负责监督。"
"二级" = "由部门负责人直接管理落实，分管领导负责监督。"
"三级" = "由岗位本人直接落实，部门负责人负责监督。"

# ---- 附件表格 -------------------------------------------------------------------------------
# forms 按附件顺序列出表格类型；label 是“附件”或“附表”。可用的表格类型：
$forms
# leadership_list = true 时，领导小组名单作为附件1印在方案之后，表格从附件2起编号（如种子 001）。
[annexes]
label = "附件"
forms = ["002-person-assessment", "002-unit-assessment", "002-person-measures", "002-unit-measures"]
leadership_list = false

# ---- 工作阶段：每个阶段一段 [[phases]] ------------------------------------------------------
# tasks 是本阶段的任务；due 是截止日期；forms 是该任务要交的表格（收表、催报按它计算期限）。
[[phases]]
name = "宣传动员阶段"
start = $year-03-01
end = $year-03-15
description = "召开动员大会，学习上级有关文件，统一思想认识，明确工作任务和方法步骤。"

[[phases]]
name = "查找评估风险阶段"
start = $year-03-16
end = $year-05-15
description = "个人对照岗位职责查找廉政风险点并评估定级，部门在个人查找的基础上集体讨论，排查评估部门风险。"
tasks = [
  { name = "个人填写《个人廉政风险排查评估表》报所在部门", due = $year-04-15, forms = ["002-person-assessment"] },
  { name = "部门填写《单位廉政风险排查评估表》报领导小组办公室", due = $year-05-15, forms = ["002-unit-assessment"] },
]

[[phases]]
name = "制定防控措施阶段"
start = $year-05-16
end = $year-06-30
description = "针对查找出的廉政风险点，个人提出防控措施意见和建议，部门集体讨论制定防控措施。"
tasks = [
  { name = "个人填写《个人廉政风险防控措施意见和建议表》", due = $year-06-10, forms = ["002-person-measures"] },
  { name = "部门填写《单位制定廉政风险防控措施表》", due = $year-06-30, forms = ["002-unit-measures"] },
]

[[phases]]
name = "考核完善阶段"
start = $year-07-01
end = $year-07-31
description = "检查防控措施落实情况，总结经验，修正完善风险点和防控措施。"

# ---- 方案正文 ---------------------------------------------------------------------------------
# 正文是本单位自己的话，程序不代写：把下面每个“【……】”换成本方案的原文。
#   preamble  开头一段：为什么开展、依据哪些上级文件（写全文件名称和文号，如《……》（×纪发〔$year〕×号）），
#             以“结合……实际，制定本方案。”收尾；
#   [[texts.sections]]  每一节一段，heading 是一级标题（程序按顺序编“一、二、……”），
#             body 是该节各段原文，段首的（一）、1.、（1）照写；
#             单独一段写 "{leadership}" 印领导小组名单，"{office}" 印办公室名单，"{phases}" 印下面各阶段。
#   各阶段的原文写在 [[phases]] 里：heading = "宣传动员阶段（3月1日—3月15日）"，body = ["……", "……"]；
#             不写 body 时，用 description 和 tasks 生成。
# 注意：只写本方案成文时已有的提法和文件。
[texts]
preamble = "【开头一段：目的、依据的上级文件名称和文号，结合本单位实际制定本方案】"

[[texts.sections]]
heading = "指导思想"
body = ["【本方案的指导思想】"]

[[texts.sections]]
heading = "工作目标"
body = ["【本方案的工作目标】"]

[[texts.sections]]
heading = "组织领导"
body = ["【成立领导小组的一段话，写明领导小组办公室设在何处、负责什么】", "（一）领导小组", "{leadership}",
        "（二）领导小组办公室", "{office}"]

[[texts.sections]]
heading = "方法步骤"
body = ["{phases}"]

[[texts.sections]]
heading = "工作要求"
body = ["（一）【第一条要求】", "（二）【第二条要求】"]
''')


_AUDIENCE = {"person": "每人一份", "department": "每部门一份", "institution": "全单位一份"}


def template_profile_text(year: int | None = None) -> str:
    """The commented template profile, dated in ``year`` (default: this year)."""
    forms = "\n".join(f"#   {d.id:<24} {d.title}（{_AUDIENCE[d.audience]}）"
                      for d in registry().values())
    return PROFILE_TEMPLATE.substitute(year=year or dt.date.today().year, forms=forms)



def init_workspace(directory: Path, from_profile: Path | None = None) -> Workspace:
    """Create DIR with profile.toml, the roster workbook, inbox/ and outbox/; refuse to overwrite."""
    directory = Path(directory)
    ws = Workspace(directory)
    if ws.profile_path.exists():
        raise UsageError("该目录已有 profile.toml，为免覆盖，没有做任何改动", path=ws.profile_path,
                         hint="换一个新目录，或先把原有的 profile.toml 移走")

    if from_profile is not None:
        source = Path(from_profile)
        profile = load_profile(source)  # a broken source stops here, before anything is written
        profile_text = source.read_text(encoding="utf-8")
        source_roster = source.resolve().parent / profile.roster.file
        people = load_roster(source_roster, profile, profile.roster.sheet) if source_roster.is_file() else None
    else:
        profile_text = template_profile_text()
        profile = Profile.model_validate(tomllib.loads(profile_text))
        source_roster, people = None, None

    roster = directory / profile.roster.file
    if roster.exists():
        raise UsageError(f"该目录已有名册 {profile.roster.file}，为免覆盖，没有做任何改动", path=roster,
                         hint="换一个新目录，或先把原有名册移走，建好工作区后再放回")

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "inbox").mkdir(exist_ok=True)
    (directory / "outbox").mkdir(exist_ok=True)
    roster.parent.mkdir(parents=True, exist_ok=True)
    if people is not None:
        shutil.copyfile(source_roster, roster)
    else:
        write_roster(roster, [], [d.name for d in profile.departments])
    # profile.toml last: its presence is what makes the folder a workspace.
    ws.profile_path.write_text(profile_text, encoding="utf-8")
    return ws

