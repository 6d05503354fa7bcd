"""权力运行流程图 drawn with Graphviz: on the issued 004 form, from a returned step table, from the profile.

Checks the drawing is really there (a picture in the Word file, at print resolution) and that the
steps' own words (step, responsible post, time limit) are in the dot source and the SVG.
"""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import PROFILES, make_workspace
from pipeline._exec import graphviz
from pipeline.cli import main
from pipeline.forms import get
from pipeline.generate.flowchart import DPI, Step, dot_source, draw_files
from pipeline.generate.forms import generate_forms
from pipeline.testing import fill_form

pytestmark = pytest.mark.skipif(graphviz.find() is None, reason="Graphviz (dot) is not installed")

ROWS = [
    {"name": "受理申请", "subject": "学生处科员", "time_limit": "2个工作日", "flow": "外部"},
    {"name": "审核材料", "subject": "学生处副处长", "time_limit": "3个工作日", "flow": "内部"},
    {"name": "审批", "subject": "分管院领导", "time_limit": "3个工作日", "flow": "内部"},
    {"name": "办结告知", "subject": "学生处科员", "time_limit": "1个工作日", "flow": "外部"},
]


def _pictures(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("word/media/")}


def _png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    ws = make_workspace(tmp_path_factory.mktemp("flow"), "004-hfzy")
    (path,) = generate_forms(ws, department="XSC", form_type="004-power-flow", jobs=1, progress=False)
    return ws, path


def test_issued_form_carries_a_drawn_chart(issued) -> None:
    _, path = issued
    with zipfile.ZipFile(path) as z:
        body = z.read("word/document.xml").decode("utf-8")
    pictures = _pictures(path)
    charts = [d for d in pictures.values() if d[:8] == b"\x89PNG\r\n\x1a\n" and _png_size(d)[0] > 1500]
    assert charts, "no drawn chart in the form"  # the QR code is the only other picture, and small
    width_px, _ = _png_size(charts[0])
    extent = [int(x) for x in re.findall(r'<wp:extent cx="(\d+)"', body)]
    width_in = max(extent) / 914400
    assert width_px / width_in >= 0.9 * DPI  # printed at (about) the resolution it was drawn at


def test_dot_source_and_svg_hold_the_steps() -> None:
    steps = [Step(**r) for r in ROWS]
    source = dot_source(steps)
    for r in ROWS:
        assert r["name"] in source and r["subject"] in source and r["time_limit"] in source
    assert source.count("->") == len(ROWS) - 1
    labels = (get("004-power-flow").column("subject").label, get("004-power-flow").column("time_limit").label)
    assert all(label in source for label in labels)


def test_returned_step_table_is_drawn(issued, tmp_path: Path) -> None:
    ws, path = issued
    returned = fill_form(path, tmp_path / "returned.docx", get("004-power-flow"), ROWS)
    written = draw_files(returned, tmp_path / "charts", ws=ws)
    names = sorted(p.name for p in written)
    assert names == sorted(["学生处-外部流程图.svg", "学生处-外部流程图.png", "学生处-内部流程图.svg",
                            "学生处-内部流程图.png", "学生处-权力运行流程图.docx"])
    internal = (tmp_path / "charts" / "学生处-内部流程图.svg").read_text(encoding="utf-8")
    external = (tmp_path / "charts" / "学生处-外部流程图.svg").read_text(encoding="utf-8")
    for r in ROWS:
        assert r["name"] in internal and r["subject"] in internal and r["time_limit"] in internal
        assert (r["name"] in external) == (r["flow"] == "外部")  # the public chart shows the public steps
    assert len(_pictures(tmp_path / "charts" / "学生处-权力运行流程图.docx")) == 2


def test_cli_draws_the_profile_powers(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, "004-hfzy")
    out = CliRunner().invoke(main, ["flowchart", "-w", str(ws.root)])
    assert out.exit_code == 0, out.output
    power = ws.profile.powers[0]
    svg = (ws.outbox / "flowcharts" / f"{power.department}-{power.name}-内部流程图.svg").read_text(encoding="utf-8")
    assert all(s.name in svg and s.subject in svg for s in power.steps)
    wrong = CliRunner().invoke(main, ["flowchart", "-w", str(ws.root), "--power", "不存在的职权"])
    assert wrong.exit_code == 2 and power.name in wrong.output


def test_a_form_that_is_no_step_table_is_refused(tmp_path: Path) -> None:
    source = PROFILES / "004-hfzy" / "profile.toml"
    out = CliRunner().invoke(main, ["flowchart", str(source), "-o", str(tmp_path)])
    assert out.exit_code == 3, out.output
