"""Regenerate the bundled example's inbox/: python profiles/make_example_inbox.py

Returned forms for the 泉州师范学院 example (profiles/002-qztc), made the way they come back: filled
in Word from the issued files (so they carry their form ids), one retyped by an office in its own
layout, one exported to PDF, a corrected resubmission, forms with problems, and a damaged file.
``lianzheng run`` at the repository root then shows the whole chain on them. Form ids depend only
on the profile and roster, so forms generated here match the ones ``run`` issues.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from pipeline._exec import soffice
from pipeline.forms import get
from pipeline.generate.forms import generate_forms
from pipeline.testing import fill_form, foreign, sample_rows
from pipeline.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO / "profiles" / "002-qztc"
T0 = 1_340_000_000.0  # 2012-06-18, inside the campaign's 排查 phase


def build(inbox: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("profile.toml", "roster.xlsx"):
            shutil.copy(PROFILE / name, root / name)
        ws = Workspace(root)
        generate_forms(ws, progress=False)
        levels = ws.profile.levels.labels
        staff: dict[str, list] = {}
        for person in ws.roster:
            staff.setdefault(person.department, []).append(person)

        def issued(person, form_type: str) -> Path:
            title = get(form_type).title
            return next((ws.outbox / "forms" / person.department).glob(f"{person.staff_id}-*/*{title}.docx"))

        def own(person, form_type: str, rel: str, rows, t: float = T0, **kw) -> None:
            fill_form(issued(person, form_type), inbox / rel, get(form_type), rows,
                      author=person.name, last_modified_by=person.name, mtime=t, **kw)

        assessment, measures = "002-person-assessment", "002-person-measures"
        finance = staff["财务处"]
        for person in finance[:4]:
            own(person, assessment, f"财务处/{person.name}-排查评估表.docx",
                sample_rows(person.name, get(assessment), levels))
        # A level outside the scheme, then the corrected file a day later.
        wrong = finance[4]
        rows = sample_rows(wrong.name, get(assessment), levels)
        own(wrong, assessment, f"财务处/{wrong.name}-排查评估表.docx", [dict(rows[0], level="四级"), *rows[1:]])
        own(wrong, assessment, f"财务处/{wrong.name}-排查评估表-修改.docx", rows, t=T0 + 86400)
        # A vague risk point and an empty description: back for revision.
        vague = finance[5]
        own(vague, assessment, f"财务处/{vague.name}-排查评估表.docx",
            [dict(name="无", description="暂无", level=levels[-1])])
        # Measures, signed by the unit's leader.
        for person in finance[:2]:
            own(person, measures, f"财务处/{person.name}-防控措施意见和建议表.docx",
                sample_rows(person.name, get(measures), levels), signatures={"单位领导签字": "张雅琴"})
        # 组织部 retyped the annex in its own layout: no form id, matched by title, unit and name.
        org = staff["组织部"][3]
        foreign(inbox / "组织部/个人廉政风险排查评估表（手工录入）.docx", unit="组织部", name=org.name,
                position=org.position, author=org.name, mtime=T0,
                risks=[(r["name"], r["description"], r["level"]) for r in sample_rows(org.name, get(assessment), levels)])
        # 人事处 sent a PDF exported from the filled form.
        hr = staff["人事处"][2]
        source = fill_form(issued(hr, assessment), root / "pdf" / "人事处.docx", get(assessment),
                           sample_rows(hr.name, get(assessment), levels), author=hr.name, last_modified_by=hr.name)
        pdf = soffice.convert([source], root / "pdf")[0]
        (inbox / "人事处").mkdir(parents=True, exist_ok=True)
        shutil.copy(pdf, inbox / "人事处" / f"{hr.name}-排查评估表.pdf")
        # A file that broke in the mail.
        (inbox / "损坏的附件.docx").write_bytes(b"PK\x03\x04 truncated in transit")


if __name__ == "__main__":
    inbox = REPO / "inbox"
    for child in inbox.iterdir():
        if child.name != ".gitkeep":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    build(inbox)
    print("\n".join(sorted(str(p.relative_to(REPO)) for p in inbox.rglob("*") if p.is_file())))
