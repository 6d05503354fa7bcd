"""--pdf never fails silently: a form LibreOffice could not convert is named, the rest are kept."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from conftest import make_workspace
from pipeline._exec import soffice
from pipeline.cli import main


def test_a_form_that_did_not_convert_is_reported(tmp_path, monkeypatch):
    ws = make_workspace(tmp_path)

    def convert_all_but_first(paths, outdir=None, **_):
        outdir.mkdir(parents=True, exist_ok=True)
        made = []
        for p in sorted(paths)[1:]:
            out = Path(outdir) / (Path(p).stem + ".pdf")
            out.write_bytes(b"%PDF-1.4 stand-in")
            made.append(out)
        return made

    monkeypatch.setattr(soffice, "require", lambda: "soffice")
    monkeypatch.setattr(soffice, "convert", convert_all_but_first)
    result = CliRunner().invoke(main, ["forms", "-w", str(ws.root), "--department", "财务处", "--pdf"])
    assert result.exit_code == 6, result.output
    assert "Word 表格已全部生成，但有 1 个未能转换为 PDF" in result.output
    docx = list((ws.outbox / "forms").rglob("*.docx"))
    pdfs = list((ws.outbox / "forms").rglob("*.pdf"))
    assert len(pdfs) == len(docx) - 1 > 0
