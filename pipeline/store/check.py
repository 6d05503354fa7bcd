"""Checking a store end to end: the database, every original against its hash, the issued forms.

``lianzheng check`` is what an office runs after a restore from backup, a move to another
machine, or a sync tool touched the workspace. It reads everything and changes nothing; each
fault is named with what to do about it. The same rules guard the everyday commands cheaply:
:func:`guard_database_file` refuses to open an emptied or foreign SQLite file (which would
otherwise be silently replaced by a new, empty store), and ingest puts back a missing or altered
original from the inbox copy whose sha256 matches (:func:`pipeline.store.originals.restore`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text

from pipeline.errors import StoreError
from pipeline.store.models import IssuedForm, Submission
from pipeline.store.originals import original_path, quarantine_path, sha256_of
from pipeline.store.status import Status

SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Fault:
    """One thing wrong with the store: what, where, and what to do."""

    what: str
    where: str
    fix: str

    def __str__(self) -> str:
        return f"{self.where}：{self.what}（处理办法：{self.fix}）"


def guard_database_file(db_file: Path, store_dir: Path) -> None:
    """Refuse a SQLite file that is empty or not a database while the store holds originals.

    A sync tool or a failed copy can leave a zero-length file where the store was; opening it
    would create a fresh schema and show every return as missing. Better to stop and say so.
    """
    if not db_file.is_file():
        return
    with open(db_file, "rb") as f:
        head = f.read(len(SQLITE_HEADER))
    kept = any((store_dir / "originals").glob("*/*")) if (store_dir / "originals").is_dir() else False
    if head == SQLITE_HEADER or (not head and not kept):
        return
    what = "是空文件（0 字节）" if not head else "不是 SQLite 数据库"
    raise StoreError(f"数据库文件 {db_file} {what}，而原件库里已有收到的文件：数据库可能被同步工具清空或被覆盖",
                     hint="从备份恢复 store/lianzheng.sqlite3 后再运行；在恢复之前不要继续收表（原件库未受影响）")


def check_store(database_url: str, store_dir: Path, *, campaign: str | None = None) -> list[Fault]:
    """Every fault found in the store (empty when it is whole); reads everything, changes nothing."""
    from pipeline.store import open_store

    faults: list[Fault] = []
    factory = open_store(database_url)
    with factory() as s:
        faults += _database(s)
        subs = s.execute(select(Submission.campaign, Submission.sha256, Submission.filename, Submission.status)
                         .where(*([Submission.campaign == campaign] if campaign else []))).all()
        issued = s.execute(select(IssuedForm.form_id, IssuedForm.sha256, IssuedForm.path)
                           .where(*([IssuedForm.campaign == campaign] if campaign else []))).all()
    for sub in subs:
        if sub.status in (Status.REJECTED.value, Status.FAULT.value):
            found = list((store_dir / "quarantine").glob(f"{sub.sha256}.*"))
            target = next((p for p in found if p.suffix != ".txt"), None)
        else:
            target = original_path(store_dir / "originals", sub.sha256)
        faults += _file(target, sub.sha256, f"收到的文件“{sub.filename}”")
    for form in issued:
        if form.sha256:
            faults += _file(original_path(store_dir / "issued", form.sha256), form.sha256, f"下发的表格 {form.form_id}")
    return faults


def _database(s) -> list[Fault]:
    if s.get_bind().dialect.name != "sqlite":
        s.execute(text("SELECT 1"))
        return []
    result = [r[0] for r in s.execute(text("PRAGMA integrity_check"))]
    if result == ["ok"]:
        return []
    return [Fault("数据库结构损坏：" + "；".join(result[:5]), "store/lianzheng.sqlite3",
                  "从备份恢复数据库；原件库中的文件可重新收取")]


def _file(path: Path | None, sha256: str, what: str) -> list[Fault]:
    if path is None or not path.is_file():
        return [Fault(f"{what}的原件不见了（SHA-256 {sha256[:12]}…）", str(path or quarantine_path(Path("quarantine"), sha256, "")),
                      "从备份恢复该文件；或把原文件放回 inbox 再运行 ingest，哈希相符时会自动补回")]
    if sha256_of(path) != sha256:
        return [Fault(f"{what}的原件内容已被改动，与收到时的 SHA-256 不符", str(path),
                      "从备份恢复该文件；或把原文件放回 inbox 再运行 ingest，哈希相符时会自动换回")]
    return []
