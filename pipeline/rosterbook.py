"""Writing roster workbooks: the empty one ``init`` hands out, and fictional ones for examples.

The office fills the roster in Excel, so the workbook it gets carries the right headers, a frozen
header row, filters, drop-down lists for 部门 and 层级, and text-formatted 工号 (so Excel does not
eat leading zeros).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.profile import ROSTER_COLUMNS, TIERS, Profile, StaffMember
from pipeline.report.xlsx import append_row, assign

#: Column widths by the staff record's field (headings in ``roster.toml``).
WIDTHS = {"staff_id": 10, "name": 10, "department": 16, "position": 16, "post": 18, "tier": 12, "duty": 60}


def write_roster(path: Path, people: Iterable[StaffMember], departments: Sequence[str], rows_with_lists: int = 2000) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "名册"
    headers = list(ROSTER_COLUMNS)
    append_row(ws, headers)
    for cell in ws[1]:
        cell.font = Font(bold=True, name="宋体")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
    for p in people:
        append_row(ws, [p.staff_id, p.name, p.department, p.position, p.post, p.tier, p.duty])
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = WIDTHS[ROSTER_COLUMNS[h]]
    for row in ws.iter_rows(min_row=2, max_col=1):
        for cell in row:
            cell.number_format = "@"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:G{max(ws.max_row, 2)}"
    # Lists for 部门 and 层级 live on a hidden sheet: an inline list is limited to 255 characters.
    lists = wb.create_sheet("选项")
    for i, name in enumerate(departments, start=1):
        assign(lists.cell(i, 1), name)
    for i, tier in enumerate(TIERS, start=1):
        assign(lists.cell(i, 2), tier)
    lists.sheet_state = "hidden"
    heading = {field: h for h, field in ROSTER_COLUMNS.items()}
    for col, ref, title in (("C", f"选项!$A$1:$A${max(len(departments), 1)}", heading["department"]),
                            ("F", f"选项!$B$1:$B${len(TIERS)}", heading["tier"])):
        dv = DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=True,
                            errorTitle=f"{title}不对", error=f"请从下拉列表中选择{title}")
        dv.add(f"{col}2:{col}{rows_with_lists}")
        ws.add_data_validation(dv)
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


# --- fictional staff -------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
GIVEN = "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂英华玉兰萍红建国志云峰波宁鹏辉俊晓燕琳雪梅海林斌亮健飞凯浩宇欣怡佳琪晨阳子涵思远文博嘉新春秋冬"
POSTS = {
    "领导班子": ("分管领导", "负责分管部门的全面工作，参与“三重一大”事项集体决策，落实分管范围内党风廉政建设“一岗双责”。"),
    "中层": ("部门负责人", "主持本部门日常工作，组织制定并执行部门工作计划，审核本部门经费支出和人员考核，落实本部门廉政风险防控责任。"),
    "一般工作人员": ("业务经办", "按照岗位分工办理本部门具体业务，做好材料审核、数据统计、档案管理等工作，执行廉洁从业各项规定。"),
}


def synthetic_roster(profile: Profile, count: int, seed: int = 1) -> list[StaffMember]:
    """``count`` fictional staff spread over the profile's departments; heads are 中层."""
    rng = random.Random(seed)
    names: set[str] = set()

    def fresh_name() -> str:
        while True:
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            if name not in names:
                names.add(name)
                return name

    people: list[StaffMember] = []
    departments = profile.departments
    for i in range(count):
        dept = departments[i % len(departments)]
        first_of_dept = i < len(departments)
        if first_of_dept and dept.head:
            name, tier = dept.head, "中层"
            names.add(name)
        else:
            name = fresh_name()
            tier = "中层" if rng.random() < 0.12 else "一般工作人员"
        post, duty = POSTS[tier]
        position = {"中层": f"{dept.name}副职" if not first_of_dept else f"{dept.name}负责人",
                    "一般工作人员": rng.choice(("科员", "主任科员", "办事员", "专业技术人员"))}[tier]
        people.append(StaffMember(staff_id=f"{1001 + i}", name=name, department=dept.name, position=position,
                                  post=f"{dept.name}{post}", tier=tier, duty=duty))
    # A few of the leadership group sit in the roster too, so tiered forms (001) have a 领导班子 subject.
    leaders = [*profile.leadership.leaders, *profile.leadership.deputies][: max(1, min(3, count // 30))]
    post, duty = POSTS["领导班子"]
    for j, leader in enumerate(leaders):
        slot = people[len(departments) + j]  # never a department head
        people[len(departments) + j] = StaffMember(
            staff_id=slot.staff_id, name=leader.name, department=slot.department,
            position=leader.title or "领导班子成员", post=post, tier="领导班子", duty=duty)
    return people
