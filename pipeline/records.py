"""What a parsed form is: the records the parser emits and the store, ledgers and 公示 consume.

The JSON printed by ``lianzheng parse --json`` is ``ParsedForm.model_dump(mode="json")``; its
field names are a public contract (scripts and the store read them), so change them only with a migration of the store.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Place = Literal["high", "medium", "low"]


class Scheme(BaseModel):
    """The little of a campaign the parser needs: its level labels, post levels, categories and forms.

    Built from a profile by :func:`pipeline.parse.scheme_of`; an empty ``levels`` lets the parser
    take the scheme from the form's own note or its defaults, empty ``post_levels`` and
    ``categories`` leave the vocabulary's."""

    model_config = ConfigDict(frozen=True)

    levels: tuple[str, ...] = Field(default=(), description="risk level labels, highest first")
    post_levels: tuple[str, ...] = Field(default=(), description="post risk level labels, highest first")
    categories: tuple[str, ...] = Field(default=(), description="the campaign's risk categories")
    forms: tuple[str, ...] = Field(default=(), description="the campaign's form types (its annexes)")


def place_of(index: int, count: int) -> Place:
    """The place of the ``index``-th label (0 = highest) of a ``count``-label scheme: first high, last low."""
    if index == 0:
        return "high"
    if index == count - 1:
        return "low"
    return "medium"


class Problem(BaseModel):
    """Something wrong with a returned form, worded for the person who must fix it."""

    code: str = Field(description="stable machine code, e.g. required_empty, level_unknown, vague, needs_ocr")
    message: str = Field(description="Chinese, for the revision notice")
    where: str = Field(default="", description="row and column label (第2行 plus the column's label), or 表头 plus a header label")


class Header(BaseModel):
    unit: str | None = None
    name: str | None = None
    position: str | None = None
    date: dt.date | None = None
    extra: dict[str, str] = Field(default_factory=dict, description="other header fields by definition key")


class RiskRecord(BaseModel):
    seq: int
    name: str
    description: str | None = None
    category: str | None = None
    level: Place | None = None
    level_label: str | None = Field(default=None, description="the level as written")
    level_rank: int | None = Field(default=None, description="rank in the campaign's scheme, 1 = highest")
    level_scheme: str | None = Field(default=None, description="the scheme's own label for that rank")
    measures: str | None = None
    review: str | None = None
    duty: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict, description="columns beyond the canonical ones")
    where: str | None = Field(default=None, description="page, table and row it came from")


class ParsedForm(BaseModel):
    source: str
    sha256: str
    form_type: str | None = None
    form_title: str | None = None
    form_id: str | None = None
    levels: list[str] = Field(default_factory=list, description="labels highest first, as used")
    header: Header = Field(default_factory=Header)
    risks: list[RiskRecord] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    meta: dict[str, str] = Field(default_factory=dict, description="file metadata: author, last_modified_by, creator, …")
