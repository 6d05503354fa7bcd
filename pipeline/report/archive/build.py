"""Build the campaign's archive package: a BagIt bag under ``outbox/archive/`` and the same bag zipped.

Payload (``data/``), one folder per kind of document:

* ``00-目录/``   the 归档文件目录 (.xlsx and .csv, see :mod:`.catalogue`);
* ``01-实施方案/`` everything under ``outbox/plan`` (the plan and its annexes);
* ``02-下发表格/`` every issued form as it was issued (from ``store/issued`` by its sha256; forms
  issued before hashes were kept come from the outbox);
* ``03-收回表格/<状态>/<部门>/`` every returned original byte for byte, all versions: 已接收,
  需修改, 已被替代 and 已拒收 (the quarantine, each with its ``.原因.txt``);
* ``04-台账/``, ``05-公示/``, ``06-通知/`` whatever is under ``outbox/ledger``, ``outbox/publish`` and
  ``outbox/notices`` when the package is built;
* ``07-审计日志/`` the ``events`` table as CSV and JSON.

A .pdf in the outbox beside a .docx of the same name is not taken: the stamped PDF/A made from
the .docx stands for it. Every .docx the program wrote (plan, forms, notices, ledgers, 公示) gets
a PDF/A-2b copy carrying the 归档章 beside it, and so does every readable returned .docx (a Word
file is no long-term format, and the records office reads the return as its sender saw it) except
one flagged for active content, which is kept only as it came; the originals stay byte for byte.

Building reads the store and writes nothing into it except the PDF/A cache, so the same store
and files give a byte-identical zip. Bagging-Date is the campaign's last date.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline.report.archive.catalogue import Entry, number, to_csv, to_xlsx
from pipeline.report.archive.names import Namer, units
from pipeline.report.archive.stamp import StampFields, stamp_docx
from pipeline.workspace import Workspace

FOLDERS = {"catalogue": "00-目录", "plan": "01-实施方案", "forms": "02-下发表格", "returns": "03-收回表格",
           "ledgers": "04-台账", "publish": "05-公示", "notices": "06-通知", "audit": "07-审计日志"}
#: Outbox folders taken as they are at build time, and the document kind each holds.
OUTBOX = (("plan", "plan"), ("ledgers", "ledger"), ("publish", "publish"), ("notices", "notices"))
STATUS_DIRS = {"accepted": "已接收", "needs_revision": "需修改", "superseded": "已被替代", "rejected": "已拒收"}
CATALOGUE_CSV = f"{FOLDERS['catalogue']}/归档文件目录.csv"
CATALOGUE_XLSX = f"{FOLDERS['catalogue']}/归档文件目录.xlsx"
CONVERTED_KINDS = frozenset({"plan", "forms", "ledgers", "publish", "notices"})


@dataclass
class ArchiveResult:
    bag: Path
    zip: Path
    sha256: str
    entries: int
    files: int
    pdfa: int
    skipped: list[str] = field(default_factory=list)


def package_name(ws: Workspace) -> str:
    return f"{ws.profile.campaign.code}-归档"


def _outbox_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    files = sorted((p for p in folder.rglob("*") if p.is_file() and not p.name.startswith((".", "~$"))),
                   key=lambda p: p.relative_to(folder).as_posix())
    return [p for p in files if not (p.suffix.lower() == ".pdf" and p.with_suffix(".docx").exists())]


def _events_files(rows) -> tuple[bytes, bytes]:
    import csv
    import io

    records = [{"id": r.id, "at": r.at.isoformat(timespec="seconds"), "actor": r.actor, "action": r.action,
                "subject": r.subject, "detail": r.detail} for r in rows]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["序号", "时间(UTC)", "操作者", "操作", "对象", "详情"])
    for r in records:
        w.writerow([r["id"], r["at"], r["actor"], r["action"], r["subject"],
                    json.dumps(r["detail"], ensure_ascii=False, sort_keys=True)])
    as_json = json.dumps(records, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return ("\ufeff" + out.getvalue()).encode("utf-8"), as_json.encode("utf-8")


def build_archive(ws: Workspace, *, pdf: bool = True, progress: bool = True) -> ArchiveResult:
    """Write ``outbox/archive/<活动代码>-归档/`` (the bag) and ``….zip``; returns what was made."""
    from pipeline._exec import soffice
    from pipeline.report.archive.pdfa import page_count
    from pipeline.store import open_store
    from pipeline.store.originals import original_path, quarantine_path
    from pipeline.store.queries import all_events, all_submissions, issued_forms, submissions_with_problem
    from pipeline.store.status import READABLE

    profile, arch = ws.profile, ws.profile.archive
    code, year, when = profile.campaign.code, profile.campaign.year, profile.deadline
    institution = profile.institution.name
    name = package_name(ws)
    namer = Namer(prefix_units=units(f"{name}/data/"))
    payload: dict[str, Path | bytes] = {}
    entries: list[Entry] = []
    skipped: list[str] = []

    def add(kind: str, parts: list[str], source: Path | bytes) -> str:
        rel = namer.name([FOLDERS[kind], *parts])
        payload[rel] = source
        return rel

    with open_store(ws.database_url)() as s:
        issued, subs, events = issued_forms(s, code), all_submissions(s, code), all_events(s, code)
        active = submissions_with_problem(s, code, "active_content")
    rendered: list[Entry] = []  # returned .docx files that get a PDF/A copy too

    for kind, folder in OUTBOX:
        root = ws.outbox / folder
        for path in _outbox_files(root):
            rel = add(kind, list(path.relative_to(root).parts), path)
            e = Entry(kind, arch.retention_of(kind), path.stem, institution, when, [rel])
            if kind == "plan" and path.suffix == ".docx" and "实施方案" in path.stem:
                e.title, e.number, e.date = profile.document.title, profile.document.number or "", profile.document.issue_date
            entries.append(e)
        if kind == "plan":  # issued forms follow the plan they are annexed to
            for r in issued:
                stored = original_path(ws.store_dir / "issued", r.sha256) if r.sha256 else None
                source = stored if stored and stored.exists() else ws.root / r.path
                if not source.exists():
                    skipped.append(f"下发表格 {r.form_id}（{r.path}）的文件已不在，未归档")
                    continue
                rel_path = PurePosixPath(Path(r.path).as_posix())
                parts = list(rel_path.parts[2:] if rel_path.parts[:2] == ("outbox", "forms") else rel_path.parts)
                rel = add("forms", parts, source)
                who = " ".join(x for x in (r.department, r.person_name) if x)
                entries.append(Entry("forms", arch.retention_of("forms"), f"{rel_path.stem}（{who or institution}）",
                                     institution, r.issued_at.date(), [rel], note=f"表单编号 {r.form_id}"))
            for r in subs:
                suffix = PurePosixPath(r.filename).suffix
                source = original_path(ws.originals, r.sha256)
                if not source.exists():
                    source = quarantine_path(ws.quarantine, r.sha256, suffix)
                if not source.exists():
                    skipped.append(f"收件 {r.id:05d}（{r.filename}）的原件不在 store 中，未归档")
                    continue
                base = f"{r.id:05d}-{PurePosixPath(r.filename).name}"
                parts = [STATUS_DIRS.get(r.status, r.status), r.department or "未匹配部门", base]
                files = [add("returns", parts, source)]
                note = STATUS_DIRS.get(r.status, r.status)
                if r.status == "superseded" and r.superseded_by:
                    note += f"（由收件 {r.superseded_by:05d} 替代）"
                if r.status == "rejected":
                    note += f"：{r.reason or ''}"
                    kept = ws.quarantine / f"{r.sha256}.txt"
                    why = kept.read_bytes() if kept.exists() else (
                        f"原文件：{r.filename}\nSHA-256：{r.sha256}\n原因：{r.reason or ''}\n".encode("utf-8"))
                    files.append(add("returns", [*parts[:-1], base + ".原因.txt"], why))
                who = " ".join(x for x in (r.department, r.person_name) if x) or "未知报送人"
                e = Entry("returns", arch.retention_of("returns"), PurePosixPath(r.filename).stem, who,
                          r.received_at.date(), files, note=note + (f"；表单编号 {r.form_id}" if r.form_id else ""))
                if suffix.lower() == ".pdf":
                    e.pages = page_count(path=source)
                elif suffix.lower() == ".docx" and r.status in READABLE and r.id not in active:
                    rendered.append(e)
                entries.append(e)
    csv_log, json_log = _events_files(events)
    entries.append(Entry("audit", arch.retention_of("audit"), f"{profile.campaign.name}审计日志", institution, when,
                         [add("audit", ["审计日志.csv"], csv_log), add("audit", ["审计日志.json"], json_log)],
                         note=f"{len(events)} 条操作记录"))

    number(entries, fonds=arch.fonds, category=arch.category, year=year, org=arch.org_code)

    words = [e for e in entries if e.kind in CONVERTED_KINDS and e.files[0].endswith(".docx")] + rendered
    if words and not pdf:
        skipped.append(f"未生成 PDF/A：按要求跳过，{len(words)} 个 Word 文件只以原格式归档")
    elif words and soffice.find() is None:
        skipped.append(f"未生成 PDF/A：没有找到 LibreOffice，{len(words)} 个 Word 文件只以原格式归档"
                       "（安装 LibreOffice，如 apt-get install libreoffice-writer，后重新运行 lianzheng archive）")
    elif words:
        stamped = []
        for e in words:
            src = payload[e.files[0]]
            data = src.read_bytes() if isinstance(src, Path) else src
            stamped.append(stamp_docx(data, StampFields(arch.fonds, year, e.item, arch.org_code, e.retention)))
        for e, made in zip(words, _with_progress(ws, stamped, progress)):
            if made is None:
                skipped.append(f"{e.files[0]} 未能转换为 PDF/A，只以 Word 格式归档")
                continue
            e.pdfa = namer.name(list(PurePosixPath(e.files[0]).with_suffix(".pdf").parts))
            payload[e.pdfa] = made
            e.files.append(e.pdfa)
            e.pages = page_count(path=made)

    title = f"{institution}{profile.campaign.name}归档文件目录（{year}年）"
    payload[CATALOGUE_CSV] = to_csv(entries)
    payload[CATALOGUE_XLSX] = to_xlsx(entries, title, when)
    return _write(ws, name, payload, _bag_info(ws, entries, subs, issued, events), entries, skipped)


def _with_progress(ws: Workspace, stamped: list[bytes], progress: bool) -> list[Path | None]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from pipeline.report.archive.pdfa import pdfa_copies

    console = Console(stderr=True)
    bar = Progress(TextColumn("转换 PDF/A"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=console, disable=not (progress and console.is_terminal), transient=True)
    with bar:
        job = bar.add_task("pdfa", total=len(stamped))
        return pdfa_copies(ws.store_dir / "archive-pdfa", stamped, tick=lambda n: bar.advance(job, n))


def _bag_info(ws: Workspace, entries: list[Entry], subs, issued, events) -> dict[str, str]:
    from pipeline import __version__

    profile, arch = ws.profile, ws.profile.archive
    by_status = {k: sum(1 for r in subs if r.status == k) for k in STATUS_DIRS}
    return {
        "Source-Organization": profile.institution.name,
        "Contact-Name": f"{profile.office.location} {profile.office.director.name}",
        "External-Identifier": f"{arch.fonds}-{arch.category}·{profile.campaign.year}-{profile.campaign.code}",
        "External-Description": f"{profile.institution.name}{profile.campaign.name}（{profile.campaign.year}年）归档文件",
        "Bagging-Date": profile.deadline.isoformat(),
        "Bag-Software-Agent": f"lianzheng {__version__} (bagit.py)",
        "Campaign-Code": profile.campaign.code,
        "Campaign-Name": profile.campaign.name,
        "Campaign-Year": str(profile.campaign.year),
        "Fonds": arch.fonds,
        "Catalogue": f"data/{CATALOGUE_CSV}",
        "Item-Count": str(len(entries)),
        "Issued-Form-Count": str(len(issued)),
        "Returned-File-Count": str(len(subs)),
        **{f"Returned-{k.replace('_', '-').title()}-Count": str(v) for k, v in by_status.items()},
        "PDFA-Count": str(sum(1 for e in entries if e.pdfa)),
        "Audit-Event-Count": str(len(events)),
    }


def _write(ws: Workspace, name: str, payload: dict[str, Path | bytes], info: dict[str, str],
           entries: list[Entry], skipped: list[str]) -> ArchiveResult:
    import bagit

    from pipeline.report.archive.zipfile_writer import write_tree

    out = ws.outbox / "archive"
    staging = out / f".building-{name}"
    shutil.rmtree(staging, ignore_errors=True)
    for rel, source in payload.items():
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path):
            shutil.copyfile(source, target)
        else:
            target.write_bytes(source)
    bagit.make_bag(str(staging), dict(info), checksums=["sha256"])
    # bagit lists the tag files in directory order, which differs between file systems: sort them
    # (the tag manifest does not list itself, so rewriting it keeps the bag valid).
    tagmanifest = staging / "tagmanifest-sha256.txt"
    lines = tagmanifest.read_text(encoding="utf-8").splitlines()
    tagmanifest.write_text("".join(f"{x}\n" for x in sorted(lines, key=lambda x: x.split(" ", 1)[1])),
                           encoding="utf-8")
    bag = out / name
    shutil.rmtree(bag, ignore_errors=True)
    staging.rename(bag)
    target = out / f"{name}.zip"
    write_tree(target, bag, name, ws.profile.deadline)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    return ArchiveResult(bag, target, digest, len(entries), len(payload), sum(1 for e in entries if e.pdfa), skipped)


