"""权力运行流程图: a power item's steps drawn as boxes and arrows with Graphviz ``dot``.

Seed 004 asks each department to draw, for every item of its 职权目录, a 权力运行流程图 in two
kinds: the 外部流程图, published so that teachers and students see how a matter is handled, and
the 内部流程图, which shows every step with the post responsible and its time limit for internal
supervision. A step table (the 004-power-flow form, returned, or ``[[powers]]`` in the profile)
holds the steps in order with a ``flow`` value; the external chart draws the steps marked with the
definition's ``chart.external`` value (all of them when none is marked), the internal one all.

Each box holds the step, its responsible post and time limit (as the form's columns label them);
the first and last box are rounded, as the start and end of a course. The chart goes into Word as
a 300 dpi PNG sized to the page (print resolution), and is also written as SVG, whose text is the
steps' own words.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from pipeline.campaign.obligations import safe_name
from pipeline.forms import FormDefinition, get

FORM_TYPE = "004-power-flow"
DPI = 300
FONT = "宋体"


@dataclass(frozen=True)
class Step:
    name: str
    subject: str = ""
    time_limit: str = ""
    flow: str = ""


@dataclass(frozen=True)
class Chart:
    """One drawn chart: its caption (外部流程图 …), dot source, and the drawing as PNG and SVG."""

    title: str
    dot: str
    png: bytes
    svg: bytes

    @property
    def size_px(self) -> tuple[int, int]:
        width, height = struct.unpack(">II", self.png[16:24])
        return width, height

    def size_mm(self, max_width: float, max_height: float) -> tuple[float, float]:
        """Print size at :data:`DPI`, scaled down to fit ``max_width`` × ``max_height`` mm."""
        w, h = (v / DPI * 25.4 for v in self.size_px)
        scale = min(1.0, max_width / w, max_height / h)
        return w * scale, h * scale


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_source(steps: list[Step], definition: FormDefinition | None = None, *, across: bool = False,
               blank: bool = False) -> str:
    """The dot graph of ``steps`` in order, top to bottom (``across``: left to right, for a landscape
    form); ``blank`` draws lines to write the post and time limit on. The caption (外部流程图 …) is
    the document's, not the drawing's, so it is not drawn twice."""
    definition = definition or get(FORM_TYPE)
    subject, limit = definition.column("subject").label, definition.column("time_limit").label
    lines = [
        "digraph power_flow {",
        f'  graph [rankdir={"LR" if across else "TB"}, nodesep=0.35, ranksep=0.35];',
        f"  node [shape=box, fontname={_quote(FONT)}, fontsize=12, margin=\"0.18,0.10\", penwidth=1.2];",
        "  edge [arrowsize=0.9, penwidth=1.2];",
    ]
    line = "_" * 12
    for i, step in enumerate(steps):
        rows = [step.name,
                f"{subject}：{step.subject or (line if blank else '')}",
                f"{limit}：{step.time_limit or (line if blank else '')}"]
        rows = [rows[0]] + [r for r, v in zip(rows[1:], (step.subject, step.time_limit)) if v or blank]
        style = ', style="rounded"' if i in (0, len(steps) - 1) else ""
        lines.append(f"  s{i} [label={_quote(chr(10).join(rows))}{style}];")
    lines += [f"  s{i} -> s{i + 1};" for i in range(len(steps) - 1)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw(steps: list[Step], *, title: str = "", across: bool = False, blank: bool = False) -> Chart:
    """Lay out and draw ``steps`` (needs Graphviz); ``title`` names the chart."""
    from pipeline._exec import graphviz

    source = dot_source(steps, across=across, blank=blank)
    return Chart(title, source, graphviz.render(source, "png", dpi=DPI), graphviz.render(source, "svg"))


def blank_chart(definition: FormDefinition) -> Chart:
    """The chart printed on the blank form: the definition's steps with lines to write on."""
    return draw([Step(name) for name in definition.chart.steps], across=True, blank=True)


def charts(steps: list[Step], definition: FormDefinition | None = None) -> list[Chart]:
    """The 外部流程图 (public steps) and the 内部流程图 (every step) of one power item."""
    definition = definition or get(FORM_TYPE)
    spec = definition.chart
    public = [s for s in steps if s.flow.strip() == spec.external] or steps
    return [draw(public, title=spec.external_title), draw(steps, title=spec.internal_title)]


# --- where steps come from ---------------------------------------------------------------------

def steps_of_form(path: Path) -> tuple[str, str, list[Step]]:
    """(department, power name, steps) of a returned step table, read by the form parser."""
    from pipeline.errors import InputFileError
    from pipeline.parse import parse_file

    parsed = parse_file(path)
    if parsed.form_type != FORM_TYPE or not parsed.risks:
        d = get(FORM_TYPE)
        columns = "、".join(c.label for c in d.columns if c.type != "seq")
        raise InputFileError(f"{path.name} 不是填好的《{d.title}》，无法绘图",
                             hint=f"用下发的《{d.title}》逐行填写{columns}后再试")
    steps = [Step(r.name, str(r.extra.get("subject") or ""), str(r.extra.get("time_limit") or ""),
                  str(r.extra.get("flow") or "")) for r in parsed.risks]
    return parsed.header.unit or "", parsed.header.extra.get("power", ""), steps


def draw_files(source: Path | None, out_dir: Path, *, ws=None, power: str | None = None) -> list[Path]:
    """Draw the charts of a returned form (``source``) or of the profile's power items (all, or the
    one named ``power``) into ``out_dir``: per item an SVG and PNG of each chart and a Word
    document with both; returns the files written."""
    from pipeline.errors import UsageError
    from pipeline.generate.flowdoc import write_document

    items: list[tuple[str, str, list[Step]]] = []
    if source is not None:
        items.append(steps_of_form(source))
    else:
        powers = ws.profile.powers if ws is not None else []
        chosen = [p for p in powers if power in (None, p.name)]
        if not chosen:
            known = "、".join(p.name for p in powers) or "（配置中没有 [[powers]]）"
            raise UsageError(f"没有可绘制的职权“{power or ''}”", hint=f"配置中的职权：{known}；或给出收回的流程表文件")
        items += [(p.department or "", p.name, [Step(s.name, s.subject, s.time_limit, s.flow) for s in p.steps])
                  for p in chosen]
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for department, name, steps in items:
        stem = safe_name("-".join(x for x in (department, name) if x) or get(FORM_TYPE).title)
        drawn = charts(steps)
        for chart in drawn:
            for ext, data in (("svg", chart.svg), ("png", chart.png)):
                path = out_dir / f"{stem}-{chart.title}.{ext}"
                path.write_bytes(data)
                written.append(path)
        institution = ws.profile.institution.name if ws is not None else ""
        written.append(write_document(out_dir / f"{stem}-{get(FORM_TYPE).title}.docx", drawn,
                                      department=department, power=name, institution=institution))
    return written
