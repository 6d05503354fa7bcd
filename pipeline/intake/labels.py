"""How a problem names a place on the form: 第2行 plus the column's label, 表头 plus the header
field's label, each as that form prints it.

A problem tells a person what to correct on the paper in front of them, so it must use the words
printed there: a form whose level column reads 风险级别 or 等级评定 is told about that column, not
about a 风险等级 it does not have. The labels come from the form's definition; a file no definition
matched has no labels of its own and is told in the vocabulary's headings for such files.
"""

from __future__ import annotations

from pipeline.forms import registry
from pipeline.parse.vocabulary import VOCABULARY


def column_label(form_type: str | None, key: str) -> str:
    """The printed label of column ``key`` of ``form_type``'s definition, else the unmatched heading."""
    definition = registry().get(form_type or "")
    column = definition.column(key) if definition is not None else None
    return column.label if column is not None else VOCABULARY.unmatched_columns.get(key, key)


def header_label(form_type: str | None, key: str) -> str:
    """The printed label of header field ``key`` of ``form_type``'s definition, else the unmatched heading."""
    definition = registry().get(form_type or "")
    field = definition.header_field(key) if definition is not None else None
    return field.label if field is not None else VOCABULARY.unmatched_header.get(key, key)
