"""PDFs whose CJK text is set in "fake bold": each glyph drawn twice, a fraction of a point apart.

WPS (and Word for CJK fonts without a bold face) embolden that way, so every character comes out
twice in the text layer. The parser must read such a PDF exactly like the plain one. The fake bold
is made here from a LibreOffice export by drawing every text block a second time 0.3 pt to the
right (pikepdf edits the content stream), the way WPS writes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_workspace, needs_soffice
from pipeline import api
from pipeline._exec import soffice
from pipeline.forms import get
from pipeline.testing import fill_form, sample_rows

pikepdf = pytest.importorskip("pikepdf", reason="pikepdf is in the [test] extra")


def fake_bold(src: Path, dst: Path, shift: float = 0.3) -> Path:
    """Draw every BT…ET text block a second time, shifted right by ``shift`` points."""
    with pikepdf.open(src) as pdf:
        for page in pdf.pages:
            out, block = [], None
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op == "BT":
                    block = []
                if block is not None:
                    block.append((operands, operator))
                else:
                    out.append((operands, operator))
                if op == "ET":
                    out += block
                    out.append(([], pikepdf.Operator("q")))
                    out.append(([1, 0, 0, 1, shift, 0], pikepdf.Operator("cm")))
                    out += block
                    out.append(([], pikepdf.Operator("Q")))
                    block = None
            page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))
        pdf.save(dst)
    return dst


@needs_soffice
def test_fake_bold_pdf_reads_like_the_plain_one(tmp_path):
    import pdfplumber

    ws = make_workspace(tmp_path)
    person = next(p for p in ws.roster if p.tier == "一般工作人员")
    form_type = "002-person-assessment"
    issued = next(p for p in api.make_forms(ws, person=person.staff_id, form_type=form_type, progress=False)
                  if p.suffix == ".docx")
    definition = get(form_type)
    filled = fill_form(issued, tmp_path / "filled.docx", definition,
                       sample_rows(person.name, definition, ws.profile.levels.labels))
    plain = soffice.convert([filled], tmp_path / "pdf")[0]
    bold = fake_bold(plain, tmp_path / "bold.pdf")

    with pdfplumber.open(plain) as a, pdfplumber.open(bold) as b:  # the fake bold really doubles the text
        assert len(b.pages[0].chars) == 2 * len(a.pages[0].chars)
    want, got = api.parse_file(plain), api.parse_file(bold)
    assert want.form_type == form_type and len(want.risks) == 3
    assert got.header == want.header
    assert [r.model_dump(exclude={"where"}) for r in got.risks] == [r.model_dump(exclude={"where"}) for r in want.risks]
    assert got.form_id == want.form_id is not None
