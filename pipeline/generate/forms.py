"""Every annex form of a campaign, pre-filled per department and person, with its identity.

``generate_forms`` works out who gets which form (audience, tier rule, the command-line
filters), gives each form its id (re-using the id already issued for the same campaign, form
type and subject, so running it twice issues nothing new), writes the files in parallel with the
fast renderer of :mod:`pipeline.generate.fastdocx`, records them in the store in one transaction,
and with ``pdf`` converts them with LibreOffice in batches.

Files: ``outbox/forms/<部门>/<工号>-<姓名>/<附件N>-<标题>.docx`` for a person,
``outbox/forms/<部门>/<附件N>-<标题>.docx`` for a department, ``outbox/forms/<附件N>-<标题>.docx``
for the institution.

Dates: the fill date (填表日期, a pledge's date) is left blank, as on the seeds' forms, for the
person to write; a profile with ``annexes.fill_date`` pre-fills it with the form's due date (the
task naming the form, else the campaign's deadline). Where the form says by when its copy goes to
the leading group (本表一式N份 …) it prints ``annexes.report_dates`` for the form, as the seed does
when that date is not the plan's (003), else the due date.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from pipeline.campaign import identity
from pipeline.campaign.obligations import PREFILL, annex_label, plan_issues
from pipeline.cnfmt import cn_date
from pipeline.errors import ConversionError
from pipeline.forms import FormDefinition, get
from pipeline.generate import qr
from pipeline.generate.fastdocx import Picture, PreparedDocx
from pipeline.generate.templates import QR_NAME, template_name
from pipeline.workspace import Workspace

#: Template variables that differ per subject (the others are fixed per form type and profile).
SUBJECT_KEYS = frozenset(PREFILL) | {"form_id", "subject", "version"}
#: Forms per task sent to a worker: large enough to amortise the hand-off, small enough for a smooth bar.
CHUNK = 100
PDF_CHUNK = 200


# --- rendering -------------------------------------------------------------------------------

def _static_context(ws: Workspace, definition: FormDefinition) -> dict:
    profile = ws.profile
    if definition.rows_from == "categories":
        rows = [{"seq": i, "category": c}
                for i, c in enumerate(definition.category_rows(profile.categories), start=1)]
    else:
        rows = [{"seq": i, "category": ""} for i in range(1, definition.blank_rows + 1)]
    return {
        **({"chart": _chart(definition)} if definition.chart else {}),
        "annex_label": annex_label(profile, definition.id),
        "note": definition.render_note(profile.levels.labels, profile.categories),
        "rows": rows,
        "date": cn_date(profile.due_date(definition.id)) if profile.annexes.fill_date else "",
        "copies": definition.render_copies(cn_date(profile.report_date(definition.id), with_year=False)),
        "institution": profile.institution.name,
        "campaign": profile.campaign.code,
        "form_type": definition.id,
    }


def _chart(definition: FormDefinition) -> Picture:
    """The blank form's drawn flowchart at print resolution, as wide as the page allows."""
    from pipeline.generate.flowchart import blank_chart
    from pipeline.generate.templates import CHART_MM, usable_width_mm

    chart = blank_chart(definition)
    return Picture(chart.png, *chart.size_mm(usable_width_mm(definition), CHART_MM))


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

def keep_issued(ws: Workspace, path: Path, *, sync: bool = True) -> str:
    """Keep the issued file write-once under ``store/issued`` by its sha256 (as the originals are).

    The archive files what was handed out even after the outbox is regenerated; returns the hash.
    With ``sync=False`` the caller flushes (:func:`pipeline.store.originals.flush`).
    """
    import hashlib

    from pipeline.store.originals import keep_original

    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    keep_original(ws.store_dir / "issued", sha, data, sync=sync)
    return sha


def generate_forms(ws: Workspace, *, department: str | None = None, person: str | None = None,
                   form_type: str | None = None, pdf: bool = False, jobs: int | None = None,
                   progress: bool = True) -> list[Path]:
    """Write the forms and record them in the store; returns the files written."""
    from sqlalchemy import insert, select, update

    from pipeline.store import event, open_store, sync_profile
    from pipeline.store.models import IssuedForm
    from pipeline.store.originals import BATCH_FLUSH, flush

    profile = ws.profile
    issues = plan_issues(ws, department=department, person=person, form_type=form_type)
    campaign = profile.campaign.code
    jobs = max(1, jobs or os.cpu_count() or 1)
    Session = open_store(ws.database_url)
    # Three steps, so that the store is never held for writing while thousands of files render (an
    # ingest started beside a long generation then waits a moment at most): read what was issued,
    # write the files with no transaction open, record them.
    with Session.begin() as session:
        sync_profile(session, profile, ws.roster)
    with Session() as session:
        issued = {(r.form_type, r.subject): r for r in session.execute(
            select(IssuedForm.form_type, IssuedForm.subject, IssuedForm.version, IssuedForm.form_id)
            .where(IssuedForm.campaign == campaign))}
    rows, tasks = [], []
    for issue in issues:
        before = issued.get((issue.form_type, issue.subject))
        version = before.version if before else 1
        form_id = str(identity.FormId(campaign, get(issue.form_type).code, issue.subject, version))
        values = {**issue.values, "form_id": form_id, "subject": issue.subject, "version": version}
        tasks.append((issue.form_type, str(issue.path), values))
        rows.append({"form_id": form_id, "path": str(issue.path.relative_to(ws.root)),
                     "department": issue.department, "person_name": issue.person.name if issue.person else None,
                     "staff_id": issue.person.staff_id if issue.person else None, "campaign": campaign,
                     "form_type": issue.form_type, "subject": issue.subject, "version": version})
    write_all(prepare(ws, {i.form_type for i in issues}), tasks, jobs=jobs, progress=progress)
    for row in rows:
        row["sha256"] = keep_issued(ws, ws.root / row["path"], sync=not BATCH_FLUSH)
    if BATCH_FLUSH and rows:
        flush(ws.store_dir)  # the issued files durable before the store records them
    with Session.begin() as session:
        # read again inside the write: another generation may have issued some of these meanwhile
        present = set(session.scalars(select(IssuedForm.form_id).where(IssuedForm.campaign == campaign)))
        new_rows = [r for r in rows if r["form_id"] not in present]
        moved = [{k: r[k] for k in ("form_id", "path", "department", "person_name", "staff_id", "sha256")}
                 for r in rows if r["form_id"] in present]
        if new_rows:
            session.execute(insert(IssuedForm), new_rows)
        if moved:
            session.execute(update(IssuedForm), moved)
        event(session, "issue_forms", campaign, campaign=campaign, new=len(new_rows), again=len(moved),
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
