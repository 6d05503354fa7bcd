"""Word opens what we write without a repair prompt: every generated .docx passes an OOXML validator.

LibreOffice forgives property elements out of schema order, a stale stylesWithEffects part or an
on/off value Word does not take; Word does not, and shows "unreadable content". openxml-audit checks
the package against the ECMA-376 schemas and Word's own rules, so a template change that would
bring the repair prompt back fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO, make_workspace
from pipeline import api
from pipeline.forms import registry

openxml_audit = pytest.importorskip("openxml_audit", reason="openxml-audit is in the [test] extra")


def problems(path: Path) -> list[str]:
    result = openxml_audit.OpenXmlValidator(file_format=openxml_audit.FileFormat.OFFICE_2019).validate(path)
    return [str(e) for e in getattr(result, "errors", [])][:5]


@pytest.mark.parametrize("name", [*registry(), "plan"])
def test_bundled_templates_are_valid(name):
    path = REPO / "templates" / f"{name}.docx"
    assert problems(path) == []


def test_generated_plan_forms_and_notices_are_valid(tmp_path):
    ws = make_workspace(tmp_path)
    written = [*api.make_plan(ws, pdf=False)]
    forms = api.make_forms(ws, department="财务处", progress=False)
    written += [forms[0], forms[-1]]
    api.ingest(ws, progress=False)
    written += api.notices(ws, pdf=False)
    assert any(p.name.endswith("-催报通知.docx") for p in written)  # nothing returned yet: only reminders
    for path in written:
        assert problems(path) == [], path.name


def test_drawn_power_flow_form_and_chart_document_are_valid(tmp_path):
    from pipeline._exec import graphviz

    if graphviz.find() is None:
        pytest.skip("Graphviz (dot) is not installed")
    ws = make_workspace(tmp_path, "004-hfzy")
    written = api.make_forms(ws, department="XSC", form_type="004-power-flow", progress=False)
    written += [p for p in api.flowchart(None, tmp_path / "charts", ws=ws) if p.suffix == ".docx"]
    assert len(written) == 2
    for path in written:
        assert problems(path) == [], path.name
