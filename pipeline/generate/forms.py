"""Every annex form of a campaign, pre-filled per department and person, with its identity.

``generate_forms`` works out who gets which form (audience, tier rule, the command-line
filters), gives each form its id (re-using the id already issued for the same campaign, form
type and subject, so running it twice issues nothing new), writes the files in parallel with the
fast renderer of :mod:`pipeline.generate.fastdocx`, records them in the store in one transaction,
and with ``pdf`` converts them with LibreOffice in batches.

Files: ``outbox/forms/<部门>/<工号>-<姓名>/<附件N>-<标题>.docx`` for a person,
``outbox/forms/<部门>/<附件N>-<标题>.docx`` for a department, ``outbox/forms/<附件N>-<标题>.docx``
for the institution.

Dates: the date field of a form is printed as the due date of the profile task that names the
form (e.g. 2012年6月30日), else the campaign's deadline — always filled, never left blank.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from pipeline import identity
from pipeline.cnfmt import cn_date
from pipeline.errors import ConversionError, UsageError
from pipeline.forms import FormDefinition, get
from pipeline.generate import qr
from pipeline.generate.fastdocx import PreparedDocx
from pipeline.generate.templates import QR_NAME, template_name
from pipeline.profile import Department, Profile, StaffMember
from pipeline.workspace import Workspace

#: Template variables that differ per subject (the others are fixed per form type and profile).
SUBJECT_KEYS = frozenset({"department", "name", "position", "post", "duty", "staff_id", "head", "supervisor",
                          "form_id", "subject", "version"})
#: Forms per task sent to a worker: large enough to amortise the hand-off, small enough for a smooth bar.
CHUNK = 100
PDF_CHUNK = 200
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_name(text: str) -> str:
    """A path component Windows, macOS and zip tools all accept."""
    return _UNSAFE.sub("_", text).strip(" .") or "_"


@dataclass(frozen=True)
class Issue:
    """One form to write: which type, for whom, where, with which values."""

    form_type: str
    subject: str
    department: str | None
    person: StaffMember | None
    path: Path
    values: dict


# --- who gets what ---------------------------------------------------------------------------

def annex_label(profile: Profile, form_type: str) -> str:
    return profile.annexes.annex_label(form_type)


def _file_name(profile: Profile, definition: FormDefinition) -> str:
    return safe_name(f"{annex_label(profile, definition.id)}-{definition.title}") + ".docx"


def _choose_types(profile: Profile, form_type: str | None) -> list[FormDefinition]:
    forms = profile.annexes.forms
    if form_type is None:
        return [get(f) for f in forms]
    if form_type in forms:
        return [get(form_type)]
    by_title = [f for f in forms if get(f).title == form_type]
    if by_title:
        return [get(by_title[0])]
    choices = "；".join(f"{f}（{get(f).title}）" for f in forms)
    raise UsageError(f"本活动没有表单类型“{form_type}”", hint=f"--type 可用：{choices}")


def _choose_department(profile: Profile, department: str | None) -> Department | None:
    if department is None:
        return None
    try:
        return profile.department(department)
    except KeyError:
        names = "、".join(f"{d.name}（{d.code}）" for d in profile.departments)
        raise UsageError(f"没有部门“{department}”", hint=f"--department 可用部门名称或代码：{names}") from None


def _choose_person(roster: list[StaffMember], person: str | None, department: Department | None) -> StaffMember | None:
    if person is None:
        return None
    found = [p for p in roster if p.staff_id == person] or [p for p in roster if p.name == person]
    pool = [p for p in roster if department is None or p.department == department.name]
    sample = "、".join(f"{p.staff_id}（{p.name}）" for p in pool[:30]) + ("等" if len(pool) > 30 else "")
    where = f"部门“{department.name}”" if department else "名册"
    if not found:
        raise UsageError(f"{where}中没有工号或姓名为“{person}”的人员",
                         hint=f"--person 写工号，{where}共 {len(pool)} 人：{sample}")
    if len(found) > 1:
        ids = "、".join(f"{p.staff_id}（{p.department}）" for p in found)
        raise UsageError(f"名册中有 {len(found)} 人叫“{person}”", hint=f"改用工号：{ids}")
    chosen = found[0]
    if department is not None and chosen.department != department.name:
        raise UsageError(f"{chosen.name}（{chosen.staff_id}）属于“{chosen.department}”，不在“{department.name}”",
                         hint="去掉 --department，或改成该人员所在部门")
    return chosen


def plan_issues(ws: Workspace, *, department: str | None = None, person: str | None = None,
                form_type: str | None = None) -> list[Issue]:
    """Every form to write, with its pre-filled values (form ids are given later, by the store).

    Filters narrow the subjects: ``person`` (工号, or a name if unique) keeps that person's forms
    only; ``department`` (name or code) keeps that department's form and its people's; institution
    forms come only without either. ``form_type`` is a form id of the profile (or its title).
    """
    profile, roster = ws.profile, ws.roster
    definitions = _choose_types(profile, form_type)
    dept = _choose_department(profile, department)
    who = _choose_person(roster, person, dept)
    out = ws.outbox / "forms"
    departments = {d.name: d for d in profile.departments}
    leader = profile.leadership.leaders[0]
    base = {"post": "", "duty": "", "staff_id": "", "supervisor": ""}
    issues: list[Issue] = []
    for d in definitions:
        name = _file_name(profile, d)
        if d.audience == "person":
            people = [who] if who else [p for p in roster if dept is None or p.department == dept.name]
            for p in people:
                if d.tiers and p.tier not in d.tiers:
                    continue
                unit = departments[p.department]
                folder = out / safe_name(p.department) / safe_name(f"{p.staff_id}-{p.name}")
                values = {"department": p.department, "name": p.name, "position": p.position, "post": p.post,
                          "duty": p.duty, "staff_id": p.staff_id, "head": unit.head or "",
                          "supervisor": unit.supervisor or ""}
                issues.append(Issue(d.id, identity.person_subject(p.staff_id), p.department, p, folder / name, values))
        elif d.audience == "department" and who is None:
            for unit in [dept] if dept else profile.departments:
                values = {**base, "department": unit.name, "name": unit.head or "", "position": "",
                          "head": unit.head or "", "supervisor": unit.supervisor or ""}
                issues.append(Issue(d.id, identity.department_subject(unit.code), unit.name, None,
                                    out / safe_name(unit.name) / name, values))
        elif d.audience == "institution" and who is None and dept is None:
            values = {**base, "department": profile.institution.name, "name": leader.name,
                      "position": leader.title, "head": leader.name}
            issues.append(Issue(d.id, identity.INSTITUTION_SUBJECT, None, None, out / name, values))
    if not issues and (who or dept or form_type):  # a filter that matched nothing
        wanted = "、".join(f"{d.title}（{'、'.join(d.tiers) or {'department': '部门', 'institution': '全单位'}.get(d.audience, '个人')}）"
                          for d in definitions)
        subject = f"{who.name}（{who.tier}）" if who else (dept.name if dept else "本活动")
        raise UsageError(f"没有要生成的表单：{subject}不领取所选表单", hint=f"所选表单及领取对象：{wanted}")
    return issues


# --- rendering -------------------------------------------------------------------------------

def _static_context(ws: Workspace, definition: FormDefinition) -> dict:
    profile = ws.profile
    if definition.rows_from == "categories":
        rows = [{"seq": i, "category": c}
                for i, c in enumerate(definition.category_rows(profile.categories), start=1)]
    else:
        rows = [{"seq": i, "category": ""} for i in range(1, definition.blank_rows + 1)]
    return {
        "annex_label": annex_label(profile, definition.id),
        "note": definition.render_note(profile.levels.labels, profile.categories),
        "rows": rows,
        "date": cn_date(profile.due_date(definition.id)),
        "institution": profile.institution.name,
        "campaign": profile.campaign.code,
        "form_type": definition.id,
    }


def prepare(ws: Workspace, form_types: Iterable[str]) -> dict[str, PreparedDocx]:
    """Render each form type's template once for this profile (a workspace template wins)."""
    return {t: PreparedDocx.render(ws.template(template_name(get(t))), _static_context(ws, get(t)),
                                   set(SUBJECT_KEYS), QR_NAME)
            for t in form_types}


_PREPARED: dict[str, PreparedDocx] = {}


def _init_worker(prepared: dict[str, PreparedDocx]) -> None:
    global _PREPARED
    _PREPARED = prepared


def _write_chunk(tasks: Sequence[tuple[str, str, dict]]) -> int:
    made: set[str] = set()
    for form_type, path, values in tasks:
        folder = os.path.dirname(path)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        _PREPARED[form_type].write(Path(path), values, qr.png(values["form_id"]))
    return len(tasks)


def write_all(prepared: dict[str, PreparedDocx], tasks: list[tuple[str, str, dict]], *, jobs: int,
              progress: bool) -> None:
    """Write every task's file; ``jobs`` processes, chunks handed out as workers free up."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    chunks = [tasks[i:i + CHUNK] for i in range(0, len(tasks), CHUNK)]
    bar = Progress(TextColumn("生成表单"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=console, disable=not (progress and console.is_terminal), transient=True)
    with bar:
        job = bar.add_task("forms", total=len(tasks))
        if jobs <= 1 or len(chunks) <= 1:
            _init_worker(prepared)
            for chunk in chunks:
                bar.advance(job, _write_chunk(chunk))
            return
        # fork shares the prepared parts without pickling where it exists; spawn pickles them once per worker.
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        with get_context(method).Pool(jobs, initializer=_init_worker, initargs=(prepared,)) as pool:
            for done in pool.imap_unordered(_write_chunk, chunks):
                bar.advance(job, done)


# --- PDF ---------------------------------------------------------------------------------------

def to_pdf(paths: Sequence[Path], *, jobs: int = 1) -> list[Path]:
    """Convert with LibreOffice, ``PDF_CHUNK`` files per soffice process, each PDF beside its .docx.

    Every person's form has the same file name, and soffice takes one output folder per run, so
    each chunk is linked into a scratch folder under unique names and the PDFs moved back.
    """
    from pipeline._exec import soffice

    soffice.require()
    chunks = [list(paths[i:i + PDF_CHUNK]) for i in range(0, len(paths), PDF_CHUNK)]

    def run(chunk: list[Path]) -> list[Path]:
        with tempfile.TemporaryDirectory(prefix="lz-pdf-") as tmp:
            links = []
            for i, src in enumerate(chunk):
                link = Path(tmp) / f"{i:04d}.docx"
                try:
                    os.link(src, link)
                except OSError:
                    shutil.copyfile(src, link)
                links.append(link)
            made = []
            for out in soffice.convert(links, Path(tmp) / "pdf"):
                src = chunk[int(out.stem)]
                made.append(Path(shutil.move(str(out), src.with_suffix(".pdf"))))
            return made

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return [p for made in pool.map(run, chunks) for p in made]


# --- the command -------------------------------------------------------------------------------

def generate_forms(ws: Workspace, *, department: str | None = None, person: str | None = None,
                   form_type: str | None = None, pdf: bool = False, jobs: int | None = None,
                   progress: bool = True) -> list[Path]:
    """Write the forms, record them in the store (one transaction); returns the files written."""
    from sqlalchemy import insert, select, update

    from pipeline.store import log, open_store, sync_profile
    from pipeline.store.models import IssuedForm

    profile = ws.profile
    issues = plan_issues(ws, department=department, person=person, form_type=form_type)
    campaign = profile.campaign.code
    jobs = max(1, jobs or os.cpu_count() or 1)
    Session = open_store(ws.database_url)
    with Session() as session, session.begin():
        sync_profile(session, profile, ws.roster)
        issued = {(r.form_type, r.subject): r for r in session.execute(
            select(IssuedForm.form_type, IssuedForm.subject, IssuedForm.version, IssuedForm.form_id)
            .where(IssuedForm.campaign == campaign))}
        new_rows, moved = [], []
        tasks: list[tuple[str, str, dict]] = []
        for issue in issues:
            before = issued.get((issue.form_type, issue.subject))
            version = before.version if before else 1
            form_id = str(identity.FormId(campaign, get(issue.form_type).code, issue.subject, version))
            values = {**issue.values, "form_id": form_id, "subject": issue.subject, "version": version}
            tasks.append((issue.form_type, str(issue.path), values))
            row = {"form_id": form_id, "path": str(issue.path.relative_to(ws.root)),
                   "department": issue.department, "person_name": issue.person.name if issue.person else None,
                   "staff_id": issue.person.staff_id if issue.person else None}
            if before:
                moved.append(row)
            else:
                new_rows.append({**row, "campaign": campaign, "form_type": issue.form_type,
                                 "subject": issue.subject, "version": version})
        write_all(prepare(ws, {i.form_type for i in issues}), tasks, jobs=jobs, progress=progress)
        if new_rows:
            session.execute(insert(IssuedForm), new_rows)
        if moved:
            session.execute(update(IssuedForm), moved)
        log(session, "issue_forms", campaign, new=len(new_rows), again=len(moved),
            filters={"department": department, "person": person, "form_type": form_type})
    paths = [i.path for i in issues]
    if pdf:
        pdfs = to_pdf(paths, jobs=jobs)
        failed = sorted(set(p.with_suffix(".pdf") for p in paths) - set(pdfs))
        if failed:
            shown = "、".join(str(p.with_suffix(".docx").relative_to(ws.root)) for p in failed[:5])
            raise ConversionError(
                f"Word 表格已全部生成，但有 {len(failed)} 个未能转换为 PDF：{shown}{' 等' if len(failed) > 5 else ''}",
                hint="用 LibreOffice 打开这些文件看是否损坏，然后重新运行 lianzheng forms --pdf")
        paths += pdfs
    return paths
