"""Form definitions: one declarative TOML file per form type, the single source of truth.

A definition names the form's title, who it is issued to, its header fields and its table columns
with the label synonyms users actually write. The Word template shows those columns, the parser
finds the table by those labels, the validator reads ``required``, and the ledger takes the column
names — so adding a form type means adding ``definitions/<id>.toml`` and ``templates/<id>.docx``.
"""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.cnfmt import chinese_number

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFINITIONS = Path(__file__).with_name("definitions")

#: Record fields every parsed risk row may fill; other column keys land in ``RiskRecord.extra``.
RISK_FIELDS = ("seq", "name", "description", "category", "level", "measures", "review", "duty")

#: Header keys the office pre-fills and the parser reads back.
HEADER_SOURCES = Literal[
    "institution", "department", "name", "position", "post", "duty", "staff_id",
    "head", "supervisor", "date", "none",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HeaderField(_Model):
    """A field of the form outside the risk rows: 单位、姓名、职务、日期, opinions, signatures …

    Where it is printed is declared, never guessed from its label:

    * ``in_table = false``: a line of text outside the table. ``placement = "above"``: on the header
      lines over the table; ``"below"``: a line under the table (the date of a pledge, signatures).
    * ``in_table = true``: a label cell with its value cell(s) inside the table. ``placement =
      "above"``: a row over the column header (姓名, 岗位职责); ``"below"``: a row under the risk
      rows (the reviewers' opinions, a pledge written by hand).
    * ``full_row = true`` (in-table fields only): the value spans the whole width of the table (long
      text such as duties or opinions); otherwise short fields share a row in pairs.

    The template builder lays the form out by these, and the parser reads every row of the table
    after a ``"below"`` field as fields too, never as risk rows.
    """

    key: str = Field(description="unit, name, position, date, post, duty, head, … (canonical key)")
    label: str = Field(description="the label as printed on the form")
    synonyms: list[str] = Field(default_factory=list, description="other labels users write")
    source: HEADER_SOURCES = Field(default="none", description="what the office pre-fills")
    required: bool = False
    in_table: bool = Field(default=False, description="printed as a label cell inside the table rather than a line above it")
    signature: bool = Field(default=False, description="a signature the form asks for")
    placement: Literal["above", "below"] = Field(
        description="above or below the risk rows: a header line over the table / a row over the column "
        "header, or a line under the table / a row under the risk rows (see the class docstring)")
    full_row: bool = Field(default=False, description="in-table only: the value takes the table's whole width")
    room: float = Field(default=0, ge=0, description="in-table only: mm of room to write the value by hand "
                        "(a pledge, an opinion); 0: the layout's default row height")
    foot: str = Field(default="", description="in-table only: text right-aligned at the foot of the value cell "
                      "(the date line a reviewer dates an opinion on)")
    inside: str = Field(default="", description="key of the in-table field whose value cell prints this one at "
                        "its foot (a signature and date inside the opinion cell); empty: printed on its own")
    group: str = Field(default="", description="in-table only: a label printed once, left of the labels of the "
                       "adjacent rows sharing it (seed 003's duty pair); empty: none")
    blank: str = Field(default="", description="what an empty value is printed as (a blank date line); "
                       "empty: a line to write on")

    @model_validator(mode="after")
    def _check_placement(self) -> "HeaderField":
        if self.full_row and not self.in_table:
            raise ValueError(f"{self.key}: full_row needs in_table = true")
        if (self.room or self.foot) and not self.in_table:
            raise ValueError(f"{self.key}: room and foot need in_table = true")
        if self.group and not self.full_row:
            raise ValueError(f"{self.key}: a group labels long fields: full_row = true")
        if self.signature and not self.in_table and self.placement != "below":
            raise ValueError(f"{self.key}: a signature line is printed under the table: placement = \"below\"")
        return self

    @property
    def labels(self) -> list[str]:
        return [self.label, *self.synonyms]


class Column(_Model):
    """A column of the risk table."""

    key: str = Field(description="a RISK_FIELDS name, or another key kept in the record's extra")
    label: str
    synonyms: list[str] = Field(default_factory=list)
    type: Literal["seq", "text", "level", "post_level", "category", "date"] = "text"
    required: bool = False
    width: float = Field(default=1.0, gt=0, description="relative width on the page")
    merged: bool = Field(default=False, description="one cell spanning every row (002's duty column)")
    prefill: HEADER_SOURCES = "none"
    signature: bool = False
    group: str = Field(default="", description="a label printed once above adjacent columns sharing it "
                       "(000's measures over their three phases); empty: none")

    @property
    def labels(self) -> list[str]:
        return [self.label, *self.synonyms]


class Chart(_Model):
    """A flowchart the form carries above its step table (seed 004's 权力运行流程图).

    ``steps`` are the boxes of the blank form's chart, for the department to complete; ``external``
    is the value of the step table's ``flow`` column that marks a step shown to the public: the
    外部流程图 draws those steps, the 内部流程图 every step with its subject and time limit.
    """

    steps: list[str] = Field(min_length=1)
    external: str
    external_title: str
    internal_title: str


class FormDefinition(_Model):
    id: str = Field(description="form-type id used in profiles and on the command line")
    code: str = Field(description="short uppercase code printed in the form id, e.g. Q2A1")
    seed: str = Field(description="the seed campaign this layout comes from")
    title: str
    title_synonyms: list[str] = Field(default_factory=list)
    title_prefix: Literal["", "institution"] = Field(
        default="", description="institution: the institution's name is printed before the title, as seed 003 does")
    audience: Literal["person", "department", "institution"]
    tiers: list[Literal["领导班子", "中层", "一般工作人员"]] = Field(
        default_factory=list, description="for person forms: only these tiers get it (empty: everyone)")
    orientation: Literal["portrait", "landscape"] = "portrait"
    kind: Literal["risk_table", "catalogue", "pledge"] = Field(
        default="risk_table", description="risk_table: risk rows; catalogue: rows of powers or matters; pledge: a pledge text")
    header: list[HeaderField] = Field(default_factory=list)
    columns: list[Column] = Field(default_factory=list)
    rows_from: Literal["blank", "categories"] = Field(
        default="blank", description="categories: one pre-labelled row per profile risk category")
    row_categories: list[str] = Field(
        default_factory=list, description="with rows_from=categories: only these categories, in this order "
        "(000's unit self-check asks for three of the six); empty: all of the profile's")
    blank_rows: int = Field(default=5, ge=0)
    note: str = Field(default="", description="the note under the table; {levels_low_to_high} {levels_high_to_low} {categories} are filled from the profile")
    copies: str = Field(default="", description="how many copies, printed under the note")
    signatures: list[str] = Field(default_factory=list, description="signature lines under the table")
    body: str = Field(default="", description="the printed text of a pledge")
    chart: Chart | None = Field(default=None, description="a drawn flowchart of the steps above the table")

    @model_validator(mode="after")
    def _check(self) -> "FormDefinition":
        if not re.fullmatch(r"[A-Z0-9]+", self.code):
            raise ValueError("code must be uppercase letters and digits")
        keys = [c.key for c in self.columns]
        if len(keys) != len(set(keys)):
            raise ValueError(f"duplicate column keys in {keys}")
        if self.kind != "pledge" and not self.columns:
            raise ValueError("a table form needs columns")
        keys_in_table = {h.key for h in self.header if h.in_table}
        for h in self.header:
            if h.inside and (h.inside not in keys_in_table or h.in_table):
                raise ValueError(f"{h.key}: inside names an in-table field, and the field itself is not in the table")
        if self.row_categories and self.rows_from != "categories":
            raise ValueError("row_categories needs rows_from = \"categories\"")
        return self

    def printed_title(self, institution: str) -> str:
        """The title as the form prints it: with the institution's name in front where the seed has it."""
        return f"{institution}{self.title}" if self.title_prefix == "institution" else self.title

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def header_field(self, key: str) -> HeaderField | None:
        return next((h for h in self.header if h.key == key), None)

    @property
    def level_column(self) -> Column | None:
        return next((c for c in self.columns if c.type == "level"), None)

    def category_rows(self, categories: list[str]) -> list[str]:
        """The pre-labelled rows of a ``rows_from = "categories"`` form, given the profile's categories."""
        if self.rows_from != "categories":
            return []
        return list(self.row_categories) or list(categories)

    def render_copies(self, due: str) -> str:
        """The 本表一式N份 line with the date the copy for the leading group is due."""
        return self.copies.format(due=due)

    def render_note(self, level_labels: list[str], categories: list[str]) -> str:
        """The 备注 text with the profile's own level scheme in it."""
        return self.note.format(
            levels_high_to_low="、".join(level_labels),
            levels_low_to_high="、".join(reversed(level_labels)),
            levels_count=chinese_number(len(level_labels)),
            categories="、".join(categories),
        )


class DefinitionError(Exception):
    """A definition file itself is broken: a developer's error, raised at import of the registry."""


@functools.cache
def registry(directory: Path = DEFINITIONS) -> dict[str, FormDefinition]:
    """All form definitions by id, read once per process."""
    out: dict[str, FormDefinition] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            definition = FormDefinition.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        except (ValidationError, tomllib.TOMLDecodeError) as e:
            raise DefinitionError(f"{path}: {e}") from None
        if definition.id != path.stem:
            raise DefinitionError(f"{path}: id {definition.id!r} must equal the file name")
        if definition.id in out or definition.code in {d.code for d in out.values()}:
            raise DefinitionError(f"{path}: id or code used twice")
        out[definition.id] = definition
    return out


def get(form_type: str) -> FormDefinition:
    return registry()[form_type]


def by_code(code: str) -> FormDefinition | None:
    return next((d for d in registry().values() if d.code == code), None)
