"""The library entry: every command the CLI offers, callable the same way from a script or a web page.

Implementations are imported on first use so that ``lianzheng --help`` and ``lianzheng parse``
start without loading LibreOffice wrappers, SQLAlchemy or the renderer.
"""

from __future__ import annotations

import datetime as dt

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.intake.ingest import IngestSummary
    from pipeline.records import ParsedForm
    from pipeline.report.status import DepartmentStatus
    from pipeline.report.archive.build import ArchiveResult
    from pipeline.report.archive.verify import Report as ArchiveReport


def init_workspace(directory: Path, from_profile: Path | None = None) -> Workspace:
    """Create a workspace: profile.toml (commented), roster.xlsx (headers, validation), inbox/, outbox/."""
    from pipeline.init import init_workspace as _init

    return _init(Path(directory), from_profile)


def make_plan(ws: Workspace, *, pdf: bool = True, separate: bool = False) -> list[Path]:
    """Write the implementation plan (实施方案) as .docx, and .pdf when LibreOffice is present;
    the blank annex forms are bound after the text unless ``separate``."""
    from pipeline.generate.plan import generate_plan

    return generate_plan(ws, pdf=pdf, separate=separate)


def make_forms(ws: Workspace, *, department: str | None = None, person: str | None = None,
               form_type: str | None = None, pdf: bool = False, jobs: int | None = None,
               progress: bool = True) -> list[Path]:
    """Write every annex form, pre-filled per department and person, and record each in the store."""
    from pipeline.generate.forms import generate_forms

    return generate_forms(ws, department=department, person=person, form_type=form_type,
                          pdf=pdf, jobs=jobs, progress=progress)


def parse_file(path: Path, *, levels: list[str] | None = None, ws: Workspace | None = None,
               isolated: bool = False, file_seconds: float | None = None) -> "ParsedForm":
    """Parse one returned form (.docx, PDF, a scan …) into risk records; stateless.

    ``isolated``: read it in a process of its own with ingest's time limit (``file_seconds``,
    default 300), so a hostile file cannot hang or end the caller — for a file of unknown origin,
    as the ``parse`` command reads it.
    """
    from pipeline.parse import parse_file as _parse, scheme_of

    profile = ws.profile if ws else None
    if not isolated:
        return _parse(Path(path), levels=levels, profile=profile)
    from pipeline.intake.workers import FILE_SECONDS, parse_alone

    return parse_alone(Path(path), scheme=scheme_of(profile, levels), seconds=file_seconds or FILE_SECONDS)


def ingest(ws: Workspace, *, inbox: Path | None = None, jobs: int | None = None,
           progress: bool = True, batch: int | None = None, file_seconds: float | None = None) -> "IngestSummary":
    """Read every new file in the inbox into the store: keep, parse, match, validate.

    ``batch``: files per transaction (default 200); several processes may ingest into one
    PostgreSQL store at once, each file claimed by one of them. ``file_seconds``: the longest one
    file may take to read (default 300) before it is held as hostile.
    """
    from pipeline.intake.ingest import BATCH, ingest as _ingest
    from pipeline.intake.workers import FILE_SECONDS

    return _ingest(ws, inbox=inbox, jobs=jobs, progress=progress, batch=batch or BATCH,
                   file_seconds=file_seconds or FILE_SECONDS)


def status(ws: Workspace, *, department: str | None = None) -> list["DepartmentStatus"]:
    """Per department: issued, received, accepted, needing revision, missing, overdue."""
    from pipeline.report.status import status as _status

    return _status(ws, department=department)


def check(ws: Workspace) -> list:
    """Every fault of the workspace's store (database, originals against their hashes, issued forms)."""
    from pipeline.store.check import check_store

    return check_store(ws.database_url, ws.store_dir, campaign=ws.profile.campaign.code)


def overview(database_url: str) -> list:
    """Every campaign in one (shared) store: completeness and high-level points, from the store alone."""
    from pipeline.report.overview import overview as _overview

    return _overview(database_url)


def notices(ws: Workspace, *, today: dt.date | None = None, due: dt.date | None = None,
            pdf: bool = True) -> list[Path]:
    """Write a 退回重查通知 and/or 催报通知 per department that has something to redo or return,
    dated ``today`` (default the real today), deadline ``due`` (default the profile's); PDFs when
    LibreOffice is present and ``pdf``."""
    from pipeline.report.notices import write_notices

    return write_notices(ws, today=today, due=due, pdf=pdf)


def flowchart(source: Path | None, out: Path, *, ws: Workspace | None = None, power: str | None = None) -> list[Path]:
    """Draw the 权力运行流程图 (外部 and 内部) into the folder ``out`` as SVG, PNG and a Word document:
    from a returned step table (``source``), else from the profile's ``[[powers]]`` (all, or
    ``power``); returns the files written."""
    from pipeline.generate.flowchart import draw_files

    return draw_files(source, out, ws=ws, power=power)


def ledger(ws: Workspace) -> list[Path]:
    """Write the 廉政风险防控台账 workbook, its 上报 file and one workbook per department."""
    from pipeline.report.ledger import write_ledger

    return write_ledger(ws)


def ledger_import(ws: Workspace, path: Path, *, by: str | None = None):
    """Read the office's review (风险等级, 风险类别, 审核意见) back from a ledger, all or nothing."""
    from pipeline.report.review import import_review

    return import_review(ws, Path(path), by=by)


def publish(ws: Workspace, *, pdf: bool = True) -> list[Path]:
    """Write the 廉政风险点公示 (.docx, and .pdf with LibreOffice): the institution's and each department's."""
    from pipeline.report.publish import write_publication

    return write_publication(ws, pdf=pdf)


def archive(ws: Workspace, *, pdf: bool = True, progress: bool = True) -> "ArchiveResult":
    """Write the archive package (BagIt bag and its reproducible zip) under ``outbox/archive/``."""
    from pipeline.report.archive.build import build_archive

    return build_archive(ws, pdf=pdf, progress=progress)


def verify_archive(package: Path, *, report: Path | None = None) -> "ArchiveReport":
    """四性检测 of a package (bag folder or zip) without the workspace; writes the report file beside it."""
    from pipeline.report.archive.verify import verify_archive as _verify

    return _verify(Path(package), report=report)
