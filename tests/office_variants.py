"""Forms as offices really retype them: wording written from the seeds and office practice, not
from the definitions.

The rest of the corpus (make_corpus.py) prints the labels and synonyms the definitions already
know, so it can only measure what the parser was written for. These variants were written down
before reading the definitions' synonym lists, from the seeds' own wording (风险点 / 风险名称 /
风险内容及表现形式 / 风险等级 / 防控措施, 科室, 岗位, 2012年度…) and from how Chinese offices commonly
retitle a column when they retype a form in Word:

- risk point: 廉政风险点, 风险点名称, 主要风险点, 风险点, 风险事项
- description: 具体表现, 风险描述, 风险表现, 主要表现形式
- level: 风险级别, 等级评定, 等级, 风险等级（一、二、三级）
- measures: 防范措施, 预防措施, 防控办法, 主要防控措施
- review: 审核意见, 科室审核意见, 部门意见
- header: 部门 / 所在部门 / 科室 / 单位（部门）, 岗位 / 岗位名称 / 职务（岗位）, 填表日期 / 日期 / 填报时间
- 序号 written 编号 or 排序; titles with the year or the institution name before them; a 填表说明 or
  a signature line under the table; category cells merged down the rows (003).

They are scored as their own group and the parser is not tuned to them: their score is what an
unseen office layout gets today.
"""

from __future__ import annotations

from pathlib import Path

from make_corpus import NOTE_002, Case, _d, _fix_expected, risks, write_case

L3 = ["三级", "二级", "一级"]  # 002's note: 从低到高依次分为一级、二级、三级
ABC = ["A", "B", "C"]
SIGN = "填表人（签字）：                    部门负责人（签字）：                    年    月    日"


def variants() -> list[Case]:
    return [
        Case("ov-002-person-year-title", "002-person-assessment", "泉州师范学院2012年度个人廉政风险排查评估表",
             {"unit": "组织部", "name": "郑晓东", "position": "部长", "date": _d("2012-06-20")},
             risks([0, 7, 4], [("三级", "high"), ("二级", "medium"), ("一级", "low")]), L3,
             ["编号", "廉政风险点", "具体表现", "风险级别", "审核意见"], ["seq", "name", "description", "level", "review"],
             lines_before=["附件1", "泉州师范学院2012年度个人廉政风险排查评估表",
                           "部门：组织部        姓名：郑晓东        职务：部长        填表日期：2012年6月20日"],
             lines_after=[NOTE_002, "填表说明：本表一式两份，本人留存一份，交纪委办一份。"]),
        Case("ov-002-person-dept-post", "002-person-assessment", "个人廉政风险排查评估表",
             {"unit": "人事处", "name": "王丽华", "position": "处长", "date": _d("2012-06-28")},
             risks([2, 3, 8], [("二级", "medium"), ("三级", "high"), ("一级", "low")]), L3,
             ["序号", "主要风险点", "风险描述", "等级评定", "部门意见"], ["seq", "name", "description", "level", "review"],
             lines_before=["个人廉政风险排查评估表",
                           "所在部门：人事处    姓名：王丽华    岗位：处长    日期：2012-06-28"],
             lines_after=[NOTE_002, SIGN]),
        Case("ov-002-person-unit-paren", "002-person-assessment", "2012年个人廉政风险排查评估表",
             {"unit": "财务处", "name": "张雅琴", "position": "会计", "date": _d("2012-06-25")},
             risks([8, 9], [("二级", "medium"), ("三级", "high")]), L3,
             ["排序", "风险点名称", "主要表现形式", "风险等级（一、二、三级）", "科室审核意见"],
             ["seq", "name", "description", "level", "review"],
             lines_before=["2012年个人廉政风险排查评估表",
                           "单位（部门）：财务处   姓名：张雅琴   职务（岗位）：会计   填报时间：2012年6月25日"],
             lines_after=[NOTE_002], blank_rows=1, ellipsis_row=False),
        Case("ov-002-person-duty", "002-person-assessment", "个人廉政风险排查评估表",
             {"unit": "科研处", "name": "郝刚", "position": "科长", "date": _d("2012-06-22")},
             risks([2, 1], [("三级", "high"), ("二级", "medium")]), L3,
             ["岗位职责", "编号", "风险事项", "风险表现", "等级", "审核意见"],
             ["duty", "seq", "name", "description", "level", "review"],
             duty="负责科研项目申报、经费管理与成果登记", duty_column=True,
             lines_before=["个人廉政风险排查评估表", "科室：科研处  姓名：郝刚  岗位名称：科长  2012年6月22日"],
             lines_after=[NOTE_002]),
        Case("ov-003-person-merged-cats", "003-person-control", "赣州市第五人民医院岗位廉政风险识别防控表",
             {"unit": "药剂科", "name": "刘海燕", "position": "药师", "date": _d("2017-07-03")},
             risks([8, 1, 6], [("A级", "high"), ("B级", "medium"), ("C级", "low")],),
             ABC, ["风险类别", "风险点", "风险等级", "防范措施"], ["category", "name", "level", "measures"],
             category_rows=["岗位职责", "业务流程", "制度机制", "外部环境"],
             lines_before=["赣州市第五人民医院岗位廉政风险识别防控表",
                           "科室：药剂科      姓名：刘海燕      岗位名称：药师      填表日期：2017年7月3日"],
             lines_after=["注：风险等级按A、B、C三级填写，A级为最高。", SIGN]),
        Case("ov-003-person-short-labels", "003-person-control", "个人岗位廉政风险识别防控表",
             {"unit": "财务科", "name": "黄志明", "position": "出纳", "date": _d("2017-07-05")},
             risks([8, 5, 9], [("A", "high"), ("B", "medium"), ("C", "low")]),
             ABC, ["类别", "廉政风险点", "等级", "预防措施"], ["category", "name", "level", "measures"],
             category_rows=["岗位职责", "业务流程", "思想道德"],
             lines_before=["个人岗位廉政风险识别防控表",
                           "所在科室：财务科    姓名：黄志明    岗位：出纳    日期：2017.7.5"]),
        Case("ov-002-unit-measures", "002-unit-measures", "后勤管理处廉政风险防控措施表",
             {"unit": "后勤管理处", "name": None, "position": None, "date": _d("2012-11-26")},
             risks([5, 1, 6], [(None, None)] * 3), [],
             ["编号", "风险点", "主要防控措施", "备注"], ["seq", "name", "measures", "remark"],
             lines_before=["后勤管理处廉政风险防控措施表", "部门（盖章）：后勤管理处          填表日期：2012年11月26日"],
             lines_after=["说明：防控措施应具体、可操作，逐条列明。"]),
    ]


def build_office_variants(out: Path) -> list[Path]:
    """Write each variant as .docx with its .expected.json beside it (as make_corpus does)."""
    import json

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for case in variants():
        path = out / f"{case.name}.docx"
        write_case(case, path)
        expected = _fix_expected(case, case.expected())
        (out / f"{case.name}.expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1),
                                                       encoding="utf-8")
        paths.append(path)
    return paths
