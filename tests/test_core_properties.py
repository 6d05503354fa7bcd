"""Core properties stay valid whatever imported docxtpl and docxcompose first."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import docxtpl  # noqa: F401  (imports docxcompose, which rebinds python-docx's "cp" prefix)

import pipeline.generate.ooxml  # noqa: F401,E402  (pins it back)


def test_last_modified_by_lands_in_the_core_properties_namespace(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.author = "纪委办"
    document.core_properties.last_modified_by = "纪委办"
    document.save(str(tmp_path / "a.docx"))
    core = zipfile.ZipFile(tmp_path / "a.docx").read("docProps/core.xml").decode()
    assert core.count("<cp:lastModifiedBy") == 1 and "custom-properties" not in core
    assert docx.Document(str(tmp_path / "a.docx")).core_properties.last_modified_by == "纪委办"
