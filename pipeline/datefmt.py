"""Dates as the documents print them.

GB/T 9704-2012 7.3.5.1 writes dates in Arabic numerals with 年月日 (2012年5月26日); the plan, the
forms and the revision notices all print them this one way.
"""

from __future__ import annotations

import datetime as dt


def cn_date(day: dt.date, *, with_year: bool = True) -> str:
    return (f"{day.year}年" if with_year else "") + f"{day.month}月{day.day}日"
