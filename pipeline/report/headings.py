"""The reports' headings, read once from ``headings.toml`` (ledger columns and sheets, the export
record, the 公示 table, the supervision roles).

A form's labels are its definition's; these are the office's headings over what the store holds.
Kept as data in one file, the ledger writer, the review import that reads the ledger back and the
公示 name each column the same way, and no module of ``report/`` holds a second spelling.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HEADINGS_FILE = Path(__file__).with_name("headings.toml")


@functools.cache
def load(path: Path = HEADINGS_FILE) -> dict[str, dict]:
    """Every table of the file by its name; a table's keys keep their printed order."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


HEADINGS = load()
LEDGER: dict[str, str] = HEADINGS["ledger"]
LEDGER_SHEET: dict[str, str] = HEADINGS["ledger_sheet"]
EXPORT_RECORD: dict[str, str] = HEADINGS["export_record"]
SUMMARY: dict[str, str] = HEADINGS["summary"]
POST_GRADE: dict[str, str] = HEADINGS["post_grade"]
CATALOGUE: dict[str, str] = HEADINGS["catalogue"]
PUBLISH: dict[str, str] = HEADINGS["publish"]
SUPERVISION: dict = HEADINGS["supervision"]
