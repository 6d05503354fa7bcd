"""Word's automatic list numbers ("1." typed at a line start becomes a list): the number is not in
the text, only in numbering.xml, yet the PDF and the reader see it. Rendering the common formats
keeps numbered measures the same whether a form comes back as .docx or as PDF."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from pipeline.cnfmt import chinese_number

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _chinese(n: int) -> str:
    if n == 0:
        return "零"
    return chinese_number(n) if n < 100 else str(n)


def _format(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "ideographTraditional", "japaneseCounting"):
        return _chinese(n)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "lowerRoman" or fmt == "upperRoman":
        vals = [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
        out, m = "", n
        for v, s in vals:
            while m >= v:
                out, m = out + s, m - v
        return out if fmt == "lowerRoman" else out.upper()
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class Numbering:
    """Counters per list, advanced paragraph by paragraph in document order.

    ``load`` returns the parsed numbering.xml; it is called only when a paragraph has a list
    number, since most forms have none and parsing the part costs time on big batches."""

    def __init__(self, load: Callable[[], etree._Element | None]) -> None:
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}  # (numId, ilvl) → (fmt, text, start)
        self.counters: dict[str, list[int]] = {}
        self._load: Callable[[], etree._Element | None] | None = load

    def _read(self, root: etree._Element | None) -> None:
        if root is None:
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for an in root.iter(W + "abstractNum"):
            lvls = {}
            for lvl in an.iter(W + "lvl"):
                ilvl = int(lvl.get(W + "ilvl", "0"))
                fmt = lvl.find(W + "numFmt")
                text = lvl.find(W + "lvlText")
                start = lvl.find(W + "start")
                lvls[ilvl] = (fmt.get(W + "val", "decimal") if fmt is not None else "decimal",
                              text.get(W + "val", "") if text is not None else "",
                              int(start.get(W + "val", "1")) if start is not None else 1)
            abstract[an.get(W + "abstractNumId")] = lvls
        for num in root.iter(W + "num"):
            ref = num.find(W + "abstractNumId")
            if ref is None:
                continue
            num_id = num.get(W + "numId")
            for ilvl, spec in abstract.get(ref.get(W + "val"), {}).items():
                self.levels[(num_id, ilvl)] = spec
            for override in num.iter(W + "lvlOverride"):  # "restart numbering" makes a num with a new start
                start = override.find(W + "startOverride")
                key = (num_id, int(override.get(W + "ilvl", "0")))
                if start is not None and key in self.levels:
                    fmt, text, _ = self.levels[key]
                    self.levels[key] = (fmt, text, int(start.get(W + "val", "1")))

    def label(self, p: etree._Element) -> str:
        """The rendered number of paragraph ``p`` ("1.", "（二）", "①"), or "" if it has none."""
        ppr = p.find(W + "pPr")
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        if numpr is None:
            return ""
        if self._load is not None:
            self._read(self._load())
            self._load = None
        num_el, lvl_el = numpr.find(W + "numId"), numpr.find(W + "ilvl")
        num_id = num_el.get(W + "val") if num_el is not None else None
        ilvl = int(lvl_el.get(W + "val", "0")) if lvl_el is not None else 0
        spec = self.levels.get((num_id, ilvl))
        if spec is None:
            return ""
        counters = self.counters.setdefault(num_id, [0] * 9)
        counters[ilvl] += 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        text = spec[1]
        for level in range(ilvl + 1):
            lspec = self.levels.get((num_id, level), spec)
            value = counters[level] + lspec[2] - 1
            text = text.replace(f"%{level + 1}", _format(value, lspec[0]))
        return "" if spec[0] == "bullet" else text + "\t"  # Word's default suffix after the number
