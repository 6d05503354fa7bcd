"""Numbers and dates as Chinese documents print them.

GB/T 9704-2012 7.3.5.1 writes dates in Arabic numerals with 年月日 (2012年5月26日); headings and
Word's Chinese list numbers count 一、二、…、十二. The plan, the forms, the notices and the parser's
rendering of Word list numbers all use these. Hand-written: the whole need is these few lines.
"""

from __future__ import annotations

import datetime as dt

_DIGITS = "〇一二三四五六七八九"


def cn_date(day: dt.date, *, with_year: bool = True) -> str:
    return (f"{day.year}年" if with_year else "") + f"{day.month}月{day.day}日"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (1–99: a plan never has more sections or items)."""
    if not 0 < n < 100:
        raise ValueError(f"chinese_number covers 1–99, got {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")
