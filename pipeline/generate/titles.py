"""Breaking an official document's title into lines the way GB/T 9704-2012 7.3.1 asks.

Used by every document with a centred title (the plan, the notices), so it lives apart from them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Characters of 2号 title per line: 156 mm of text width at 22 pt.
TITLE_CHARS = 20
#: Words a title line should not be broken inside (GB/T 9704-2012 7.3.1: 回行时词意完整).
_WORDS = ("关于", "印发", "廉政", "风险", "防控", "试点", "工作", "方案", "实施", "通知", "学院", "学校",
          "医院", "委员会", "管理", "机制", "建设", "教育", "体育", "系统", "岗位", "廉能", "防范", "领导",
          "小组", "名单", "风险岗位", "廉能管理", "廉政风险", "风险防控", "防范管理", "清权确权", "风险查找",
          "实施方案", "工作方案", "领导小组", "教体系统", "人民医院", "职业技术学院", "专科学校", "识别", "排查",
          "登记", "承诺", "承诺书", "监管", "评估", "措施", "目录", "流程图", "一览表", "防控表", "登记表")
_NO_LINE_START = "》）」』〕，、。；：！？的"
_NO_LINE_END = "《（「『〔"


def break_title(title: str, per_line: int = TITLE_CHARS, words: Sequence[str] = ()) -> str:
    """Break a long title into balanced lines, upper lines no shorter (梯形), words kept whole.

    Word and LibreOffice would break at the last character that fits, which can split a word
    (“试点工 / 作方案”); the standard asks for meaningful, symmetric lines, so the breaks are
    chosen here and sent as line breaks.
    """
    if len(title) <= per_line:
        return title
    lines_needed = math.ceil(len(title) / per_line)
    target = math.ceil(len(title) / lines_needed)
    inside = set()
    for word in (*_WORDS, *words):
        start = title.find(word)
        while start >= 0:
            inside.update(range(start + 1, start + len(word)))
            start = title.find(word, start + 1)

    def cost(i: int) -> float:
        c = abs(i - target) + (0.5 if i < target else 0)  # prefer the upper line longer
        if i in inside:
            c += 20  # GB/T 9704-2012 7.3.1: a word is never split (风险|岗位 yes, 风险岗|位 no)
        if title[i] in _NO_LINE_START or title[i - 1] in _NO_LINE_END:
            c += 10
        if title[i] == "《" or title[i - 1] in "》、，":
            c -= 1
        return c

    candidates = range(max(1, target - 5), min(per_line, len(title) - 1) + 1)
    cut = min(candidates, key=cost)
    return title[:cut] + "\n" + break_title(title[cut:], per_line, words)
