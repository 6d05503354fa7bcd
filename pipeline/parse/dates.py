"""Dates as offices write them: 2012年6月20日, 2012.6.20, 2012-06-20, 2012/6/20, 二〇一二年六月二十日."""

from __future__ import annotations

import datetime as dt
import functools
import re

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "o": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "〇○零Ｏ一二三四五六七八九十"

_NUMERIC_RE = re.compile(r"(\d{4})\s*(?:年|[./\-．／－])\s*(\d{1,2})\s*(?:月|[./\-．／－])\s*(\d{1,2})\s*日?")
_CHINESE_RE = re.compile(rf"([{_CN}Oo]{{4}})\s*年\s*([{_CN}]{{1,3}})\s*月\s*([{_CN}]{{1,3}})\s*日")


def _cn_number(s: str) -> int:
    """二十 → 20, 十二 → 12, 三十一 → 31, 六 → 6; year digits one by one (二〇一二 → 2012)."""
    if "十" not in s:
        n = 0
        for ch in s:
            n = n * 10 + _CN_DIGITS[ch]
        return n
    tens, _, ones = s.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


@functools.lru_cache(maxsize=1 << 12)
def find_date(text: str | None) -> dt.date | None:
    """The first valid date written in ``text``; ``None`` for blanks such as "年  月  日"."""
    if not text:
        return None
    for m in _NUMERIC_RE.finditer(text):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
    for m in _CHINESE_RE.finditer(text):
        try:
            return dt.date(_cn_number(m[1]), _cn_number(m[2]), _cn_number(m[3]))
        except (ValueError, KeyError):
            continue
    return None
