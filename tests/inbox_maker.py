"""Returned files for the ingest tests, made the way people make them.

The filling itself is :mod:`pipeline.testing` (shared with the benchmarks and the bundled example);
this module arranges the mixed inbox the ingest tests share. Save times are set explicitly:
which return is newer is decided by them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import docx

from pipeline.forms import get
from pipeline.testing import Risk, fill_form, foreign


def risks_for(person: str, n: int = 2, level: str = "二级") -> list[Risk]:
    """Distinct risk points for one person (their name in each text, so no two people copy)."""
    topics = ["经费报销审核", "物资采购验收", "人员招聘考核", "合同签订审查"]
    return [(f"{topics[i % len(topics)]}环节风险",
             f"{person}在{topics[i % len(topics)]}中可能放宽标准、接受服务对象宴请或礼品，为他人谋取利益",
             level) for i in range(n)]


def fill(src: Path, dst: Path, risks: Sequence[Risk], *, author: str | None = None,
         last_modified_by: str | None = None, mtime: float | None = None) -> Path:
    """Type ``risks`` into the issued 002 personal assessment form ``src`` and save as ``dst``."""
    rows = [dict(name=name, description=description, level=level) for name, description, level in risks]
    return fill_form(src, dst, get("002-person-assessment"), rows, author=author,
                     last_modified_by=last_modified_by, mtime=mtime)


def letter(dst: Path) -> Path:
    """A .docx that is no form at all (a cover letter someone put in the inbox)."""
    document = docx.Document()
    document.add_paragraph("关于报送廉政风险排查材料的说明")
    document.add_paragraph("纪委办：我处材料已按要求填写，请查收。")
    document.save(str(dst))
    return dst


# --- the mixed inbox the ingest tests share ------------------------------------------------------

T0 = 1_340_000_000.0  # 2012-06-18: the first returns; a resubmission is a day later


def issued_form(ws, person, title_prefix: str = "附表1-") -> Path:
    """The issued personal form of ``person`` in the workspace outbox (generated beforehand)."""
    return next((ws.outbox / "forms" / person.department).glob(f"{person.staff_id}-*/{title_prefix}*.docx"))


def build_mixed_inbox(ws, inbox: Path, *, pdf: bool = True) -> dict:
    """Write a realistic mixed inbox; returns what each file should become (by relative path).

    Good, bad, duplicate, resubmitted, foreign-layout, PDF, unreadable, not-a-form, a department
    whose forms were all saved by one secretary (same hand), and one where three people copied the
    same risk point.
    """
    import shutil

    people = {}
    for p in ws.roster:
        people.setdefault(p.department, []).append(p)
    cw, zz, rs, ky = people["财务处"], people["组织部"], people["人事处"], people["科研处"]
    expect: dict[str, dict] = {}

    def own(p, rel, risks, **kw):
        fill(issued_form(ws, p), inbox / rel, risks, author=p.name, last_modified_by=p.name, **kw)

    own(cw[0], "财务处/01-合格.docx", risks_for(cw[0].name), mtime=T0)
    expect["财务处/01-合格.docx"] = dict(status="accepted", person=cw[0].name, match="form_id", problems=set())
    own(cw[1], "财务处/02-等级写错.docx", risks_for(cw[1].name, level="四级"), mtime=T0)
    expect["财务处/02-等级写错.docx"] = dict(status="superseded", person=cw[1].name, match="form_id",
                                         problems={"level_unknown"})
    own(cw[1], "财务处/02-等级写错-修改后.docx", risks_for(cw[1].name), mtime=T0 + 86400)
    expect["财务处/02-等级写错-修改后.docx"] = dict(status="accepted", person=cw[1].name, match="form_id", problems=set())
    empty_description = [(risks_for(cw[2].name)[0][0], "", "三级")]
    own(cw[2], "财务处/03-漏填.docx", empty_description, mtime=T0)
    expect["财务处/03-漏填.docx"] = dict(status="needs_revision", person=cw[2].name, match="form_id",
                                      problems={"required_empty"})
    (inbox / "重复").mkdir(parents=True)
    shutil.copy2(inbox / "财务处/01-合格.docx", inbox / "重复/01-合格-副本.docx")
    expect["重复/01-合格-副本.docx"] = dict(outcome="duplicate", status="accepted")

    foreign(inbox / "组织部/手工录入.docx", unit="组织部", name=zz[3].name, position=zz[3].position,
            risks=risks_for(zz[3].name), author=zz[3].name, mtime=T0)
    expect["组织部/手工录入.docx"] = dict(status="accepted", person=zz[3].name, match="title", problems=set())
    foreign(inbox / "组织部/查无此人.docx", unit="组织部", name="王小二", position="科员",
            risks=risks_for("王小二"), author="王小二", mtime=T0)
    expect["组织部/查无此人.docx"] = dict(status="needs_revision", person="王小二", match=None,
                                     problems={"person_unknown"})

    for p in rs[:3]:  # one secretary typed and saved everyone's form
        fill(issued_form(ws, p), inbox / f"人事处/{p.name}.docx", risks_for(p.name), author=p.name,
             last_modified_by="人事处秘书", mtime=T0)
        expect[f"人事处/{p.name}.docx"] = dict(status="needs_revision", person=p.name, match="form_id",
                                             problems={"same_hand"})
    copied = ("科研经费报销审核环节风险", "审核科研经费报销时对虚开发票、套取经费的情况把关不严，存在优亲厚友现象", "二级")
    for p in ky[:3]:
        fill(issued_form(ws, p), inbox / f"科研处/{p.name}.docx", [copied, *risks_for(p.name, 1)],
             author=p.name, last_modified_by=p.name, mtime=T0)
        expect[f"科研处/{p.name}.docx"] = dict(status="needs_revision", person=p.name, match="form_id",
                                             problems={"copied_risk"})

    (inbox / "损坏.docx").write_bytes(b"PK\x03\x04 this zip was cut off in the mail")
    expect["损坏.docx"] = dict(status="rejected")
    letter(inbox / "说明.docx")
    expect["说明.docx"] = dict(status="rejected")
    (inbox / "财务处/~$01-合格.docx").write_bytes(b"word lock file")  # never read

    if pdf:
        from pipeline._exec import soffice

        source = fill(issued_form(ws, cw[3]), inbox.parent / "pdf-src" / "04.docx", risks_for(cw[3].name),
                      author=cw[3].name, last_modified_by=cw[3].name)
        out = soffice.convert([source], inbox / "PDF")
        out[0].rename(inbox / "PDF/04-扫描前导出.pdf")
        os.utime(inbox / "PDF/04-扫描前导出.pdf", (T0, T0))
        expect["PDF/04-扫描前导出.pdf"] = dict(status="accepted", person=cw[3].name, match="form_id", problems=set())
    return expect
