"""What both readers (.docx XML walk, PDF tables) hand to the form logic: text lines and grids.

Keeping one small neutral shape means the header anchoring, table location, level placement and
checks are written once for Word and PDF alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Cell:
    """One grid position. A merged cell appears at every position it covers, with the same text;
    ``hmerge``/``vmerge`` mark the positions that continue a cell to their left / above."""

    text: str
    hmerge: bool = False
    vmerge: bool = False
    runs_on: bool = False  # PDF: the last line reaches the cell's edge, so a page break may split a paragraph


@dataclass(slots=True)
class Grid:
    rows: list[list[Cell]]
    page: int | None = None  # 1-based page for PDF, None for .docx
    index: int = 0  # 1-based table number in the file
    label_matches: tuple | None = None  # (settings, per leading row and cell {definition id: Column}, counts, bounds), once
    header_matches: tuple | None = None  # (settings, {definition id: HeaderMatch or None}), computed once

    @property
    def where(self) -> str:
        return f"第{self.page}页 表{self.index}" if self.page else f"表{self.index}"

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass
class Layout:
    """A file read into reading order: each block a paragraph line (str) or a table (Grid)."""

    blocks: list[str | Grid] = field(default_factory=list)
    footer: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    has_text: bool = True
